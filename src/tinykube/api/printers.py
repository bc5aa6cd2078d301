"""kubectl's renderings of pods, as pure functions: `get` tables, `-o json`, `-o yaml`.

Ports of, and kept in step with:
- `human_duration` / `short_human_duration`: apimachinery `util/duration` (`HumanDuration`,
  `ShortHumanDuration`), the AGE and "(10s ago)" text of every kubectl table;
- `pod_row`: `printPod` of `pkg/printers/internalversion/printers.go`, the server-side Table
  row of a pod (READY with sidecars, `Init:N/M`, `Init:<reason>`, `Completed`/`NotReady`/`Running`,
  `Terminating`, RESTARTS with its `(10s ago)` suffix, and the `-o wide` columns);
- `POD_COLUMNS`: its `podColumnDefinitions` (meta.k8s.io/v1 `TableColumnDefinition`s);
- `pod_table`: cli-runtime's `printTable` through a tabwriter (minwidth 6, padding 3), as
  `kubectl get pods [-o wide] [-A] [--show-labels]` prints it; `no_resources_found` is the
  line kubectl writes to stderr for an empty result;
- `to_kubectl_json` / `to_kubectl_yaml`: kubectl's JSON printer (`json.MarshalIndent` of the
  unstructured object: sorted keys, 4 spaces, HTML-safe escapes) and YAML printer
  (`sigs.k8s.io/yaml`: JSON re-read by go-yaml v2 and emitted with its key order, its quoting
  rules and libyaml's emitter, 2 spaces, lines folded at 80 columns).

Everything here is pure: the current time is an argument. Neighbours: the model (`api.pod`,
`api.status`, `api.wire`) feeds it; `server` uses `POD_COLUMNS` and `pod_row_basis` (kept per
stored pod, AGE and RESTARTS formatted per request) for `as=Table` responses and `cli` uses
the text renderings.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
import yaml

from tinykube.api import wire
from tinykube.api.pod import Container, Pod
from tinykube.api.status import ContainerStatus, PodPhase, PodStatus

# --- durations ------------------------------------------------------------------------------

_NS_PER_SECOND = 1_000_000_000
_NS_PER_MINUTE = 60 * _NS_PER_SECOND
_NS_PER_HOUR = 60 * _NS_PER_MINUTE
_HOURS_PER_DAY = 24
_DAYS_PER_YEAR = 365


def _nanoseconds(value: float | datetime.timedelta) -> int:
    """A duration as Go's `time.Duration` (integer nanoseconds)."""
    if isinstance(value, datetime.timedelta):
        return (value.days * 86_400 + value.seconds) * _NS_PER_SECOND + value.microseconds * 1000
    return round(value * _NS_PER_SECOND)


def _whole_seconds(ns: int) -> int:
    """Go's `int(d.Seconds())`: truncation toward zero."""
    seconds = abs(ns) // _NS_PER_SECOND
    return -seconds if ns < 0 else seconds


def human_duration(value: float | datetime.timedelta) -> str:
    """`duration.HumanDuration`: ~2-3 significant figures (`70s`, `3m10s`, `47h`, `2d1h`, `2y1d`).

    `value` is seconds (or a timedelta). Up to 2 s in the future counts as now (`0s`); beyond
    that the result is `<invalid>`.
    """
    ns = _nanoseconds(value)
    seconds = _whole_seconds(ns)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = ns // _NS_PER_MINUTE
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = ns // _NS_PER_HOUR
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // _HOURS_PER_DAY
    if hours < _HOURS_PER_DAY * 8:
        rest = hours % _HOURS_PER_DAY
        return f"{days}d" if rest == 0 else f"{days}d{rest}h"
    if hours < _HOURS_PER_DAY * _DAYS_PER_YEAR * 2:
        return f"{days}d"
    years = days // _DAYS_PER_YEAR
    if hours < _HOURS_PER_DAY * _DAYS_PER_YEAR * 8:
        rest = days % _DAYS_PER_YEAR
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{years}y"


