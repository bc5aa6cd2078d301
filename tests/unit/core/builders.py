"""Builders for the core table tests: pods as the apiserver stores them, runtime snapshots.

Pods are built from wire dicts (`from_wire`) and defaulted (`apply_pod_defaults`), so the core
sees exactly what it sees in production. Snapshot helpers name container instances
`<name>-<attempt>` and stamp them with the spec hash of `IMAGE` unless told otherwise; times are
seconds after `T0`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import hypothesis.strategies as st
import msgspec

from tinykube.api.defaults import apply_pod_defaults
from tinykube.api.pod import Container, Pod
from tinykube.api.wire import from_wire
from tinykube.core import restart
from tinykube.core.actions import KillReason, PodActions, PodKillReason
from tinykube.core.ids import ContainerID, SandboxID
from tinykube.core.observed import (
    AgentState,
    BackoffEntry,
    ContainerSnapshot,
    ContainerState,
    PodSnapshot,
    ProbeOutcome,
    ProbeState,
    SandboxSnapshot,
    SandboxState,
)

T0 = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)
IMAGE = "busybox:1.36"
NEW_IMAGE = "busybox:1.37"
SANDBOX = "sb-0"
SETTINGS = restart.BackoffSettings()
EXEC = {"exec": {"command": ["true"]}}


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


# --- pods ------------------------------------------------------------------------------------


def container(name: str, *, image: str = IMAGE, **fields: Any) -> dict[str, Any]:
    """A container as a wire dict; extra fields in wire (camelCase) spelling."""
    return {"name": name, "image": image, **fields}


def sidecar(name: str, *, image: str = IMAGE, **fields: Any) -> dict[str, Any]:
    return container(name, image=image, restartPolicy="Always", **fields)


def make_pod(
    *,
    containers: Iterable[dict[str, Any] | str] = ("c1",),
    init: Iterable[dict[str, Any] | str] = (),
    restart_policy: str = "Always",
    status: dict[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    **spec: Any,
) -> Pod:
    """A defaulted pod `p` in namespace `ns` with uid `uid`; strings are plain container names."""

    def as_dict(item: dict[str, Any] | str) -> dict[str, Any]:
        return container(item) if isinstance(item, str) else item

    raw: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "uid": "uid", **(metadata or {})},
        "spec": {
            "restartPolicy": restart_policy,
            "initContainers": [as_dict(item) for item in init],
            "containers": [as_dict(item) for item in containers],
            **spec,
        },
    }
    pod = apply_pod_defaults(from_wire(raw, Pod))
    if status is not None:
        pod = msgspec.structs.replace(pod, status=from_wire(status, type(pod.status)))
    return pod


def with_status(pod: Pod, status: Any) -> Pod:
    return msgspec.structs.replace(pod, status=status)


def with_image(pod: Pod, name: str, image: str = NEW_IMAGE) -> Pod:
    """`pod` after an update of container `name`'s image (init or app)."""

    def update(items: tuple[Container, ...]) -> tuple[Container, ...]:
        return tuple(
            msgspec.structs.replace(item, image=image) if item.name == name else item
            for item in items
        )

    spec = msgspec.structs.replace(
        pod.spec,
        init_containers=update(pod.spec.init_containers),
        containers=update(pod.spec.containers),
    )
    return msgspec.structs.replace(pod, spec=spec)


def deleted(pod: Pod, *, grace: int = 30) -> Pod:
    meta = msgspec.structs.replace(
        pod.metadata, deletion_timestamp=at(grace), deletion_grace_period_seconds=grace
    )
    return msgspec.structs.replace(pod, metadata=meta)


# --- snapshots -------------------------------------------------------------------------------


def spec_hash(name: str, image: str = IMAGE) -> str:
    return restart.container_spec_hash(Container(name=name, image=image))


def cid(name: str, attempt: int = 0, sandbox: str = SANDBOX) -> ContainerID:
    suffix = "" if sandbox == SANDBOX else f"@{sandbox}"
    return ContainerID(f"{name}-{attempt}{suffix}")


def instance(
    name: str,
    state: ContainerState,
    *,
    attempt: int = 0,
    sandbox: str = SANDBOX,
    image: str = IMAGE,
    created: float | None = None,
    started: float | None = None,
    finished: float | None = None,
    code: int = 0,
    reason: str = "",
) -> ContainerSnapshot:
    created_at = at(created if created is not None else attempt * 100)
    return ContainerSnapshot(
        id=cid(name, attempt, sandbox),
        name=name,
        attempt=attempt,
        state=state,
        spec_hash=spec_hash(name, image),
        image=image,
        image_id=f"sha256:{image}",
        created_at=created_at,
        sandbox_id=SandboxID(sandbox),
        started_at=None if state is ContainerState.CREATED else at(started or attempt * 100 + 1),
        finished_at=None if finished is None else at(finished),
        exit_code=code,
        reason=reason,
    )


def running(name: str, **kw: Any) -> ContainerSnapshot:
    return instance(name, ContainerState.RUNNING, **kw)


def exited(
    name: str, code: int = 0, *, finished: float | None = None, **kw: Any
) -> ContainerSnapshot:
    attempt = kw.get("attempt", 0)
    if finished is None:
        finished = attempt * 100 + 50
    return instance(name, ContainerState.EXITED, code=code, finished=finished, **kw)


def created(name: str, **kw: Any) -> ContainerSnapshot:
    return instance(name, ContainerState.CREATED, **kw)


