"""`compute_pod_actions`: what one sync of a pod should do, as the kubelet decides it.

A port of the observable rules of the kubelet's `computePodActions`,
`computeInitContainerActions` and `ShouldContainerBeRestarted` (shared/k8s-semantics.md §1–§2):

- a missing or not-ready sandbox means kill everything and start over from init container 0
  (unless a `Never` pod already ran: then it is finished);
- init containers are walked from last to first to find the one step of progress this sync
  allows: start the next init container after the previous one exited 0 (regular) or started
  (sidecar), restart a failed one (Always/OnFailure) or fail the pod (Never), keep sidecars alive;
- app containers start only once initialization is complete, all in one sync, and restart per
  the pod's restartPolicy; spec (image) changes and liveness/startup failures kill them;
- when nothing runs and nothing will start, the pod is killed (this stops sidecars, which never
  keep a pod from completing); so is a pod the eviction manager evicted (`agent.eviction`) or
  whose active deadline passed;
- restarts wait out the crash-loop backoff, whose wake-up time is returned.

Differences from the kubelet, on purpose: init-container instances are taken from the current
sandbox only (the kubelet purges the others from the runtime when it recreates a sandbox), and
crash backoff is applied here, where the kubelet applies it while starting (`doBackOff`, with the
same pre-sync snapshot, so a container in backoff is simply left out of this sync's starts).
And the container that follows a running regular init container may be created ahead of its
turn (`PodActions.prepare`), not started: the hand-over is then only a start. The snapshot the
core sees leaves such containers out until they start (`PodSnapshot.without_prepared`).
"""

from __future__ import annotations

import datetime

import msgspec

from tinykube.api.pod import Container, Pod
from tinykube.core import restart
from tinykube.core.actions import (
    BackoffWait,
    KillInfo,
    KillReason,
    PodActions,
    PodKillReason,
    StartInfo,
)
from tinykube.core.observed import (
    AgentState,
    BackoffEntry,
    ContainerSnapshot,
    ContainerState,
    PodSnapshot,
    ProbeOutcome,
    SandboxState,
)

TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})

# Containers created ahead of their turn at most, per pod (`_prepare_ahead`).
PREPARED_AT_MOST = 4


class _Plan(msgspec.Struct):
    """Mutable scratch space while deciding; frozen into PodActions at the end."""

    kill_pod: PodKillReason | None = None
    create_sandbox: bool = False
    kill: list[KillInfo] = msgspec.field(default_factory=list)
    start_init: list[int] = msgspec.field(default_factory=list)
    start: list[int] = msgspec.field(default_factory=list)


def compute_pod_actions(
    pod: Pod,
    observed: PodSnapshot,
    *,
    agent: AgentState,
    now: datetime.datetime,
    settings: restart.BackoffSettings,
) -> PodActions:
    """The actions of one sync of `pod` (whose `status` is the last one written)."""
    if pod.status.phase in TERMINAL_PHASES:
        return PodActions(kill_pod=PodKillReason.TERMINAL)
    if pod.metadata.deletion_timestamp is not None:
        return PodActions(kill_pod=PodKillReason.DELETED)
    if agent.eviction is not None:
        return PodActions(kill_pod=PodKillReason.EVICTED, kill_pod_message=agent.eviction)
    if deadline_exceeded(pod, now=now):
        return PodActions(kill_pod=PodKillReason.DEADLINE_EXCEEDED)

    recreate, attempt = sandbox_changed(observed)
    if recreate:
        plan = _plan_new_sandbox(pod, observed, attempt)
        return _finish(
            pod, observed, agent, plan, now=now, settings=settings, attempt=attempt, sandbox_id=None
        )

    sandbox = observed.newest_sandbox()
    assert sandbox is not None  # sandbox_changed is False only with a ready sandbox
    plan = _Plan()
    initialized = _plan_init_containers(pod, observed, agent, plan, sandbox_id=sandbox.id)
    if plan.kill_pod is None and initialized:
        _plan_app_containers(pod, observed, agent, plan)
    return _finish(
        pod,
        observed,
        agent,
        plan,
        now=now,
        settings=settings,
        attempt=attempt,
        sandbox_id=sandbox.id,
    )