def short_human_duration(value: float | datetime.timedelta) -> str:
    """`duration.ShortHumanDuration`: one unit only (`59s`, `1m`, `23h`, `364d`, `2y`)."""
    ns = _nanoseconds(value)
    seconds = _whole_seconds(ns)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60:
        return f"{seconds}s"
    minutes = ns // _NS_PER_MINUTE
    if minutes < 60:
        return f"{minutes}m"
    hours = ns // _NS_PER_HOUR
    if hours < _HOURS_PER_DAY:
        return f"{hours}h"
    if hours < _HOURS_PER_DAY * _DAYS_PER_YEAR:
        return f"{hours // _HOURS_PER_DAY}d"
    return f"{hours // (_HOURS_PER_DAY * _DAYS_PER_YEAR)}y"


_ZERO_TIME = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


def _is_zero_time(value: datetime.datetime | None) -> bool:
    """`metav1.Time.IsZero`: unset, or Go's zero time `0001-01-01T00:00:00Z`."""
    if value is None:
        return True
    return value == (_ZERO_TIME if value.tzinfo is not None else _ZERO_TIME.replace(tzinfo=None))


def _since(timestamp: datetime.datetime | None, now: datetime.datetime) -> str:
    """`translateTimestampSince`: the AGE text of a timestamp."""
    if timestamp is None or _is_zero_time(timestamp):
        return "<unknown>"
    return human_duration(now - timestamp)


# --- table columns --------------------------------------------------------------------------


class TableColumnDefinition(msgspec.Struct, frozen=True, kw_only=True):
    """A `meta.k8s.io/v1` TableColumnDefinition; priority 1 marks an `-o wide` column."""

    name: str
    type: str
    format: str = ""
    description: str = ""
    priority: int = 0

    def to_wire(self) -> dict[str, Any]:
        """The JSON object the apiserver writes (none of these fields is omitempty)."""
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


_NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although some"
    " resources may allow a client to request the generation of an appropriate name"
    " automatically. Name is primarily intended for creation idempotence and configuration"
    " definition. Cannot be updated. More info:"
    " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_CREATION_TIMESTAMP_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was"
    " created. It is not guaranteed to be set in happens-before order across separate"
    " operations. Clients may not set this value. It is represented in RFC3339 form and is in"
    " UTC.\n\nPopulated by the system. Read-only. Null for lists. More info:"
    " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_POD_IP_DOC = (
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet"
    " allocated."
)
_NODE_NAME_DOC = (
    "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate"
    " for scheduling by the scheduler defined in schedulerName. Once this field is set, the"
    " kubelet for this node becomes responsible for the lifecycle of this pod. This field should"
    " not be used to express a desire for the pod to be scheduled on a specific node."
    " https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"
)
_NOMINATED_NODE_NAME_DOC = (
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot"
    " be scheduled right away as preemption victims receive their graceful termination periods."
    " This field does not guarantee that the pod will be scheduled on this node. Scheduler may"
    " decide to place the pod elsewhere if other nodes become available sooner. Scheduler may"
    " also decide to give the resources on this node to a higher priority pod that is created"
    " after preemption. As a result, this field may be different than PodSpec.nodeName when the"
    " pod is scheduled."
)
_READINESS_GATES_DOC = (
    "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when"
    " all its containers are ready AND all conditions specified in the readiness gates have"
    ' status equal to "True" More info:'
    " https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
)

POD_COLUMNS: tuple[TableColumnDefinition, ...] = (
    TableColumnDefinition(name="Name", type="string", format="name", description=_NAME_DOC),
    TableColumnDefinition(
        name="Ready",
        type="string",
        description="The aggregate readiness state of this pod for accepting traffic.",
    ),
    TableColumnDefinition(
        name="Status",
        type="string",
        description="The aggregate status of the containers in this pod.",
    ),
    TableColumnDefinition(
        name="Restarts",
        type="string",
        description=(
            "The number of times the containers in this pod have been restarted and when the"
            " last container in this pod has restarted."
        ),
    ),
    TableColumnDefinition(name="Age", type="string", description=_CREATION_TIMESTAMP_DOC),
    TableColumnDefinition(name="IP", type="string", priority=1, description=_POD_IP_DOC),
    TableColumnDefinition(name="Node", type="string", priority=1, description=_NODE_NAME_DOC),
    TableColumnDefinition(
        name="Nominated Node", type="string", priority=1, description=_NOMINATED_NODE_NAME_DOC
    ),
    TableColumnDefinition(
        name="Readiness Gates", type="string", priority=1, description=_READINESS_GATES_DOC
    ),
)
"""The pod Table columns in order, as `podColumnDefinitions`."""


