"""`generate_pod_status`: the `v1` PodStatus of a pod, from its spec and observed state.

A port of the observable rules of the kubelet's `generateAPIPodStatus`,
`convertToAPIContainerStatuses`, `getPhase`, the prober manager's `UpdatePodStatus` (started,
ready), `pkg/kubelet/status/generate.go` (conditions) and, for the final status of a pod that is
done (`pod_is_terminal`), the status manager's `TerminatePod`: shared/k8s-semantics.md §3.

Inputs are the pod (whose `status` is the previous one, for sticky values: startTime, condition
transition times, terminal phases, restart counts of vanished containers), the runtime snapshot,
the agent's probe results and start failures, the waits of the current decision (crash-loop
backoff), and `now`.

Deliberate differences: `started` feeds `getPhase` with the current probe result, where the kubelet
uses the previous status' value for one more sync; init containers are read from the current
sandbox, keeping only their newest exited instance, which is what the kubelet's purge (on sandbox
recreation) and `pruneInitContainersBeforeStart` leave in the runtime.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

import msgspec

from tinykube.api import resources
from tinykube.api.pod import Container, Pod
from tinykube.api.status import (
    ContainerState,
    ContainerStateRunning,
    ContainerStateTerminated,
    ContainerStateWaiting,
    ContainerStatus,
    HostIP,
    PodCondition,
    PodIP,
    PodStatus,
)
from tinykube.core import decide, restart
from tinykube.core.actions import BackoffWait
from tinykube.core.observed import (
    AgentState,
    ContainerSnapshot,
    PodSnapshot,
    ProbeOutcome,
    StartFailure,
)
from tinykube.core.observed import ContainerState as RuntimeState

KUBELET_CONDITIONS = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
EVICTED_REASON = "Evicted"  # the eviction manager's `Reason`, of the status and the event
STATUS_UNKNOWN = "ContainerStatusUnknown"
# The kubelet's messages, verbatim (the second one has two spaces after the first sentence).
LOST_AT_TERMINATION = "The container could not be located when the pod was terminated"
LOST_WHILE_RUNNING = (
    "The container could not be located when the pod was deleted.  The container used to be Running"
)
INIT_ASSUMED_COMPLETED = (
    "Unable to get init container status from container runtime and pod has been initialized, "
    "treat it as exited normally"
)


class NodeInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the status needs to know about the node and the runtime."""

    host_ip: str = "127.0.0.1"
    runtime_name: str = "tinykube"  # containerID prefix: `<runtime_name>://<id>`


_DEFAULT_NODE = NodeInfo()


def generate_pod_status(
    pod: Pod,
    observed: PodSnapshot,
    *,
    agent: AgentState,
    waits: Iterable[BackoffWait] = (),
    now: datetime.datetime,
    node: NodeInfo = _DEFAULT_NODE,
    pod_is_terminal: bool = False,
) -> PodStatus:
    """The full status the kubelet would write for `pod` now."""
    old = pod.status
    waiting_reasons: dict[str, StartFailure] = dict(agent.start_failures)
    for wait in waits:
        waiting_reasons[wait.name] = StartFailure(reason="CrashLoopBackOff", message=wait.message)
    sandbox = observed.newest_sandbox()
    active_sandbox = sandbox.id if sandbox is not None else None
    app_created = _any_app_container_created(pod, observed)

    init_statuses = tuple(
        _container_status(
            pod,
            container,
            instances=_init_instances(observed, container.name, active_sandbox),
            agent=agent,
            waiting_reasons=waiting_reasons,
            old_statuses=old.init_container_statuses,
            is_init=True,
            app_created=app_created,
            node=node,
        )
        for container in pod.spec.init_containers
    )
    app_statuses = tuple(
        sorted(
            (
                _container_status(
                    pod,
                    container,
                    instances=observed.instances(container.name),
                    agent=agent,
                    waiting_reasons=waiting_reasons,
                    old_statuses=old.container_statuses,
                    is_init=False,
                    app_created=app_created,
                    node=node,
                )
                for container in pod.spec.containers
            ),
            key=lambda status: status.name,
        )
    )
    all_statuses = {status.name: status for status in (*init_statuses, *app_statuses)}
    phase = get_phase(
        pod,
        all_statuses,
        pod_is_terminal=pod_is_terminal,
        pod_has_initialized=_has_active_app_container(pod, observed, active_sandbox),
    )
    phase, reason, message = _phase_reason_message(pod, phase, eviction=agent.eviction, now=now)
    if pod_is_terminal:
        init_statuses, app_statuses = _terminated_statuses(pod, init_statuses, app_statuses)
        all_statuses = {status.name: status for status in (*init_statuses, *app_statuses)}
        if phase not in decide.TERMINAL_PHASES:
            phase = "Failed"

    sandbox_ready = not decide.sandbox_changed(observed)[0]
    conditions = _conditions(pod, all_statuses, phase=phase, sandbox_ready=sandbox_ready, now=now)
    pod_ip = sandbox.ip if sandbox is not None and sandbox.ip else ""
    start_time = old.start_time if old.start_time is not None else now
    return PodStatus(
        phase=phase,
        conditions=conditions,
        message=message,
        reason=reason,
        host_ip=node.host_ip,
        host_ips=(HostIP(ip=node.host_ip),),
        pod_ip=pod_ip,
        pod_ips=(PodIP(ip=pod_ip),) if pod_ip else (),
        start_time=start_time,
        init_container_statuses=init_statuses,
        container_statuses=app_statuses,
        qos_class=old.qos_class or resources.qos_class(pod.spec),
    )