def deadline_exceeded(pod: Pod, *, now: datetime.datetime) -> bool:
    """activeDeadlineSeconds, counted from status.startTime, has passed."""
    seconds = pod.spec.active_deadline_seconds
    start = pod.status.start_time
    if seconds is None or start is None:
        return False
    return now >= start + datetime.timedelta(seconds=seconds)


def deadline_at(pod: Pod) -> datetime.datetime | None:
    seconds = pod.spec.active_deadline_seconds
    start = pod.status.start_time
    if seconds is None or start is None:
        return None
    return start + datetime.timedelta(seconds=seconds)


def sandbox_changed(observed: PodSnapshot) -> tuple[bool, int]:
    """`podSandboxChanged`: (must create a new sandbox, its attempt number)."""
    newest = observed.newest_sandbox()
    if newest is None:
        return True, 0
    ready = sum(1 for sandbox in observed.sandboxes if sandbox.state is SandboxState.READY)
    if ready > 1 or newest.state is not SandboxState.READY:
        return True, newest.attempt + 1
    return False, newest.attempt


def _plan_new_sandbox(pod: Pod, observed: PodSnapshot, attempt: int) -> _Plan:
    """The `createPodSandbox` branch of `computePodActions`."""
    spec = pod.spec
    kill_pod = PodKillReason.SANDBOX_CHANGED if observed.sandboxes else None
    if spec.restart_policy == "Never" and attempt != 0 and observed.containers:
        # A Never pod that already ran is finished: nothing is recreated.
        return _Plan(kill_pod=PodKillReason.SANDBOX_CHANGED)
    to_start = [
        index
        for index, container in enumerate(spec.containers)
        if not (spec.restart_policy == "OnFailure" and _succeeded(observed.latest(container.name)))
    ]
    if not to_start and _any_app_container_created(pod, observed):
        return _Plan(kill_pod=PodKillReason.SANDBOX_CHANGED)
    if spec.init_containers:
        return _Plan(kill_pod=kill_pod, create_sandbox=True, start_init=[0])
    return _Plan(kill_pod=kill_pod, create_sandbox=True, start=to_start)


def _succeeded(snapshot: ContainerSnapshot | None) -> bool:
    return snapshot is not None and snapshot.succeeded


def _any_app_container_created(pod: Pod, observed: PodSnapshot) -> bool:
    """`hasAnyRegularContainerCreated`: an app container is created, running or exited."""
    created = (ContainerState.CREATED, ContainerState.RUNNING, ContainerState.EXITED)
    return any(
        (latest := observed.latest(container.name)) is not None and latest.state in created
        for container in pod.spec.containers
    )


def _next_attempt(observed: PodSnapshot, name: str, floor: int = 0) -> int:
    latest = observed.latest(name)
    return max(0 if latest is None else latest.attempt + 1, floor)


def _latest_in_sandbox(
    observed: PodSnapshot, name: str, sandbox_id: str
) -> ContainerSnapshot | None:
    newest: ContainerSnapshot | None = None
    for container in observed.containers:
        if container.name != name or container.sandbox_id != sandbox_id:
            continue
        if newest is None or (container.attempt, container.created_at) > (
            newest.attempt,
            newest.created_at,
        ):
            newest = container
    return newest


def _has_initialized(pod: Pod, observed: PodSnapshot) -> bool:
    """Some app container instance is created or running (exited ones do not count)."""
    for container in pod.spec.containers:
        latest = observed.latest(container.name)
        if latest is not None and latest.state in (ContainerState.CREATED, ContainerState.RUNNING):
            return True
    return False


