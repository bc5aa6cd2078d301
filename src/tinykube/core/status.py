"""`generate_pod_status`: the `v1` PodStatus of a pod, from its spec and observed state.

A port of the observable rules of the kubelet's `generateAPIPodStatus`,
`convertToAPIContainerStatuses`, `getPhase`, the prober manager's `UpdatePodStatus` (started,
ready) and `pkg/kubelet/status/generate.go` (conditions): shared/k8s-semantics.md §3.

Inputs are the pod (whose `status` is the previous one, for sticky values: startTime, condition
transition times, terminal phases), the runtime snapshot, the agent's probe results and start
failures, the waits of the current decision (crash-loop backoff), and `now`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
    SandboxState,
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


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeInfo:
    """What the status needs to know about the node and the runtime."""

    host_ip: str = "127.0.0.1"
    runtime_name: str = "tinykube"  # containerID prefix: `<runtime_name>://<id>`


def generate_pod_status(
    pod: Pod,
    observed: PodSnapshot,
    *,
    agent: AgentState,
    waits: Iterable[BackoffWait] = (),
    now: datetime.datetime,
    node: NodeInfo = NodeInfo(),
    pod_is_terminal: bool = False,
) -> PodStatus:
    """The full status the kubelet would write for `pod` now."""
    old = pod.status
    waiting_reasons: dict[str, StartFailure] = dict(agent.start_failures)
    for wait in waits:
        waiting_reasons[wait.name] = StartFailure(reason="CrashLoopBackOff", message=wait.message)
    sandbox = observed.newest_sandbox()
    sandbox_id = sandbox.id if sandbox is not None else None

    init_statuses = tuple(
        _container_status(
            pod,
            container,
            observed=observed,
            agent=agent,
            waiting_reasons=waiting_reasons,
            old_statuses=old.init_container_statuses,
            is_init=True,
            sandbox_id=sandbox_id,
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
                    observed=observed,
                    agent=agent,
                    waiting_reasons=waiting_reasons,
                    old_statuses=old.container_statuses,
                    is_init=False,
                    sandbox_id=None,
                    node=node,
                )
                for container in pod.spec.containers
            ),
            key=lambda status: status.name,
        )
    )
    all_statuses = {status.name: status for status in (*init_statuses, *app_statuses)}
    pod_has_initialized = any(
        (latest := observed.latest(container.name)) is not None
        and latest.state in (RuntimeState.CREATED, RuntimeState.RUNNING)
        for container in pod.spec.containers
    )

    phase = get_phase(
        pod, all_statuses, pod_is_terminal=pod_is_terminal, pod_has_initialized=pod_has_initialized
    )
    reason, message = old.reason, old.message
    if decide.deadline_exceeded(pod, now=now) or old.reason == "DeadlineExceeded":
        phase, reason, message = "Failed", "DeadlineExceeded", DEADLINE_MESSAGE
    if old.phase in decide.TERMINAL_PHASES:
        phase = old.phase

    sandbox_ready = sandbox is not None and sandbox.state is SandboxState.READY
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


# --- container statuses --------------------------------------------------------------------


def _terminated(snapshot: ContainerSnapshot, node: NodeInfo) -> ContainerStateTerminated:
    return ContainerStateTerminated(
        exit_code=snapshot.exit_code,
        signal=snapshot.signal,
        reason=snapshot.reason or ("Completed" if snapshot.exit_code == 0 else "Error"),
        message=snapshot.message,
        started_at=snapshot.started_at,
        finished_at=snapshot.finished_at,
        container_id=_container_id(snapshot, node),
    )


def _container_id(snapshot: ContainerSnapshot, node: NodeInfo) -> str:
    return f"{node.runtime_name}://{snapshot.id}"


def _state_of(snapshot: ContainerSnapshot, node: NodeInfo) -> ContainerState:
    if snapshot.state is RuntimeState.RUNNING:
        return ContainerState(running=ContainerStateRunning(started_at=snapshot.started_at))
    if snapshot.state is RuntimeState.EXITED:
        return ContainerState(terminated=_terminated(snapshot, node))
    if snapshot.state is RuntimeState.CREATED:
        return ContainerState(waiting=ContainerStateWaiting())
    return ContainerState(
        terminated=ContainerStateTerminated(
            exit_code=137,
            reason="ContainerStatusUnknown",
            message="The container could not be located when the pod was terminated",
            container_id=_container_id(snapshot, node),
        )
    )


def _instances(
    observed: PodSnapshot, name: str, sandbox_id: str | None
) -> tuple[ContainerSnapshot, ...]:
    instances = observed.instances(name)
    if sandbox_id is None:
        return instances
    # Init containers: only those of the current sandbox count (the others are purged).
    current = tuple(instance for instance in instances if instance.sandbox_id == sandbox_id)
    if current:
        older = tuple(instance for instance in instances if instance.sandbox_id != sandbox_id)
        return current + older[:1]
    return ()


def _container_status(
    pod: Pod,
    container: Container,
    *,
    observed: PodSnapshot,
    agent: AgentState,
    waiting_reasons: Mapping[str, StartFailure],
    old_statuses: tuple[ContainerStatus, ...],
    is_init: bool,
    sandbox_id: str | None,
    node: NodeInfo,
) -> ContainerStatus:
    default_reason = "PodInitializing" if pod.spec.init_containers else "ContainerCreating"
    status = ContainerStatus(
        name=container.name,
        image=container.image,
        state=ContainerState(waiting=ContainerStateWaiting(reason=default_reason)),
    )
    old = next((item for item in old_statuses if item.name == container.name), None)
    if old is not None:
        if old.state.terminated is not None:
            status = old
        else:
            status = msgspec.structs.replace(
                status, restart_count=old.restart_count, last_state=old.last_state
            )

    instances = _instances(observed, container.name, sandbox_id)
    latest = instances[0] if instances else None
    if latest is not None:
        status = ContainerStatus(
            name=container.name,
            state=_state_of(latest, node),
            last_state=_last_state(instances, old, node),
            restart_count=latest.attempt,
            image=latest.image or container.image,
            image_id=latest.image_id,
            container_id=_container_id(latest, node),
        )

    # A container that will be restarted and whose start failed or is backing off is Waiting.
    failure = waiting_reasons.get(container.name)
    if failure is not None and _will_restart(pod, container, latest, is_init=is_init):
        last_state = status.last_state
        if status.state.terminated is not None:
            last_state = status.state
        status = msgspec.structs.replace(
            status,
            state=ContainerState(
                waiting=ContainerStateWaiting(reason=failure.reason, message=failure.message)
            ),
            last_state=last_state,
        )

    started, ready = _started_and_ready(container, latest, agent, is_init=is_init)
    if is_init and not container.is_sidecar:
        ready = status.state.terminated is not None and status.state.terminated.exit_code == 0
    return msgspec.structs.replace(status, started=started, ready=ready)


def _last_state(
    instances: tuple[ContainerSnapshot, ...], old: ContainerStatus | None, node: NodeInfo
) -> ContainerState:
    """The previous instance's termination; from the old status if that instance is gone."""
    latest = instances[0]
    if len(instances) > 1 and instances[1].state is RuntimeState.EXITED:
        return ContainerState(terminated=_terminated(instances[1], node))
    if old is None or latest.attempt == 0:
        return ContainerState()
    if old.restart_count == latest.attempt:
        return old.last_state  # same instance as last time: keep what was known
    if old.restart_count == latest.attempt - 1 and old.state.terminated is not None:
        return ContainerState(terminated=old.state.terminated)
    return ContainerState()


def _will_restart(
    pod: Pod, container: Container, latest: ContainerSnapshot | None, *, is_init: bool
) -> bool:
    if is_init and latest is not None and latest.succeeded and not container.is_sidecar:
        return False
    if container.is_sidecar:
        return pod.metadata.deletion_timestamp is None and (
            latest is None or latest.state is not RuntimeState.RUNNING
        )
    return restart.should_restart_app_container(container, pod, latest)


def _started_and_ready(
    container: Container,
    latest: ContainerSnapshot | None,
    agent: AgentState,
    *,
    is_init: bool,
) -> tuple[bool, bool]:
    if latest is None or latest.state is not RuntimeState.RUNNING:
        return False, False
    probes = agent.probes.get(latest.id)
    if container.startup_probe is None:
        started = True
    else:
        started = probes is not None and probes.startup is ProbeOutcome.SUCCESS
    if is_init and not container.is_sidecar:
        return started, False
    if container.readiness_probe is None:
        ready = started
    else:
        ready = started and probes is not None and probes.readiness is ProbeOutcome.SUCCESS
    return started, ready


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