def _phase_reason_message(
    pod: Pod, phase: str, *, eviction: str | None, now: datetime.datetime
) -> tuple[str, str, str]:
    """Terminal phases stick; reason and message stay only while the phase does; an eviction
    (the eviction manager's kill status function) or the active deadline (its sync handler)
    fails the pod (`generateAPIPodStatus`)."""
    old = pod.status
    if old.phase in decide.TERMINAL_PHASES:
        phase = old.phase
    reason, message = (old.reason, old.message) if phase == old.phase else ("", "")
    if old.phase not in decide.TERMINAL_PHASES:
        if eviction is not None:
            phase, reason, message = "Failed", EVICTED_REASON, eviction
        elif decide.deadline_exceeded(pod, now=now):
            phase, reason, message = "Failed", "DeadlineExceeded", DEADLINE_MESSAGE
    return phase, reason, message


def _any_app_container_created(pod: Pod, observed: PodSnapshot) -> bool:
    """`hasAnyRegularContainerCreated`: some app container is created, running or exited."""
    for container in pod.spec.containers:
        latest = observed.latest(container.name)
        if latest is not None and latest.state is not RuntimeState.UNKNOWN:
            return True
    return False


def _has_active_app_container(pod: Pod, observed: PodSnapshot, sandbox_id: str | None) -> bool:
    """`HasAnyActiveRegularContainerStarted`: an app container exists in the newest sandbox."""
    names = {container.name for container in pod.spec.containers}
    return sandbox_id is not None and any(
        instance.name in names and instance.sandbox_id == sandbox_id
        for instance in observed.containers
    )


# --- container statuses --------------------------------------------------------------------


def _init_instances(
    observed: PodSnapshot, name: str, sandbox_id: str | None
) -> tuple[ContainerSnapshot, ...]:
    """An init container's instances in the current sandbox, newest first, keeping only the
    newest exited one (what the kubelet's purge and init-container pruning leave)."""
    if sandbox_id is None:
        return ()
    kept: list[ContainerSnapshot] = []
    seen_exited = False
    for instance in observed.instances(name):
        if instance.sandbox_id != sandbox_id:
            continue
        if instance.state is RuntimeState.EXITED:
            if seen_exited:
                continue
            seen_exited = True
        kept.append(instance)
    return tuple(kept)


def _container_id(snapshot: ContainerSnapshot, node: NodeInfo) -> str:
    return f"{node.runtime_name}://{snapshot.id}"


def _unknown_terminated(message: str) -> ContainerState:
    return ContainerState(
        terminated=ContainerStateTerminated(exit_code=137, reason=STATUS_UNKNOWN, message=message)
    )