def _plan_init_containers(
    pod: Pod, observed: PodSnapshot, agent: AgentState, plan: _Plan, *, sandbox_id: str
) -> bool:
    """`computeInitContainerActions`; True when app containers may be considered."""
    inits = pod.spec.init_containers
    if not inits:
        return True
    pod_has_initialized = _has_initialized(pod, observed)
    previously_initialized = pod_has_initialized
    restart_on_failure = pod.spec.restart_policy != "Never"
    last = len(inits) - 1
    planned: list[int] = []

    for index in range(last, -1, -1):
        container = inits[index]
        status = _latest_in_sandbox(observed, container.name, sandbox_id)
        if status is None:
            if previously_initialized and container.is_sidecar:
                planned.append(index)  # a sidecar lost after initialization: start it again
            continue
        if previously_initialized and not container.is_sidecar:
            continue  # after initialization only sidecars are kept running

        if status.state is ContainerState.CREATED:
            planned.append(index)
        elif status.state is ContainerState.RUNNING:
            if container.is_sidecar:
                outcome = _running_sidecar(
                    container,
                    status,
                    agent,
                    plan,
                    planned,
                    index=index,
                    is_last=index == last,
                    previously_initialized=previously_initialized,
                )
                if outcome:
                    pod_has_initialized = True
        elif status.state is ContainerState.EXITED:
            if container.is_sidecar:
                planned.append(index)
            elif status.failed:
                if not restart_on_failure:
                    plan.kill_pod = PodKillReason.INIT_FAILED
                    return False
                planned.append(index)
            elif index == last:
                pod_has_initialized = True
            else:
                planned.append(index + 1)
        else:  # unknown state
            if not container.is_sidecar and not restart_on_failure:
                plan.kill_pod = PodKillReason.INIT_FAILED
                return False
            plan.kill.append(
                KillInfo(
                    container_id=status.id,
                    name=container.name,
                    is_init=True,
                    reason=KillReason.UNKNOWN_STATE,
                    message='Init container is in "unknown" state, try killing it before restart',
                )
            )
            planned.append(index)
        previously_initialized = True

    if not previously_initialized:
        planned.append(0)
    plan.start_init.extend(reversed(planned))
    return pod_has_initialized


def _running_sidecar(
    container: Container,
    status: ContainerSnapshot,
    agent: AgentState,
    plan: _Plan,
    planned: list[int],
    *,
    index: int,
    is_last: bool,
    previously_initialized: bool,
) -> bool:
    """A running sidecar's share of init progress; True if it completes initialization."""
    probes = agent.probes.get(status.id)
    if container.startup_probe is not None:
        startup = probes.startup if probes is not None else None
        if startup is None:
            return False  # wait for the startup probe
        if startup is ProbeOutcome.FAILURE:
            plan.kill.append(
                KillInfo(
                    container_id=status.id,
                    name=container.name,
                    is_init=True,
                    reason=KillReason.STARTUP_PROBE,
                    message=f"Init container {container.name} failed startup probe",
                )
            )
            planned.append(index)
            return False
    completes = False
    if is_last:
        completes = True
    elif not previously_initialized:
        planned.append(index + 1)
    if status.spec_hash != restart.container_spec_hash(container):
        plan.kill.append(
            KillInfo(
                container_id=status.id,
                name=container.name,
                is_init=True,
                reason=KillReason.DEFINITION_CHANGED,
                message=f"Init container {container.name} definition changed",
            )
        )
        planned.append(index)
        return completes
    if (
        container.liveness_probe is not None
        and probes is not None
        and probes.liveness is ProbeOutcome.FAILURE
    ):
        plan.kill.append(
            KillInfo(
                container_id=status.id,
                name=container.name,
                is_init=True,
                reason=KillReason.LIVENESS_PROBE,
                message=f"Init container {container.name} failed liveness probe",
            )
        )
        planned.append(index)
    return completes


