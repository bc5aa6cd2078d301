"""`kubectl describe pod` as a pure function: a pod, its events and the time in, the text out.

A port of kubectl's pod describer (`staging/src/k8s.io/kubectl/pkg/describe/describe.go`:
`describePod`, `describeContainers`, `describeStatus`, `describeVolumes`, `DescribeEvents`,
`printLabelsMultiline`, `printAnnotationsMultiline`, `printPodTolerationsMultiline`): the same
lines in the same order, `<none>` where kubectl prints it, laid out by a port of Go's
`text/tabwriter` with kubectl's settings (min width 0, padding 2, spaces; a flush before the
events table). Times are RFC1123Z in the zone the caller gives (kubectl uses the local zone);
ages are `HumanDuration`s from `now`. Events sort by last timestamp, stably (Go's sort is an
insertion sort, hence stable, for the up to 12 events a pod usually has).

Neighbours: `api.pod`, `api.status`, `api.objects` (the model), `api.printers` (durations),
`api.resources` (QoS class); `cli.client_describe` fetches the pod and its events.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from tinykube.api import printers, resources
from tinykube.api.objects import Event
from tinykube.api.pod import Container, EnvVar, Pod, Probe, Volume
from tinykube.api.quantity import Quantity
from tinykube.api.status import ContainerState, ContainerStatus

LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
_SKIP_ANNOTATIONS: Final = frozenset({LAST_APPLIED})
_MAX_ANNOTATION_LEN: Final = 140
_ESCAPES: Final = {"\x1b": "^[", "\r": "\\r"}
_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


# --- Go's text/tabwriter ---------------------------------------------------------------------


def tabwrite(text: str, *, minwidth: int = 0, padding: int = 2) -> str:
    """`text/tabwriter` with padchar ' ' and no flags: tab-terminated cells of consecutive lines
    form column blocks padded to their widest cell; a line's last cell is never padded."""
    lines = text.split("\n")
    trailing = lines.pop()  # text after the last newline (kept as is, unaligned)
    cells = [line.split("\t") for line in lines]
    out: list[str] = []
    _format(cells, 0, len(cells), [], out, minwidth=minwidth, padding=padding)
    return "".join(out) + trailing


def _format(
    lines: list[list[str]],
    line0: int,
    line1: int,
    widths: list[int],
    out: list[str],
    *,
    minwidth: int,
    padding: int,
) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        _write_lines(lines, line0, this, widths, out)
        line0 = this
        width = minwidth
        while this < line1 and column < len(lines[this]) - 1:
            width = max(width, len(lines[this][column]) + padding)
            this += 1
        _format(lines, line0, this, [*widths, width], out, minwidth=minwidth, padding=padding)
        line0 = this
    _write_lines(lines, line0, line1, widths, out)


def _write_lines(
    lines: list[list[str]], line0: int, line1: int, widths: list[int], out: list[str]
) -> None:
    for line in lines[line0:line1]:
        for j, cell in enumerate(line):
            if j < len(widths):
                out.append(cell.ljust(widths[j]))
            else:
                out.append(cell)
        out.append("\n")


class _PrefixWriter:
    """kubectl's `PrefixWriter` over a tabwriter: two spaces per level, terminal escapes shown."""

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._done: list[str] = []

    def write(self, level: int, text: str) -> None:
        escaped = "".join(_ESCAPES.get(ch, ch) for ch in "  " * level + text)
        self._pending.append(escaped)

    def flush(self) -> None:
        self._done.append(tabwrite("".join(self._pending)))
        self._pending = []

    def text(self) -> str:
        self.flush()
        return "".join(self._done)


# --- small formatters ------------------------------------------------------------------------


def format_time(moment: datetime.datetime | None, tz: datetime.tzinfo) -> str:
    """Go's `time.RFC1123Z` (`Mon, 02 Jan 2006 15:04:05 -0700`) in zone `tz`; Go's zero time
    (`Mon, 01 Jan 0001 00:00:00 +0000`) for an unset one."""
    if moment is None:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    local = moment.astimezone(tz)
    offset = local.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return (
        f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} {local.year:04d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} "
        f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    )


def _since(moment: datetime.datetime | None, now: datetime.datetime) -> str:
    if moment is None:
        return "<unknown>"
    return printers.human_duration(now - moment)