def _convert(
    snapshot: ContainerSnapshot, old: ContainerStatus | None, node: NodeInfo
) -> ContainerStatus:
    """`convertContainerStatus`: one runtime instance as an API container status."""
    status = ContainerStatus(
        name=snapshot.name,
        restart_count=snapshot.attempt,
        image=snapshot.image,
        image_id=snapshot.image_id,
        container_id=_container_id(snapshot, node),
    )
    if snapshot.state is RuntimeState.RUNNING:
        state = ContainerState(running=ContainerStateRunning(started_at=snapshot.started_at))
    elif snapshot.state is RuntimeState.EXITED:
        state = ContainerState(
            terminated=ContainerStateTerminated(
                exit_code=snapshot.exit_code,
                reason=snapshot.reason or ("Completed" if snapshot.exit_code == 0 else "Error"),
                message=snapshot.message,
                started_at=snapshot.started_at,
                finished_at=snapshot.finished_at,
                container_id=status.container_id,
            )
        )
    elif (
        snapshot.state is RuntimeState.UNKNOWN and old is not None and old.state.running is not None
    ):
        # It was running and is gone: report a failure rather than "never ran".
        return msgspec.structs.replace(
            status,
            state=_unknown_terminated(LOST_AT_TERMINATION),
            restart_count=old.restart_count + 1,
        )
    else:  # created, or unknown without evidence that it ran
        state = ContainerState(waiting=ContainerStateWaiting())
    return msgspec.structs.replace(status, state=state)


def _container_status(
    pod: Pod,
    container: Container,
    *,
    instances: tuple[ContainerSnapshot, ...],
    agent: AgentState,
    waiting_reasons: Mapping[str, StartFailure],
    old_statuses: tuple[ContainerStatus, ...],
    is_init: bool,
    app_created: bool,
    node: NodeInfo,
) -> ContainerStatus:
    """`convertToAPIContainerStatuses` for one container, then `UpdatePodStatus`'s started/ready."""
    default_reason = "PodInitializing" if pod.spec.init_containers else "ContainerCreating"
    default_state = ContainerState(waiting=ContainerStateWaiting(reason=default_reason))
    status = ContainerStatus(name=container.name, image=container.image, state=default_state)
    old = next((item for item in old_statuses if item.name == container.name), None)
    if old is not None:
        if old.state.terminated is not None:
            status = old
        else:
            status = msgspec.structs.replace(
                status, restart_count=old.restart_count, last_state=old.last_state
            )

    latest = instances[0] if instances else None
    if latest is not None:
        status = _convert(latest, old, node)
        if len(instances) > 1:
            status = msgspec.structs.replace(
                status, last_state=_convert(instances[1], old, node).state
            )
    elif (
        old is not None
        and old.state.running is not None
        and status.state == default_state
        and status.last_state.terminated is None
    ):
        # It was running and the runtime lost it: show it stopped, not waiting.
        status = msgspec.structs.replace(
            status,
            last_state=_unknown_terminated(LOST_WHILE_RUNNING),
            restart_count=status.restart_count
            + (1 if pod.metadata.deletion_timestamp is None else 0),
        )

    status = _waiting_override(
        pod, container, status, latest, waiting_reasons, is_init=is_init, app_created=app_created
    )
    started = _started(container, status, latest, agent)
    if is_init and not container.is_sidecar:
        terminated = status.state.terminated
        ready = terminated is not None and terminated.exit_code == 0
    else:
        ready = started and _is_ready(container, latest, agent)
    return msgspec.structs.replace(status, started=started, ready=ready)


def _waiting_override(
    pod: Pod,
    container: Container,
    status: ContainerStatus,
    latest: ContainerSnapshot | None,
    waiting_reasons: Mapping[str, StartFailure],
    *,
    is_init: bool,
    app_created: bool,
) -> ContainerStatus:
    """A container the next sync will (re)start shows the cached start failure as Waiting."""
    if is_init:
        if latest is not None and latest.succeeded:
            return status  # an init container that exited 0 keeps its terminated state
        if (
            latest is None
            and app_created
            and not container.is_sidecar
            and status.state.waiting is not None
        ):
            return msgspec.structs.replace(
                status,
                state=ContainerState(
                    terminated=ContainerStateTerminated(
                        reason="Completed", message=INIT_ASSUMED_COMPLETED
                    )
                ),
            )
    if not restart.should_restart_app_container(container, pod, latest):
        return status
    failure = waiting_reasons.get(container.name)
    if failure is None:
        return status
    last_state = status.state if status.state.terminated is not None else status.last_state
    return msgspec.structs.replace(
        status,
        state=ContainerState(
            waiting=ContainerStateWaiting(reason=failure.reason, message=failure.message)
        ),
        last_state=last_state,
    )