# --- pod rows -------------------------------------------------------------------------------


class TableRowCondition(msgspec.Struct, frozen=True, kw_only=True):
    """A `meta.k8s.io/v1` TableRowCondition (`Completed` on rows of finished pods)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.message:
            out["message"] = self.message
        return out


_SUCCEEDED_CONDITIONS = (
    TableRowCondition(
        type="Completed",
        status="True",
        reason="Succeeded",
        message="The pod has completed successfully.",
    ),
)
_FAILED_CONDITIONS = (
    TableRowCondition(type="Completed", status="True", reason="Failed", message="The pod failed."),
)


class PodRow(msgspec.Struct, frozen=True, kw_only=True):
    """One pod as a kubectl table row: every column's text, plus what decorations need."""

    name: str
    ready: str
    status: str
    restarts: str
    age: str
    ip: str
    node: str
    nominated_node: str
    readiness_gates: str
    namespace: str = ""
    labels: str = "<none>"
    """`labels.FormatLabels`: `a=1,b=2` (sorted) or `<none>`, the `--show-labels` column."""
    conditions: tuple[TableRowCondition, ...] = ()

    def table_cells(self) -> tuple[str, ...]:
        """All nine cells, in `POD_COLUMNS` order (server-side Tables always carry them)."""
        return (
            self.name,
            self.ready,
            self.status,
            self.restarts,
            self.age,
            self.ip,
            self.node,
            self.nominated_node,
            self.readiness_gates,
        )

    def cells(self, *, wide: bool) -> tuple[str, ...]:
        """The cells kubectl shows: the five default columns, or all nine with `-o wide`."""
        cells = self.table_cells()
        return cells if wide else cells[:5]


class _Tally(msgspec.Struct):
    """The counters `printPod` accumulates while walking container statuses."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime.datetime | None = None

    def count_restarts(self, status: ContainerStatus) -> None:
        self.restarts += status.restart_count
        self.last_restart = _later(self.last_restart, _last_termination(status))


def _last_termination(status: ContainerStatus) -> datetime.datetime | None:
    terminated = status.last_state.terminated
    return None if terminated is None else terminated.finished_at


def _later(
    current: datetime.datetime | None, candidate: datetime.datetime | None
) -> datetime.datetime | None:
    """`if last.Before(&candidate) { last = candidate }` with unset times as Go's zero time."""
    if candidate is None or _is_zero_time(candidate):
        return current
    if current is None or current < candidate:
        return candidate
    return current


def _condition_true(status: PodStatus, condition_type: str) -> bool:
    """Whether the first condition of this type is True (`isPodInitializedConditionTrue`)."""
    for condition in status.conditions:
        if condition.type == condition_type:
            return condition.status == "True"
    return False


def _any_condition_true(status: PodStatus, condition_type: str) -> bool:
    """Whether any condition of this type is True (`hasPodReadyCondition`)."""
    return any(c.type == condition_type and c.status == "True" for c in status.conditions)


def _initial_reason(status: PodStatus) -> str:
    reason = status.reason or status.phase
    for condition in status.conditions:
        if condition.type == "PodScheduled" and condition.reason == "SchedulingGated":
            reason = "SchedulingGated"
    return reason


def _init_reason(status: ContainerStatus, index: int, total: int) -> str:
    """STATUS for the first init container that has not finished (`Init:...`)."""
    terminated = status.state.terminated
    if terminated is not None:
        if terminated.reason:
            return f"Init:{terminated.reason}"
        if terminated.signal != 0:
            return f"Init:Signal:{terminated.signal}"
        return f"Init:ExitCode:{terminated.exit_code}"
    waiting = status.state.waiting
    if waiting is not None and waiting.reason and waiting.reason != "PodInitializing":
        return f"Init:{waiting.reason}"
    return f"Init:{index}/{total}"