def _bool(value: bool) -> str:
    return "True" if value else "False"


def _or_none(text: str) -> str:
    return text or "<none>"


def _go_list(items: Iterable[str]) -> str:
    """Go's `%v` of a []string: `[a b c]`."""
    return "[" + " ".join(items) + "]"


def _labels(w: _PrefixWriter, title: str, labels: Mapping[str, str]) -> None:
    w.write(0, f"{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for index, key in enumerate(sorted(labels)):
        if index:
            w.write(0, "\t")
        w.write(0, f"{key}={labels[key]}\n")


def _annotations(w: _PrefixWriter, title: str, annotations: Mapping[str, str]) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(key for key in annotations if key not in _SKIP_ANNOTATIONS)
    if not keys:
        w.write(0, "<none>\n")
        return
    for index, key in enumerate(keys):
        if index:
            w.write(0, "\t")
        value = annotations[key].removesuffix("\n")
        if len(value) + len(key) + 2 > _MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            limit = _MAX_ANNOTATION_LEN - 2
            for part in value.split("\n"):
                shown = part[:limit] + "..." if len(part) > limit else part
                w.write(0, f"\t  {shown}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _tolerations(w: _PrefixWriter, title: str, tolerations: Sequence[Mapping[str, Any]]) -> None:
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.write(0, "<none>\n")
        return
    ordered = sorted(tolerations, key=lambda t: str(t.get("key") or ""))
    for index, toleration in enumerate(ordered):
        if index:
            w.write(0, "\t")
        key = str(toleration.get("key") or "")
        value = str(toleration.get("value") or "")
        effect = str(toleration.get("effect") or "")
        text = key
        if value:
            text += f"={value}"
        if effect:
            text += f":{effect}"
        if toleration.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        seconds = toleration.get("tolerationSeconds")
        if seconds is not None:
            text += f" for {seconds}s"
        w.write(0, text + "\n")


# --- containers ------------------------------------------------------------------------------


def _ports(container: Container, *, host: bool) -> str:
    return ", ".join(
        f"{port.host_port if host else port.container_port}/{port.protocol}"
        for port in container.ports
    )


def _port_line(w: _PrefixWriter, singular: str, plural: str, text: str) -> None:
    if "," in text:
        w.write(2, f"{plural}:\t{text}\n")
    else:
        w.write(2, f"{singular}:\t{_or_none(text)}\n")


def _basic_info(w: _PrefixWriter, container: Container, status: ContainerStatus | None) -> None:
    w.write(1, f"{container.name}:\n")
    if status is not None:
        w.write(2, f"Container ID:\t{status.container_id}\n")
    w.write(2, f"Image:\t{container.image}\n")
    if status is not None:
        w.write(2, f"Image ID:\t{status.image_id}\n")
    _port_line(w, "Port", "Ports", _ports(container, host=False))
    _port_line(w, "Host Port", "Host Ports", _ports(container, host=True))
    security = container.security_context
    if security is not None and security.seccomp_profile is not None:
        profile = security.seccomp_profile
        w.write(2, f"SeccompProfile:\t{profile.type}\n")
        if profile.type == "Localhost":
            w.write(3, f"LocalhostProfile:\t{profile.localhost_profile or ''}\n")


def _command(w: _PrefixWriter, container: Container) -> None:
    for title, values in (("Command", container.command), ("Args", container.args)):
        if values:
            w.write(2, f"{title}:\n")
            for value in values:
                for part in value.split("\n"):
                    w.write(3, f"{part}\n")


def _state(w: _PrefixWriter, title: str, state: ContainerState, tz: datetime.tzinfo) -> None:
    if state.running is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{format_time(state.running.started_at, tz)}\n")
    elif state.waiting is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state.waiting.reason:
            w.write(3, f"Reason:\t{state.waiting.reason}\n")
    elif state.terminated is not None:
        terminated = state.terminated
        w.write(2, f"{title}:\tTerminated\n")
        if terminated.reason:
            w.write(3, f"Reason:\t{terminated.reason}\n")
        if terminated.message:
            w.write(3, f"Message:\t{terminated.message}\n")
        w.write(3, f"Exit Code:\t{terminated.exit_code}\n")
        if terminated.signal > 0:
            w.write(3, f"Signal:\t{terminated.signal}\n")
        w.write(3, f"Started:\t{format_time(terminated.started_at, tz)}\n")
        w.write(3, f"Finished:\t{format_time(terminated.finished_at, tz)}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _resources(w: _PrefixWriter, level: int, requirements: Any) -> None:
    for title, values in (("Limits", requirements.limits), ("Requests", requirements.requests)):
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def _int_or_string(value: int | str) -> str:
    return str(value)


def describe_probe(probe: Probe) -> str:
    """`DescribeProbe`: the action and its timing, as `describe` prints a probe."""
    attrs = (
        f"delay={probe.initial_delay_seconds}s timeout={probe.timeout_seconds}s "
        f"period={probe.period_seconds}s #success={probe.success_threshold} "
        f"#failure={probe.failure_threshold}"
    )
    if probe.exec is not None:
        return f"exec {_go_list(probe.exec.command)} {attrs}"
    if probe.http_get is not None:
        action = probe.http_get
        port = _int_or_string(action.port)
        host = action.host
        if port:
            host = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        scheme = action.scheme.lower()
        url = f"{scheme}://{host}{action.path}" if scheme else f"//{host}{action.path}"
        return f"http-get {url} {attrs}"
    if probe.tcp_socket is not None:
        action_tcp = probe.tcp_socket
        return f"tcp-socket {action_tcp.host}:{_int_or_string(action_tcp.port)} {attrs}"
    if probe.grpc is not None:
        return f"grpc <pod>:{probe.grpc.port} {probe.grpc.service or ''} {attrs}"
    return f"unknown {attrs}"


def _probes(w: _PrefixWriter, container: Container) -> None:
    for title, probe in (
        ("Liveness", container.liveness_probe),
        ("Readiness", container.readiness_probe),
        ("Startup", container.startup_probe),
    ):
        if probe is not None:
            w.write(2, f"{title}:\t{describe_probe(probe)}\n")


def _env_from(w: _PrefixWriter, container: Container) -> None:
    w.write(2, "Environment Variables from:\n")
    for source in container.env_from:
        name, kind, optional = "", "", False
        if source.config_map_ref is not None:
            name, kind = source.config_map_ref.name, "ConfigMap"
            optional = bool(source.config_map_ref.optional)
        elif source.secret_ref is not None:
            name, kind = source.secret_ref.name, "Secret"
            optional = bool(source.secret_ref.optional)
        optional_text = "true" if optional else "false"
        if source.prefix:
            w.write(3, f"{name}\t{kind} with prefix '{source.prefix}'\tOptional: {optional_text}\n")
        else:
            w.write(3, f"{name}\t{kind}\tOptional: {optional_text}\n")


_LABEL_PATH: Final = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


def _field_value(pod: Pod, path: str) -> str:
    """`fieldpath.ExtractFieldPathAsString` for the paths a pod's env may reference."""
    meta = pod.metadata
    simple = {
        "metadata.name": meta.name,
        "metadata.namespace": meta.namespace,
        "metadata.uid": meta.uid,
        "spec.nodeName": pod.spec.node_name,
        "spec.serviceAccountName": pod.spec.service_account_name,
        "status.hostIP": pod.status.host_ip,
        "status.hostIPs": ",".join(ip.ip for ip in pod.status.host_ips),
        "status.podIP": pod.status.pod_ip,
        "status.podIPs": ",".join(ip.ip for ip in pod.status.pod_ips),
    }
    if path in simple:
        return simple[path]
    if path in ("metadata.labels", "metadata.annotations"):
        mapping = meta.labels if path == "metadata.labels" else meta.annotations
        return "\n".join(f'{key}="{mapping[key]}"' for key in sorted(mapping))
    match = _LABEL_PATH.match(path)
    if match is not None:
        mapping = meta.labels if match.group(1) == "labels" else meta.annotations
        return mapping.get(match.group(2), "")
    return ""


def _quantity_ratio(value: Quantity, divisor: Quantity) -> str:
    """`ceil(value / divisor)` computed exactly on the decimal forms."""
    value_coef, value_exp = value.as_decimal()
    divisor_coef, divisor_exp = divisor.as_decimal()
    if divisor_coef == 0:
        return ""
    shift = value_exp - divisor_exp
    numerator = value_coef * 10 ** max(shift, 0)
    denominator = divisor_coef * 10 ** max(-shift, 0)
    return str(-(-numerator // denominator))


def _resource_value(container: Container, resource: str, divisor: Quantity | None) -> str:
    """`ExtractContainerResourceValue`: a request or limit over the divisor (default 1),
    rounded up; `0` when the container does not set it."""
    kind, _, name = resource.partition(".")
    if kind not in ("limits", "requests"):
        return ""
    values = container.resources.limits if kind == "limits" else container.resources.requests
    value = values.get(name)
    if value is None:
        return "0"
    if divisor is None or divisor.is_zero():
        divisor = Quantity.of(1)
    return _quantity_ratio(value, divisor)


def _env(w: _PrefixWriter, pod: Pod, container: Container) -> None:
    if not container.env:
        w.write(2, "Environment:\t<none>\n")
        return
    w.write(2, "Environment:\n")
    for env in container.env:
        _env_line(w, pod, container, env)


def _optional(value: bool | None) -> str:
    return "true" if value else "false"


def _env_line(w: _PrefixWriter, pod: Pod, container: Container, env: EnvVar) -> None:
    source = env.value_from
    if source is None:
        for index, part in enumerate(env.value.split("\n")):
            w.write(3, f"{env.name}:\t{part}\n" if index == 0 else f"\t{part}\n")
        return
    if source.field_ref is not None:
        ref = source.field_ref
        value = _field_value(pod, ref.field_path)
        w.write(3, f"{env.name}:\t{value} ({ref.api_version}:{ref.field_path})\n")
    elif source.resource_field_ref is not None:
        resource_ref = source.resource_field_ref
        target = container
        if resource_ref.container_name:
            target = next(
                (
                    c
                    for c in (*pod.spec.init_containers, *pod.spec.containers)
                    if c.name == resource_ref.container_name
                ),
                container,
            )
        value = _resource_value(target, resource_ref.resource, resource_ref.divisor)
        if value == "0" and resource_ref.resource in ("limits.cpu", "limits.memory"):
            value = "node allocatable"
        w.write(3, f"{env.name}:\t{value} ({resource_ref.resource})\n")
    elif source.secret_key_ref is not None:
        secret = source.secret_key_ref
        w.write(
            3,
            f"{env.name}:\t<set to the key '{secret.key}' in secret '{secret.name}'>\t"
            f"Optional: {_optional(secret.optional)}\n",
        )
    elif source.config_map_key_ref is not None:
        config_map = source.config_map_key_ref
        w.write(
            3,
            f"{env.name}:\t<set to the key '{config_map.key}' of config map "
            f"'{config_map.name}'>\tOptional: {_optional(config_map.optional)}\n",
        )


def _mounts(w: _PrefixWriter, container: Container) -> None:
    w.write(2, "Mounts:\t<none>\n" if not container.volume_mounts else "Mounts:\n")
    for mount in sorted(container.volume_mounts, key=lambda m: m.mount_path):
        flags = ["ro" if mount.read_only else "rw"]
        if mount.sub_path:
            flags.append(f'path="{mount.sub_path}"')
        w.write(3, f"{mount.mount_path} from {mount.name} ({','.join(flags)})\n")
    if container.volume_devices:
        w.write(2, "Devices:\n")
        for device in sorted(container.volume_devices, key=lambda d: d.device_path):
            w.write(3, f"{device.device_path} from {device.name}\n")


def _containers(
    w: _PrefixWriter,
    label: str,
    pod: Pod,
    containers: Sequence[Container],
    statuses: Sequence[ContainerStatus],
    tz: datetime.tzinfo,
) -> None:
    by_name = {status.name: status for status in statuses}
    w.write(0, f"{label}:{'' if containers else ' <none>'}\n")
    for container in containers:
        status = by_name.get(container.name)
        _basic_info(w, container, status)
        _command(w, container)
        if status is not None:
            _state(w, "State", status.state, tz)
            if status.last_state.terminated is not None:
                _state(w, "Last State", status.last_state, tz)
            w.write(2, f"Ready:\t{_bool(status.ready)}\n")
            w.write(2, f"Restart Count:\t{status.restart_count}\n")
        _resources(w, 2, container.resources)
        _probes(w, container)
        if container.env_from:
            _env_from(w, container)
        _env(w, pod, container)
        _mounts(w, container)


# --- volumes ---------------------------------------------------------------------------------


def _volume(w: _PrefixWriter, volume: Volume) -> None:
    if volume.host_path is not None:
        host_path_type = volume.host_path.type
        w.write(
            2,
            "Type:\tHostPath (bare host directory volume)\n"
            f"    Path:\t{volume.host_path.path}\n"
            f"    HostPathType:\t{host_path_type if host_path_type is not None else '<none>'}\n",
        )
    elif volume.empty_dir is not None:
        limit = volume.empty_dir.size_limit
        size = str(limit) if limit is not None and limit.sign() > 0 else "<unset>"
        w.write(
            2,
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
            f"    Medium:\t{volume.empty_dir.medium}\n"
            f"    SizeLimit:\t{size}\n",
        )
    elif volume.secret is not None:
        w.write(
            2,
            "Type:\tSecret (a volume populated by a Secret)\n"
            f"    SecretName:\t{volume.secret.secret_name}\n"
            f"    Optional:\t{_optional(volume.secret.optional)}\n",
        )
    elif volume.config_map is not None:
        w.write(
            2,
            "Type:\tConfigMap (a volume populated by a ConfigMap)\n"
            f"    Name:\t{volume.config_map.name}\n"
            f"    Optional:\t{_optional(volume.config_map.optional)}\n",
        )
    elif volume.persistent_volume_claim is not None:
        claim = volume.persistent_volume_claim
        w.write(
            2,
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
            "namespace)\n"
            f"    ClaimName:\t{claim.claim_name}\n"
            f"    ReadOnly:\t{_optional(claim.read_only)}\n",
        )
    elif volume.downward_api is not None:
        w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n")
        w.write(2, "Items:\n")
        for item in volume.downward_api.items:
            if item.field_ref is not None:
                w.write(3, f"{item.field_ref.field_path} -> {item.path}\n")
            if item.resource_field_ref is not None:
                w.write(3, f"{item.resource_field_ref.resource} -> {item.path}\n")
    elif volume.projected is not None:
        _projected(w, volume)
    else:
        w.write(1, "<unknown>\n")


def _projected(w: _PrefixWriter, volume: Volume) -> None:
    assert volume.projected is not None
    w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
    for source in volume.projected.sources:
        if source.secret is not None:
            w.write(
                2,
                f"SecretName:\t{source.secret.name}\n"
                f"    Optional:\t{_optional(source.secret.optional)}\n",
            )
        elif source.downward_api is not None:
            w.write(2, "DownwardAPI:\ttrue\n")
        elif source.config_map is not None:
            w.write(
                2,
                f"ConfigMapName:\t{source.config_map.name}\n"
                f"    Optional:\t{_optional(source.config_map.optional)}\n",
            )
        elif source.service_account_token is not None:
            seconds = source.service_account_token.expiration_seconds
            w.write(2, f"TokenExpirationSeconds:\t{seconds if seconds is not None else 0}\n")


def _volumes(w: _PrefixWriter, volumes: Sequence[Volume]) -> None:
    if not volumes:
        w.write(0, "Volumes:\t<none>\n")
        return
    w.write(0, "Volumes:\n")
    for volume in volumes:
        w.write(1, f"{volume.name}:\n")
        _volume(w, volume)


# --- events ----------------------------------------------------------------------------------


def event_age(event: Event, now: datetime.datetime) -> str:
    """The Age cell of an event: `5s`, or `10s (x3 over 2m)` for a repeated one."""
    first = _since(event.event_time, now)
    if event.event_time is None:
        first = _since(event.first_timestamp, now)
    if event.series is not None:
        return (
            f"{_since(event.series.last_observed_time, now)} (x{event.series.count} over {first})"
        )
    if event.count > 1:
        return f"{_since(event.last_timestamp, now)} (x{event.count} over {first})"
    return first


def _last_timestamp_key(event: Event) -> datetime.datetime:
    moment = event.last_timestamp
    if moment is None:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _events(w: _PrefixWriter, events: Sequence[Event], now: datetime.datetime) -> None:
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for event in sorted(events, key=_last_timestamp_key):
        source = event.source.component or event.reporting_component
        w.write(
            1,
            f"{event.type}\t{event.reason}\t{event_age(event, now)}\t{source}\t"
            f"{event.message.strip()}\n",
        )


# --- the pod ---------------------------------------------------------------------------------


def describe_pod(
    pod: Pod,
    events: Sequence[Event] | None,
    *,
    now: datetime.datetime,
    tz: datetime.tzinfo = datetime.UTC,
) -> str:
    """`kubectl describe pod` of `pod`; `events` None leaves the Events section out
    (`--show-events=false`)."""
    w = _PrefixWriter()
    meta, spec, status = pod.metadata, pod.spec, pod.status
    w.write(0, f"Name:\t{meta.name}\n")
    w.write(0, f"Namespace:\t{meta.namespace}\n")
    if spec.priority is not None:
        w.write(0, f"Priority:\t{spec.priority}\n")
    if spec.priority_class_name:
        w.write(0, f"Priority Class Name:\t{spec.priority_class_name}\n")
    if spec.runtime_class_name:
        w.write(0, f"Runtime Class Name:\t{spec.runtime_class_name}\n")
    if spec.service_account_name:
        w.write(0, f"Service Account:\t{spec.service_account_name}\n")
    if spec.node_name:
        w.write(0, f"Node:\t{spec.node_name}/{status.host_ip}\n")
    else:
        w.write(0, "Node:\t<none>\n")
    if status.start_time is not None:
        w.write(0, f"Start Time:\t{format_time(status.start_time, tz)}\n")
    _labels(w, "Labels", meta.labels)
    _annotations(w, "Annotations", meta.annotations)
    if meta.deletion_timestamp is not None and status.phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {_since(meta.deletion_timestamp, now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.deletion_grace_period_seconds or 0}s\n")
    else:
        w.write(0, f"Status:\t{status.phase}\n")
    if status.reason:
        w.write(0, f"Reason:\t{status.reason}\n")
    if status.message:
        w.write(0, f"Message:\t{status.message}\n")
    security = spec.security_context
    if security is not None and security.seccomp_profile is not None:
        w.write(0, f"SeccompProfile:\t{security.seccomp_profile.type}\n")
        if security.seccomp_profile.type == "Localhost":
            w.write(0, f"LocalhostProfile:\t{security.seccomp_profile.localhost_profile or ''}\n")
    w.write(0, f"IP:\t{status.pod_ip}\n")
    if status.pod_ips:
        w.write(0, "IPs:\n")
        for ip in status.pod_ips:
            w.write(1, f"IP:\t{ip.ip}\n")
    else:
        w.write(0, "IPs:\t<none>\n")
    controller = next((ref for ref in meta.owner_references if ref.controller), None)
    if controller is not None:
        w.write(0, f"Controlled By:\t{controller.kind}/{controller.name}\n")
    if status.nominated_node_name:
        w.write(0, f"NominatedNodeName:\t{status.nominated_node_name}\n")
    if spec.resources is not None:
        w.write(0, "Resources:\n")
        _resources(w, 1, spec.resources)
    if spec.init_containers:
        _containers(
            w, "Init Containers", pod, spec.init_containers, status.init_container_statuses, tz
        )
    _containers(w, "Containers", pod, spec.containers, status.container_statuses, tz)
    if spec.ephemeral_containers:
        _containers(
            w,
            "Ephemeral Containers",
            pod,
            spec.ephemeral_containers,
            status.ephemeral_container_statuses,
            tz,
        )
    if spec.readiness_gates:
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in spec.readiness_gates:
            found = next((c for c in status.conditions if c.type == gate.condition_type), None)
            w.write(1, f"{gate.condition_type} \t{found.status if found else '<none>'} \n")
    if status.conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for condition in status.conditions:
            w.write(1, f"{condition.type} \t{condition.status} \n")
    _volumes(w, spec.volumes)
    w.write(0, f"QoS Class:\t{status.qos_class or resources.qos_class(spec)}\n")
    _labels(w, "Node-Selectors", spec.node_selector)
    _tolerations(w, "Tolerations", spec.tolerations)
    if events is not None:
        _events(w, events, now)
    return w.text()