def unknown(name: str, **kw: Any) -> ContainerSnapshot:
    return instance(name, ContainerState.UNKNOWN, **kw)


def sandbox(
    id: str = SANDBOX, *, attempt: int = 0, ready: bool = True, created: float = 0
) -> SandboxSnapshot:
    return SandboxSnapshot(
        id=SandboxID(id),
        attempt=attempt,
        state=SandboxState.READY if ready else SandboxState.NOT_READY,
        created_at=at(created),
        ip="10.88.0.5",
    )


def snap(
    *containers: ContainerSnapshot, sandboxes: Iterable[SandboxSnapshot] | None = None
) -> PodSnapshot:
    """A pod snapshot; by default one ready sandbox `sb-0`."""
    boxes = (sandbox(),) if sandboxes is None else tuple(sandboxes)
    return PodSnapshot(sandboxes=boxes, containers=containers)


def replace_in(observed: PodSnapshot, *changed: ContainerSnapshot) -> PodSnapshot:
    """`observed` with the instances of the given names replaced by `changed`."""
    names = {item.name for item in changed}
    kept = tuple(item for item in observed.containers if item.name not in names)
    return msgspec.structs.replace(observed, containers=kept + changed)


def add_to(observed: PodSnapshot, *more: ContainerSnapshot) -> PodSnapshot:
    return msgspec.structs.replace(observed, containers=observed.containers + more)


def without(observed: PodSnapshot, *names: str) -> PodSnapshot:
    kept = tuple(item for item in observed.containers if item.name not in names)
    return msgspec.structs.replace(observed, containers=kept)


# --- agent state -----------------------------------------------------------------------------


def probes(**by_name: ProbeState) -> dict[ContainerID, ProbeState]:
    """Probe results keyed by the attempt-0 instance of each named container."""
    return {cid(name): state for name, state in by_name.items()}


def agent(
    *,
    probe_results: Mapping[ContainerID, ProbeState] | None = None,
    backoff: Mapping[str, BackoffEntry] | None = None,
    **kw: Any,
) -> AgentState:
    return AgentState(probes=dict(probe_results or {}), backoff=dict(backoff or {}), **kw)


OK = ProbeOutcome.SUCCESS
FAIL = ProbeOutcome.FAILURE


# --- expectations ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Expect:
    """The observable shape of `PodActions` (names, reasons and kill messages)."""

    kill_pod: PodKillReason | None = None
    create_sandbox: bool = False
    kill: tuple[tuple[str, KillReason, str], ...] = ()
    start_init: tuple[str, ...] = ()
    start: tuple[str, ...] = ()
    waits: tuple[str, ...] = ()


def observe(actions: PodActions) -> Expect:
    return Expect(
        kill_pod=actions.kill_pod,
        create_sandbox=actions.create_sandbox,
        kill=tuple(sorted((kill.name, kill.reason, kill.message) for kill in actions.kill)),
        start_init=tuple(info.name for info in actions.start_init),
        start=tuple(info.name for info in actions.start),
        waits=tuple(wait.name for wait in actions.waits),
    )


# --- hypothesis ------------------------------------------------------------------------------

STATES = st.sampled_from(["none", "created", "running", "exit0", "exit1", "unknown"])


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Pod, PodSnapshot, AgentState]:
    """A random pod shape (regular inits, sidecars, apps, policy, updated images) with a random
    runtime snapshot (each container absent, created, running, exited 0/1 or unknown, maybe with
    a previous failed instance) and random probe results."""
    inits = draw(st.lists(st.booleans(), max_size=3))  # True: sidecar
    apps = draw(st.integers(min_value=1, max_value=3))
    policy = draw(st.sampled_from(["Always", "OnFailure", "Never"]))
    new_image = draw(st.sets(st.sampled_from(["i0", "i1", "i2", "c0", "c1", "c2"])))
    init_specs = [
        sidecar(f"i{n}") if is_sidecar else {"name": f"i{n}", "image": "busybox:1.36"}
        for n, is_sidecar in enumerate(inits)
    ]
    pod = make_pod(
        init=init_specs, containers=[f"c{n}" for n in range(apps)], restart_policy=policy
    )
    for name in new_image:
        pod = with_image(pod, name)
    instances: list[ContainerSnapshot] = []
    probe_results: dict[ContainerID, ProbeState] = {}
    for name in [f"i{n}" for n in range(len(inits))] + [f"c{n}" for n in range(apps)]:
        kind = draw(STATES)
        attempt = draw(st.integers(min_value=0, max_value=2))
        if kind == "none":
            continue
        state = {
            "created": ContainerState.CREATED,
            "running": ContainerState.RUNNING,
            "unknown": ContainerState.UNKNOWN,
        }.get(kind, ContainerState.EXITED)
        code = 1 if kind == "exit1" else 0
        instances.append(
            instance(
                name,
                state,
                attempt=attempt,
                code=code,
                finished=50 if state is ContainerState.EXITED else None,
            )
        )
        if attempt > 0 and draw(st.booleans()):
            instances.append(exited(name, 1, attempt=attempt - 1))
        outcomes = st.sampled_from([None, OK, FAIL])
        probe_results[cid(name, attempt)] = ProbeState(
            startup=draw(outcomes), liveness=draw(outcomes), readiness=draw(outcomes)
        )
    boxes = draw(st.sampled_from([[], [sandbox()], [sandbox(ready=False)]]))
    return pod, snap(*instances, sandboxes=boxes), agent(probe_results=probe_results)