def _started(
    container: Container,
    status: ContainerStatus,
    latest: ContainerSnapshot | None,
    agent: AgentState,
) -> bool:
    """`isContainerStarted`: running, and its startup probe (if any) has succeeded."""
    if status.state.running is None or latest is None:
        return False
    if container.startup_probe is None:
        return True
    probes = agent.probes.get(latest.id)
    return probes is not None and probes.startup is ProbeOutcome.SUCCESS


def _is_ready(container: Container, latest: ContainerSnapshot | None, agent: AgentState) -> bool:
    """Readiness of a started container: no readiness probe, or its last result succeeded."""
    if container.readiness_probe is None or latest is None:
        return True
    probes = agent.probes.get(latest.id)
    return probes is not None and probes.readiness is ProbeOutcome.SUCCESS


# --- the end of a pod (`TerminatePod`) ---------------------------------------------------------


def _terminated_statuses(
    pod: Pod, init_statuses: tuple[ContainerStatus, ...], app_statuses: tuple[ContainerStatus, ...]
) -> tuple[tuple[ContainerStatus, ...], tuple[ContainerStatus, ...]]:
    """Every container that ran, or should have, ends Terminated: an unknown one as a failure.

    App containers are rewritten once the pod has initialized; init containers up to the last
    one with evidence of a start (always at least the first).
    """

    def finished(status: ContainerStatus) -> ContainerStatus:
        if status.state.terminated is not None:
            return status
        return msgspec.structs.replace(status, state=_unknown_terminated(LOST_AT_TERMINATION))

    if _has_pod_initialized(pod, init_statuses, app_statuses):
        app_statuses = tuple(finished(status) for status in app_statuses)
    attempted = len(init_statuses)
    while attempted > 1 and (
        init_statuses[attempted - 1].state.waiting is not None
        and init_statuses[attempted - 1].last_state.terminated is None
    ):
        attempted -= 1
    init_statuses = tuple(
        finished(status) if index < attempted else status
        for index, status in enumerate(init_statuses)
    )
    return init_statuses, app_statuses


def _has_pod_initialized(
    pod: Pod, init_statuses: tuple[ContainerStatus, ...], app_statuses: tuple[ContainerStatus, ...]
) -> bool:
    """The status manager's `hasPodInitialized`."""
    if not pod.spec.init_containers:
        return True
    if any(
        status.last_state.terminated is not None or status.state.waiting is None
        for status in app_statuses
    ):
        return True
    if not init_statuses:
        return False
    last = init_statuses[-1]
    if pod.spec.init_containers[-1].is_sidecar:
        return last.state.running is not None and bool(last.started)
    return any(
        state.terminated is not None and state.terminated.exit_code == 0
        for state in (last.last_state, last.state)
    )


# --- phase -----------------------------------------------------------------------------------


def get_phase(
    pod: Pod,
    statuses: Mapping[str, ContainerStatus],
    *,
    pod_is_terminal: bool,
    pod_has_initialized: bool,
) -> str:
    """The kubelet's `getPhase` over the generated container statuses."""
    spec = pod.spec
    pending_regular_init = 0
    pending_sidecars = 0
    failed_initialization = 0
    for container in spec.init_containers:
        if container.is_sidecar:
            continue
        status = statuses.get(container.name)
        if status is None or status.state.running is not None:
            pending_regular_init += 1
        elif status.state.terminated is not None:
            if status.state.terminated.exit_code != 0:
                failed_initialization += 1
        elif status.state.waiting is not None:
            last = status.last_state.terminated
            if last is not None:
                if last.exit_code != 0:
                    failed_initialization += 1
            else:
                pending_regular_init += 1
        else:
            pending_regular_init += 1

    unknown = running = waiting = stopped = succeeded = 0
    for container in spec.init_containers:
        if not container.is_sidecar:
            continue
        status = statuses.get(container.name)
        if status is None:
            unknown += 1
        elif status.state.running is not None:
            if not status.started:
                pending_sidecars += 1
            running += 1
        elif status.state.terminated is not None:
            pass  # restarting sidecars are ignored
        elif status.state.waiting is not None:
            if status.last_state.terminated is None:
                pending_sidecars += 1
                waiting += 1
        else:
            pending_sidecars += 1
            unknown += 1

    for container in spec.containers:
        status = statuses.get(container.name)
        if status is None:
            unknown += 1
        elif status.state.running is not None:
            running += 1
        elif status.state.terminated is not None:
            stopped += 1
            if status.state.terminated.exit_code == 0:
                succeeded += 1
        elif status.state.waiting is not None:
            if status.last_state.terminated is not None:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1

    if failed_initialization > 0 and spec.restart_policy == "Never":
        return "Failed"
    if pending_regular_init > 0 or (pending_sidecars > 0 and not pod_has_initialized):
        return "Pending"
    if waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if spec.restart_policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if spec.restart_policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