def _plan_app_containers(pod: Pod, observed: PodSnapshot, agent: AgentState, plan: _Plan) -> None:
    keep = 0
    restart_on_failure = pod.spec.restart_policy != "Never"
    for index, container in enumerate(pod.spec.containers):
        status = observed.latest(container.name)
        if status is None or status.state is not ContainerState.RUNNING:
            if restart.should_restart_app_container(container, pod, status):
                plan.start.append(index)
                if status is not None and status.state is ContainerState.UNKNOWN:
                    plan.kill.append(
                        KillInfo(
                            container_id=status.id,
                            name=container.name,
                            is_init=False,
                            reason=KillReason.UNKNOWN_STATE,
                            message=f'Container is in "{status.state}" state, '
                            "try killing it before restart",
                        )
                    )
            continue
        probes = agent.probes.get(status.id)
        will_restart = restart_on_failure
        if status.spec_hash != restart.container_spec_hash(container):
            reason = KillReason.DEFINITION_CHANGED
            message = f"Container {container.name} definition changed"
            will_restart = True
        elif probes is not None and probes.liveness is ProbeOutcome.FAILURE:
            reason = KillReason.LIVENESS_PROBE
            message = f"Container {container.name} failed liveness probe"
        elif probes is not None and probes.startup is ProbeOutcome.FAILURE:
            reason = KillReason.STARTUP_PROBE
            message = f"Container {container.name} failed startup probe"
        else:
            keep += 1
            continue
        if will_restart:
            message += ", will be restarted"
            plan.start.append(index)
        plan.kill.append(
            KillInfo(
                container_id=status.id,
                name=container.name,
                is_init=False,
                reason=reason,
                message=message,
            )
        )
    if keep == 0 and not plan.start:
        plan.kill_pod = PodKillReason.COMPLETED
        plan.start_init.clear()  # sidecars must not keep a finished pod alive


def _newest_exited(
    observed: PodSnapshot, name: str, sandbox_id: str | None
) -> ContainerSnapshot | None:
    """The newest exited instance of `name` (in `sandbox_id` only, if given): `doBackOff`'s."""
    for instance in observed.instances(name):
        if instance.state is ContainerState.EXITED and (
            sandbox_id is None or instance.sandbox_id == sandbox_id
        ):
            return instance
    return None


def _finish(
    pod: Pod,
    observed: PodSnapshot,
    agent: AgentState,
    plan: _Plan,
    *,
    now: datetime.datetime,
    settings: restart.BackoffSettings,
    attempt: int,
    sandbox_id: str | None,
) -> PodActions:
    """Apply crash-loop backoff to the planned starts and freeze the plan.

    Init containers look only at instances of the current sandbox (`sandbox_id`), as the kubelet
    has purged the others; in a sync that creates a sandbox every instance counts.
    """
    backoff: dict[str, BackoffEntry] = {}
    waits: list[BackoffWait] = []
    retries: list[datetime.datetime] = []

    def admit(container: Container, index: int, is_init: bool) -> StartInfo | None:
        failure = agent.start_failures.get(container.name)
        if failure is not None and failure.at is not None and failure.at + settings.initial > now:
            # a failed start (config, create or image error) is retried after the back-off
            # period, not at once (the kubelet requeues the pod's sync)
            retries.append(failure.at + settings.initial)
            return None
        key = restart.backoff_key(container)
        exited = _newest_exited(observed, container.name, sandbox_id if is_init else None)
        if exited is not None:
            entry = agent.backoff.get(key)
            until = restart.backoff_until(entry, exited, settings=settings)
            if until is not None and until > now:
                assert entry is not None
                waits.append(
                    BackoffWait(
                        name=container.name,
                        is_init=is_init,
                        until=until,
                        delay=entry.delay,
                        message=crash_loop_message(pod, container.name, entry.delay),
                    )
                )
                return None
            backoff[key] = restart.next_backoff(
                entry, event_time=exited.finished_at, now=now, settings=settings
            )
        return StartInfo(
            name=container.name,
            index=index,
            is_init=is_init,
            attempt=_next_attempt(
                observed, container.name, agent.restart_floors.get(container.name, 0)
            ),
        )

    start_init = [
        info
        for index in plan.start_init
        if (info := admit(pod.spec.init_containers[index], index, True)) is not None
    ]
    start = [
        info
        for index in plan.start
        if (info := admit(pod.spec.containers[index], index, False)) is not None
    ]
    prepare: tuple[StartInfo, ...] = ()
    if plan.kill_pod is None:
        prepare = _prepare_ahead(pod, observed, agent, start_init=start_init, sandbox_id=sandbox_id)
    wakeups = [wait.until for wait in waits] + retries
    deadline = deadline_at(pod)
    if deadline is not None:
        wakeups.append(deadline)
    return PodActions(
        kill_pod=plan.kill_pod,
        create_sandbox=plan.create_sandbox,
        sandbox_attempt=attempt,
        kill=tuple(plan.kill),
        start_init=tuple(start_init),
        start=tuple(start),
        prepare=prepare,
        waits=tuple(waits),
        backoff=backoff,
        next_wakeup=min(wakeups) if wakeups else None,
    )