def _walk_init_containers(pod: Pod, tally: _Tally, sidecars: _Tally) -> bool:
    """The init pass: count restarts, started+ready sidecars; report whether init is pending.

    `sidecars` collects the restarts of restartable init containers only, which is what the
    RESTARTS column keeps once the app pass runs.
    """
    specs: dict[str, Container] = {c.name: c for c in pod.spec.init_containers}
    total = len(pod.spec.init_containers)
    for index, status in enumerate(pod.status.init_container_statuses):
        tally.count_restarts(status)
        spec = specs.get(status.name)
        is_sidecar = spec is not None and spec.is_sidecar
        if is_sidecar:
            sidecars.count_restarts(status)
        terminated = status.state.terminated
        if terminated is not None and terminated.exit_code == 0:
            continue
        if is_sidecar and status.started is True:
            if status.ready:
                tally.ready += 1
            continue
        tally.reason = _init_reason(status, index, total)
        return True
    return False


def _app_reason(status: ContainerStatus) -> str | None:
    waiting = status.state.waiting
    if waiting is not None and waiting.reason:
        return waiting.reason
    terminated = status.state.terminated
    if terminated is None:
        return None
    if terminated.reason:
        return terminated.reason
    if terminated.signal != 0:
        return f"Signal:{terminated.signal}"
    return f"ExitCode:{terminated.exit_code}"


def _walk_app_containers(pod: Pod, tally: _Tally, sidecars: _Tally) -> None:
    """The app pass: restarts restart from the sidecars' count; statuses are read last first."""
    tally.restarts = sidecars.restarts
    tally.last_restart = sidecars.last_restart
    has_running = False
    for status in reversed(pod.status.container_statuses):
        tally.count_restarts(status)
        reason = _app_reason(status)
        if reason is not None:
            tally.reason = reason
        elif status.ready and status.state.running is not None:
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed" and has_running:
        tally.reason = "Running" if _any_condition_true(pod.status, "Ready") else "NotReady"


def _pod_ip(status: PodStatus) -> str:
    """The first pod IP as the internal API sees it: `podIP` wins over `podIPs[0]`."""
    if status.pod_ip:
        return status.pod_ip
    return status.pod_ips[0].ip if status.pod_ips else ""


def _readiness_gates(pod: Pod) -> str:
    gates = pod.spec.readiness_gates
    if not gates:
        return "<none>"
    satisfied = 0
    for gate in gates:
        for condition in pod.status.conditions:
            if condition.type == gate.condition_type:
                satisfied += condition.status == "True"
                break
    return f"{satisfied}/{len(gates)}"