# --- conditions ------------------------------------------------------------------------------


def _go_list(names: list[str]) -> str:
    return "[" + " ".join(names) + "]"


def _initialized(
    pod: Pod, statuses: Mapping[str, ContainerStatus], phase: str
) -> tuple[str, str, str]:
    spec = pod.spec
    if not spec.init_containers:
        return "True", "", ""
    unknown: list[str] = []
    incomplete: list[str] = []
    for container in spec.init_containers:
        status = statuses.get(container.name)
        if status is None:
            unknown.append(container.name)
        elif container.is_sidecar:
            if not status.started:
                incomplete.append(container.name)
        elif not status.ready:
            incomplete.append(container.name)
    if phase == "Succeeded" and not unknown:
        return "True", "PodCompleted", ""
    for container in spec.containers:
        status = statuses.get(container.name)
        if status is not None and (
            status.state.running is not None or status.state.terminated is not None
        ):
            return "True", "", ""
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_go_list(unknown)}")
    if incomplete:
        messages.append(f"containers with incomplete status: {_go_list(incomplete)}")
    if messages:
        return "False", "ContainersNotInitialized", ", ".join(messages)
    return "True", "", ""


def _containers_ready(
    pod: Pod, statuses: Mapping[str, ContainerStatus], phase: str
) -> tuple[str, str, str]:
    unknown: list[str] = []
    unready: list[str] = []
    for container in (
        *(init for init in pod.spec.init_containers if init.is_sidecar),
        *pod.spec.containers,
    ):
        status = statuses.get(container.name)
        if status is None:
            unknown.append(container.name)
        elif not status.ready:
            unready.append(container.name)
    if phase == "Succeeded" and not unknown:
        return "False", "PodCompleted", ""
    if phase == "Failed":
        return "False", "PodFailed", ""
    messages = []
    if unknown:
        messages.append(f"containers with unknown status: {_go_list(unknown)}")
    if unready:
        messages.append(f"containers with unready status: {_go_list(unready)}")
    if messages:
        return "False", "ContainersNotReady", ", ".join(messages)
    return "True", "", ""


def _ready(
    pod: Pod, containers_ready: tuple[str, str, str], existing: Mapping[str, PodCondition]
) -> tuple[str, str, str]:
    if containers_ready[0] != "True":
        return containers_ready
    messages = []
    for gate in pod.spec.readiness_gates:
        condition = existing.get(gate.condition_type)
        if condition is None:
            messages.append(
                f'corresponding condition of pod readiness gate "{gate.condition_type}" '
                "does not exist."
            )
        elif condition.status != "True":
            messages.append(
                f'the status of pod readiness gate "{gate.condition_type}" is not "True", '
                f"but {condition.status}"
            )
    if messages:
        return "False", "ReadinessGatesNotReady", ", ".join(messages)
    return "True", "", ""


def _conditions(
    pod: Pod,
    statuses: Mapping[str, ContainerStatus],
    *,
    phase: str,
    sandbox_ready: bool,
    now: datetime.datetime,
) -> tuple[PodCondition, ...]:
    old = {condition.type: condition for condition in pod.status.conditions}
    foreign = tuple(
        condition for condition in pod.status.conditions if condition.type not in KUBELET_CONDITIONS
    )
    containers_ready = _containers_ready(pod, statuses, phase)
    computed = (
        ("PodReadyToStartContainers", ("True" if sandbox_ready else "False", "", "")),
        ("Initialized", _initialized(pod, statuses, phase)),
        ("Ready", _ready(pod, containers_ready, old)),
        ("ContainersReady", containers_ready),
        ("PodScheduled", ("True", "", "")),
    )
    conditions = list(foreign)
    for kind, (status, reason, message) in computed:
        previous = old.get(kind)
        transition = (
            previous.last_transition_time
            if previous is not None
            and previous.status == status
            and previous.last_transition_time is not None
            else now
        )
        conditions.append(
            PodCondition(
                type=kind,
                status=status,
                reason=reason,
                message=message,
                last_transition_time=transition,
            )
        )
    return tuple(conditions)