def _prepare_ahead(
    pod: Pod,
    observed: PodSnapshot,
    agent: AgentState,
    *,
    start_init: list[StartInfo],
    sandbox_id: str | None,
) -> tuple[StartInfo, ...]:
    """`PodActions.prepare`: while a regular init container starts in this sync, or runs in the
    sandbox, the containers that follow it — the later init containers, then the app
    containers — up to `PREPARED_AT_MOST` of them.

    All of them from the first one's start rather than one per hand-over: measured on
    containerd, a creation made while the previous container starts slows that start by about
    as much as it saves later, and every hand-over but the first would meet one. Only first
    instances whose early creation cannot be told from a creation on time qualify
    (`_may_prepare`); the kubelet creates each container right before starting it.
    """
    inits = pod.spec.init_containers
    current = next((info.index for info in start_init if not inits[info.index].is_sidecar), None)
    if current is None and sandbox_id is not None and not _has_initialized(pod, observed):
        for index, container in enumerate(inits):
            latest = _latest_in_sandbox(observed, container.name, sandbox_id)
            if (
                not container.is_sidecar
                and latest is not None
                and latest.state is ContainerState.RUNNING
            ):
                current = index
    if current is None:
        return ()
    following = [(index, inits[index], True) for index in range(current + 1, len(inits))]
    following += [(index, container, False) for index, container in enumerate(pod.spec.containers)]
    unchecked_host_paths = {
        volume.name
        for volume in pod.spec.volumes
        if volume.host_path is not None and not volume.host_path.type
    }
    qualified = [
        StartInfo(
            name=container.name,
            index=index,
            is_init=is_init,
            attempt=agent.restart_floors.get(container.name, 0),
        )
        for index, container, is_init in following
        if _may_prepare(container, observed, agent, unchecked_host_paths)
    ]
    return tuple(qualified[:PREPARED_AT_MOST])


def _may_prepare(
    container: Container,
    observed: PodSnapshot,
    agent: AgentState,
    unchecked_host_paths: set[str],
) -> bool:
    """A first instance, with no failed start to report, whose creation has no effect the
    running init container could see, and no pull policy Always (that image is pulled when the
    container starts). Creating a container makes the missing source directories of its
    mounts, where an init container may be about to write a file: so no subPath, and no
    hostPath volume of type "" (the one kind whose path the volume set-up neither checks nor
    makes)."""
    return (
        observed.latest(container.name) is None
        and container.name not in agent.start_failures
        and container.image_pull_policy != "Always"
        and not any(
            mount.sub_path or mount.sub_path_expr or mount.name in unchecked_host_paths
            for mount in container.volume_mounts
        )
    )


def crash_loop_message(pod: Pod, container_name: str, delay: datetime.timedelta) -> str:
    """The CrashLoopBackOff waiting message: `back-off 10s restarting failed container=...`."""
    meta = pod.metadata
    return (
        f"back-off {restart.format_go_duration(delay)} restarting failed "
        f"container={container_name} pod={meta.name}_{meta.namespace}({meta.uid})"
    )