def format_labels(labels: Mapping[str, str]) -> str:
    """`labels.FormatLabels`: `k=v` pairs sorted by key and joined by `,`, or `<none>`."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def _row_conditions(phase: str) -> tuple[TableRowCondition, ...]:
    if phase == PodPhase.SUCCEEDED:
        return _SUCCEEDED_CONDITIONS
    if phase == PodPhase.FAILED:
        return _FAILED_CONDITIONS
    return ()


class PodRowBasis(msgspec.Struct, frozen=True, kw_only=True):
    """What `printPod` reads from the pod alone: the same at any time for one version of it.

    Only AGE and the "(5m ago)" of RESTARTS depend on the time; `at(now)` adds them. A server
    keeps the basis per stored object and formats just those two cells per request.
    """

    name: str
    namespace: str
    ready: str
    status: str
    restart_count: int
    last_restart: datetime.datetime | None
    """The latest `lastState.terminated.finishedAt` (never Go's zero time), or None."""
    created: datetime.datetime | None
    ip: str
    node: str
    nominated_node: str
    readiness_gates: str
    labels: str
    conditions: tuple[TableRowCondition, ...]

    @property
    def timeless_restarts(self) -> str | None:
        """The RESTARTS text when no "(... ago)" suffix makes it depend on the time."""
        if self.restart_count != 0 and self.last_restart is not None:
            return None
        return str(self.restart_count)

    def restarts_at(self, now: datetime.datetime) -> str:
        timeless = self.timeless_restarts
        if timeless is not None:
            return timeless
        return f"{self.restart_count} ({_since(self.last_restart, now)} ago)"

    def age_at(self, now: datetime.datetime) -> str:
        return _since(self.created, now)

    def at(self, now: datetime.datetime) -> PodRow:
        return PodRow(
            name=self.name,
            namespace=self.namespace,
            ready=self.ready,
            status=self.status,
            restarts=self.restarts_at(now),
            age=self.age_at(now),
            ip=self.ip,
            node=self.node,
            nominated_node=self.nominated_node,
            readiness_gates=self.readiness_gates,
            labels=self.labels,
            conditions=self.conditions,
        )


def pod_row(pod: Pod, *, now: datetime.datetime) -> PodRow:
    """The `kubectl get pods` row of `pod` at time `now` (timezone-aware), as `printPod`."""
    return pod_row_basis(pod).at(now)


def pod_row_basis(pod: Pod) -> PodRowBasis:
    """Everything of `pod_row` but the time-dependent text (see `PodRowBasis`)."""
    status = pod.status
    tally = _Tally(reason=_initial_reason(status))
    sidecars = _Tally(reason="")
    initializing = _walk_init_containers(pod, tally, sidecars)
    if not initializing or _condition_true(status, "Initialized"):
        _walk_app_containers(pod, tally, sidecars)
    if pod.metadata.deletion_timestamp is not None:
        if status.reason == "NodeLost":
            tally.reason = "Unknown"
        elif status.phase not in (PodPhase.SUCCEEDED, PodPhase.FAILED):
            tally.reason = "Terminating"
    total = len(pod.spec.containers) + sum(1 for c in pod.spec.init_containers if c.is_sidecar)
    return PodRowBasis(
        name=pod.metadata.name,
        namespace=pod.metadata.namespace,
        ready=f"{tally.ready}/{total}",
        status=tally.reason,
        restart_count=tally.restarts,
        last_restart=tally.last_restart,
        created=pod.metadata.creation_timestamp,
        ip=_pod_ip(status) or "<none>",
        node=pod.spec.node_name or "<none>",
        nominated_node=status.nominated_node_name or "<none>",
        readiness_gates=_readiness_gates(pod),
        labels=format_labels(pod.metadata.labels),
        conditions=_row_conditions(status.phase),
    )


# --- plain-text tables ----------------------------------------------------------------------

_TAB_MIN_WIDTH = 6
_TAB_PADDING = 3
_CELL_BREAK = re.compile(r"[\f\n\r]")


def _escape_cell(text: str) -> str:
    """cli-runtime's cell sanitising: cut at the first line break (`...`), show ESC as `^[`."""
    cut = _CELL_BREAK.search(text)
    if cut is not None:
        return text[: cut.start()].replace("\x1b", "^[") + "..."
    return text.replace("\x1b", "^[")


def tabulate(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """Cells laid out as kubectl's tabwriter does: left-aligned, 3 spaces apart, min width 6.

    Every line must have as many cells as the header. The last column is not padded (no
    trailing blanks). Header cells are first padded to the widest cell in bytes, as
    `printTable` does, which only matters for non-ASCII text.
    """
    head = list(header)
    cells = [list(row) for row in rows]
    raw_widths = [len(cell.encode()) for cell in head]
    for row in cells:
        raw_widths = [max(w, len(cell.encode())) for w, cell in zip(raw_widths, row, strict=True)]
    body = [[_escape_cell(cell) for cell in row] for row in cells]
    last = len(head) - 1
    head = [cell if i == last else cell.ljust(raw_widths[i]) for i, cell in enumerate(head)]
    lines = [head, *body]
    widths = [_TAB_MIN_WIDTH] * last
    for line in lines:
        for i in range(last):
            widths[i] = max(widths[i], len(line[i]) + _TAB_PADDING)
    out = []
    for line in lines:
        padded = [line[i].ljust(widths[i]) for i in range(last)]
        out.append("".join([*padded, line[last]]) + "\n")
    return "".join(out)


def pod_table(
    rows: Iterable[PodRow],
    *,
    wide: bool = False,
    show_namespace: bool = False,
    show_labels: bool = False,
) -> str:
    """`kubectl get pods` output: header and one line per row; empty text for no rows.

    `show_namespace` adds the leading NAMESPACE column (`-A`); `show_labels` the trailing
    LABELS column (`--show-labels`); `wide` the priority-1 columns (`-o wide`).
    """
    rows = list(rows)
    if not rows:
        return ""
    header = [c.name.upper() for c in POD_COLUMNS if wide or c.priority == 0]
    body = [list(row.cells(wide=wide)) for row in rows]
    if show_namespace:
        header.insert(0, "NAMESPACE")
        for row, cells in zip(rows, body, strict=True):
            cells.insert(0, row.namespace)
    if show_labels:
        header.append("LABELS")
        for row, cells in zip(rows, body, strict=True):
            cells.append(row.labels)
    return tabulate(header, body)


def no_resources_found(namespace: str | None) -> str:
    """What kubectl writes to stderr (plus a newline) when nothing matched.

    `namespace` None means all namespaces (`-A`).
    """
    if namespace is None:
        return "No resources found"
    return f"No resources found in {namespace} namespace."


# --- -o json ---------------------------------------------------------------------------------


def _plain(obj: Any) -> Any:
    return wire.to_wire(obj) if isinstance(obj, wire.Wire) else obj


def _go_float_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of a finite non-zero float and its decimal exponent.

    Returns (`d1d2...dn`, e) for the value 0.d1d2...dn x 10**e, as Go's `strconv` computes.
    """
    parts = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in parts.digits)
    exponent = parts.exponent
    assert isinstance(exponent, int)
    return digits, len(digits) + exponent


def _go_exponent_format(negative: bool, digits: str, point: int, *, min_exp_digits: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1
    sign = "-" if exp < 0 else "+"
    return f"{'-' if negative else ''}{mantissa}e{sign}{abs(exp):0{min_exp_digits}d}"


def _go_fixed_format(negative: bool, digits: str, point: int) -> str:
    if point <= 0:
        text = "0." + "0" * -point + digits
    elif point >= len(digits):
        text = digits + "0" * (point - len(digits))
    else:
        text = digits[:point] + "." + digits[point:]
    return ("-" if negative else "") + text


def go_json_float(value: float) -> str:
    """A float64 as Go's `encoding/json` writes it (`1.5`, `100`, `1e+21`, `1e-7`)."""
    if not math.isfinite(value):
        raise ValueError(f"json: unsupported value: {value!r}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, point = _go_float_digits(value)
    negative = value < 0
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        return _go_exponent_format(negative, digits, point, min_exp_digits=1)
    return _go_fixed_format(negative, digits, point)


def go_yaml_float(value: float) -> str:
    """A float64 as go-yaml v2 writes it: `strconv.FormatFloat(f, 'g', -1, 64)`, `.inf`, `.nan`."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits, point = _go_float_digits(value)
    negative = value < 0
    if not -4 <= point - 1 < 6:  # shortest 'g' switches to %e outside [1e-4, 1e6)
        return _go_exponent_format(negative, digits, point, min_exp_digits=2)
    return _go_fixed_format(negative, digits, point)


_JSON_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_JSON_HTML_CHARS = re.compile("[<>&\u2028\u2029]")


def _json_string(text: str) -> str:
    """A JSON string as Go writes it: HTML-safe (`\\u003c`), U+2028/2029 escaped."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _JSON_HTML_CHARS.sub(
        lambda m: _JSON_HTML_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), encoded
    )


def _json_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, str):
        return _json_string(value)
    raise TypeError(f"json: unsupported type: {type(value).__name__}")


def _json_write(value: Any, depth: int, out: list[str]) -> None:
    """`json.MarshalIndent(v, "", "    ")` of decoded JSON: map keys sorted byte-wise."""
    if isinstance(value, Mapping):
        items = sorted(value.items())
        if not items:
            out.append("{}")
            return
        inner = "    " * (depth + 1)
        out.append("{\n")
        for index, (key, item) in enumerate(items):
            out.append(f"{inner}{_json_string(key)}: ")
            _json_write(item, depth + 1, out)
            out.append(",\n" if index < len(items) - 1 else "\n")
        out.append("    " * depth + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = "    " * (depth + 1)
        out.append("[\n")
        for index, item in enumerate(value):
            out.append(inner)
            _json_write(item, depth + 1, out)
            out.append(",\n" if index < len(value) - 1 else "\n")
        out.append("    " * depth + "]")
    else:
        out.append(_json_scalar(value))


def to_kubectl_json(obj: Any) -> str:
    """`kubectl get -o json` of a wire object (or model object): sorted keys, 4 spaces, `\\n`."""
    out: list[str] = []
    _json_write(_plain(obj), 0, out)
    out.append("\n")
    return "".join(out)


def kubectl_list(items: Iterable[Any], *, resource_version: str = "") -> dict[str, Any]:
    """The `v1` List kubectl prints for `get -o json|yaml` of several objects."""
    return {
        "apiVersion": "v1",
        "items": [_plain(item) for item in items],
        "kind": "List",
        "metadata": {"resourceVersion": resource_version},
    }


# --- -o yaml ---------------------------------------------------------------------------------


def _go_key_less(a: str, b: str) -> bool:
    """go-yaml v2's map key order (`sorter.go`): digit runs compare as numbers.

    At the first differing rune two letters compare by code point; a letter and a non-letter
    put the non-letter first (the letter first when the previous rune was a digit); other
    runes compare as numbers formed by the digit runs starting there.
    """
    digits = False
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            digits = ca.isdecimal()
            continue
        a_letter, b_letter = ca.isalpha(), cb.isalpha()
        if a_letter and b_letter:
            return ca < cb
        if a_letter or b_letter:
            return a_letter if digits else b_letter
        return _go_number_less(a, b, i)
    return len(a) < len(b)


def _go_number_less(a: str, b: str, i: int) -> bool:
    an = bn = 0
    if a[i] == "0" or b[i] == "0":
        j = i - 1
        while j >= 0 and a[j].isdecimal():
            if a[j] != "0":
                an = bn = 1
                break
            j -= 1
    ai = i
    while ai < len(a) and a[ai].isdecimal():
        an = an * 10 + ord(a[ai]) - ord("0")
        ai += 1
    bi = i
    while bi < len(b) and b[bi].isdecimal():
        bn = bn * 10 + ord(b[bi]) - ord("0")
        bi += 1
    if an != bn:
        return an < bn
    if ai != bi:
        return ai < bi
    return a[i] < b[i]


def _go_key_compare(a: str, b: str) -> int:
    if _go_key_less(a, b):
        return -1
    if _go_key_less(b, a):
        return 1
    return 0


_go_key_sort = functools.cmp_to_key(_go_key_compare)

_YAML_RESOLVE_MAP = frozenset(
    {
        *("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"),
        *("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"),
        *("", "~", "null", "Null", "NULL"),
        *(".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"),
        *("-.inf", "-.Inf", "-.INF", "<<"),
    }
)
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_BASE60_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_CLOCK = r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?"
_TIMESTAMPS = (
    re.compile(_DATE + "[Tt]" + _CLOCK + r"(?:Z|[-+][0-9]{2}:[0-9]{2})"),
    re.compile(_DATE + " " + _CLOCK),
    re.compile(_DATE),
)
_INT64 = range(-(2**63), 2**63)
_UINT64 = range(2**64)


def _go_parses_int(text: str) -> bool:
    """`strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds."""
    match = _GO_INT.fullmatch(text)
    if match is None:
        return False
    sign, body = match.groups()
    prefix = body[:2].lower()
    base = {"0x": 16, "0o": 8, "0b": 2}.get(prefix)
    if base is not None:
        number = int(body[2:], base)
    else:
        number = int(body, 8) if body.startswith("0") else int(body)
    if sign == "-":
        return -number in _INT64
    return number in _INT64 or (not sign and number in _UINT64)


def _go_parses_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _go_parses_timestamp(text: str) -> bool:
    """go-yaml's `parseTimestamp` (YYYY-M-D dates, with `T`/space times) accepts it."""
    if not (len(text) > 4 and text[:4].isascii() and text[:4].isdigit() and text[4] == "-"):
        return False
    for pattern in _TIMESTAMPS:
        match = pattern.fullmatch(text)
        if match is not None:
            return _valid_date_time(match.groups())
    return False


def _valid_date_time(fields: tuple[str, ...]) -> bool:
    year, month, day = (int(f) for f in fields[:3])
    if not 1 <= month <= 12:
        return False
    try:
        datetime.date(year if year > 0 else 4, month, day)
    except ValueError:
        return False
    if len(fields) > 3:
        hour, minute, second = (int(f) for f in fields[3:6])
        return hour < 24 and minute < 60 and second < 60
    return True


def _resolves_to_non_string(text: str) -> bool:
    """go-yaml v2's `resolve("", s)` gives something else than `!!str` for the plain scalar."""
    if text in _YAML_RESOLVE_MAP:
        return True
    hint = text[:1]
    if hint == ".":
        return _GO_DOT_FLOAT.fullmatch(text) is not None and _go_parses_float(text)
    if hint in ("+", "-") or (hint.isdecimal() and hint.isascii()):
        if _go_parses_timestamp(text):
            return True
        plain = text.replace("_", "")
        if _go_parses_int(plain):
            return True
        return _YAML_STYLE_FLOAT.fullmatch(plain) is not None and _go_parses_float(plain)
    return False


def _needs_double_quotes(text: str) -> bool:
    """go-yaml's `stringv`: quote strings a YAML reader would take for another type."""
    if _resolves_to_non_string(text):
        return True
    first = text[:1]
    return (
        (first in ("+", "-") or (first.isdecimal() and first.isascii()))
        and ":" in text
        and _BASE60_FLOAT.fullmatch(text) is not None
    )


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _yaml_number(value: int | float) -> str:
    """A number after the JSON round trip: go-yaml reads integral JSON text (within 64 bits)
    back as an int, anything else as a float64."""
    text = str(value) if isinstance(value, int) else go_json_float(value)
    if _go_parses_int(text):
        return str(int(text))
    return go_yaml_float(float(text))


def _yaml_scalar(value: Any) -> yaml.ScalarNode:
    if value is None:
        return yaml.ScalarNode(_STR_TAG, "null")
    if isinstance(value, bool):
        return yaml.ScalarNode(_STR_TAG, "true" if value else "false")
    if isinstance(value, int | float):
        return yaml.ScalarNode(_STR_TAG, _yaml_number(value))
    if isinstance(value, str):
        if "\n" in value:
            return yaml.ScalarNode(_STR_TAG, value, style="|")
        return yaml.ScalarNode(_STR_TAG, value, style='"' if _needs_double_quotes(value) else None)
    raise TypeError(f"yaml: unsupported type: {type(value).__name__}")


def _yaml_node(value: Any) -> yaml.Node:
    if isinstance(value, Mapping):
        keys = sorted(value, key=_go_key_sort)
        pairs = [(_yaml_scalar(key), _yaml_node(value[key])) for key in keys]
        return yaml.MappingNode(_MAP_TAG, pairs, flow_style=False)
    if isinstance(value, list | tuple):
        return yaml.SequenceNode(_SEQ_TAG, [_yaml_node(item) for item in value], flow_style=False)
    return _yaml_scalar(value)


# libyaml's emitter when PyYAML has it: go-yaml v2's emitter is a port of it.
_GoYamlDumper: type = type(
    "_GoYamlDumper",
    (getattr(yaml, "CDumper", yaml.Dumper),),
    # Every scalar resolves to `!!str`, so no tag is ever written: quoting is decided above.
    {"yaml_implicit_resolvers": {}},
)


def to_kubectl_yaml(obj: Any) -> str:
    """`kubectl get -o yaml` of a wire object (or model object).

    Keys in go-yaml order, 2-space block style with `- ` items at their key's indentation,
    strings double-quoted where go-yaml would read them back as another type (`"1"`,
    `"true"`, `"0644"`, timestamps), multi-line strings as `|` blocks, lines folded at 80.
    """
    node = _yaml_node(_plain(obj))
    text = yaml.serialize(node, Dumper=_GoYamlDumper, allow_unicode=True, width=80, indent=2)
    assert isinstance(text, str)
    # go-yaml clears libyaml's "open ended" flag before the stream end: never a `...` line.
    return text.removesuffix("...\n")
