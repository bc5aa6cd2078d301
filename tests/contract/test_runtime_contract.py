"""The runtime contract suite: the same behaviours, checked against every RuntimeService.

Runs against FakeRuntime, ProcessRuntime (real processes, namespaces and monitors) and
CriRuntime (containerd with busybox:1.35 from the local registry; `scripts/cri-env.sh up` starts
them, and the CRI cases fail, not skip, when containerd does not answer).
"""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from tinykube.core.ids import ContainerID, PodUID, SandboxID
from tinykube.core.observed import ContainerSnapshot, ContainerState, PodSnapshot, SandboxState
from tinykube.runtime import contract
from tinykube.runtime.cri.runtime import CriRuntime
from tinykube.runtime.fake import FakeRuntime
from tinykube.runtime.process.runtime import ProcessRuntime

POD = contract.PodIdentity(uid=PodUID("pod-uid-1"), name="demo", namespace="default")


@pytest.fixture(params=["fake", "process", "cri"])
async def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "fake":
        fake = FakeRuntime()
        yield fake
        await fake.close()
        return
    real: ProcessRuntime | CriRuntime
    if request.param == "process":
        real = ProcessRuntime(tmp_path / "runtime")
        await real.open()
    else:
        real = CriRuntime(state_dir=tmp_path / "cri", owner="contract-suite")
        try:
            await real.open()
        except contract.RuntimeFailure as exc:
            pytest.fail(f"the CRI environment is not up (scripts/cri-env.sh up): {exc}")
        await _remove_all(real)  # what an interrupted run left: sandbox names are unique
    try:
        yield real
    finally:
        await _remove_all(real)
        await real.close()


async def _remove_all(runtime: ProcessRuntime | CriRuntime) -> None:
    for uid in await runtime.list_pods():
        snapshot = await runtime.pod_snapshot(uid)
        for sandbox in snapshot.sandboxes:
            await runtime.remove_pod_sandbox(sandbox.id)
        for container in snapshot.containers:
            await runtime.remove_container(container.id)


async def _sandbox(runtime: contract.RuntimeService, tmp_path: Path) -> SandboxID:
    return await runtime.run_pod_sandbox(
        contract.SandboxConfig(
            pod=POD, attempt=0, hostname="demo", log_directory=str(tmp_path / "logs")
        )
    )


def _config(tmp_path: Path, name: str, *command: str, attempt: int = 0) -> contract.ContainerConfig:
    return contract.ContainerConfig(
        pod=POD,
        name=name,
        attempt=attempt,
        spec_hash="hash-" + name,
        image="busybox:1.35",
        command=command,
        log_path=str(tmp_path / "logs" / name / f"{attempt}.log"),
    )


async def _wait_state(
    runtime: contract.RuntimeService,
    container_id: ContainerID,
    state: ContainerState,
    timeout: float = 10.0,
) -> ContainerSnapshot:
    async def poll() -> ContainerSnapshot:
        events = runtime.events()
        while True:
            snapshot = await runtime.pod_snapshot(POD.uid)
            for container in snapshot.containers:
                if container.id == container_id and container.state is state:
                    return container
            await asyncio.wait_for(anext(events), timeout)

    return await asyncio.wait_for(poll(), timeout)


async def _run(
    runtime: contract.RuntimeService, tmp_path: Path, name: str, *command: str
) -> tuple[SandboxID, ContainerID]:
    sandbox = await _sandbox(runtime, tmp_path)
    container = await runtime.create_container(sandbox, _config(tmp_path, name, *command))
    await runtime.start_container(container)
    return sandbox, container


async def test_sandbox_is_ready_until_stopped(runtime: contract.RuntimeService, tmp_path: Path):
    sandbox = await _sandbox(runtime, tmp_path)
    snapshot = await runtime.pod_snapshot(POD.uid)
    assert [(s.id, s.state, s.attempt) for s in snapshot.sandboxes] == [
        (sandbox, SandboxState.READY, 0)
    ]
    await runtime.stop_pod_sandbox(sandbox)
    snapshot = await runtime.pod_snapshot(POD.uid)
    assert [s.state for s in snapshot.sandboxes] == [SandboxState.NOT_READY]
    await runtime.remove_pod_sandbox(sandbox)
    assert (await runtime.pod_snapshot(POD.uid)).sandboxes == ()
    assert POD.uid not in await runtime.list_pods()


async def test_removing_a_sandbox_stops_and_forgets_its_containers(
    runtime: contract.RuntimeService, tmp_path: Path
):
    sandbox, running = await _run(runtime, tmp_path, "app", "sleep", "3600")
    created = await runtime.create_container(sandbox, _config(tmp_path, "next", "true"))
    await _wait_state(runtime, running, ContainerState.RUNNING)
    await runtime.remove_pod_sandbox(sandbox)
    assert await runtime.pod_snapshot(POD.uid) == PodSnapshot()
    assert POD.uid not in await runtime.list_pods()
    for container in (running, created):
        with pytest.raises(contract.NotFound):
            await runtime.start_container(container)


async def test_created_container_carries_its_labels(
    runtime: contract.RuntimeService, tmp_path: Path
):
    sandbox = await _sandbox(runtime, tmp_path)
    container_id = await runtime.create_container(
        sandbox, _config(tmp_path, "init-1", "true", attempt=2)
    )
    (container,) = (await runtime.pod_snapshot(POD.uid)).containers
    assert container.id == container_id
    assert container.state is ContainerState.CREATED
    assert (container.name, container.attempt, container.spec_hash, container.image) == (
        "init-1",
        2,
        "hash-init-1",
        "busybox:1.35",
    )
    assert container.sandbox_id == sandbox
    assert POD.uid in await runtime.list_pods()


async def test_a_container_created_ahead_says_so_and_writes_no_log_until_started(
    runtime: contract.RuntimeService, tmp_path: Path
):
    sandbox = await _sandbox(runtime, tmp_path)
    config = msgspec.structs.replace(_config(tmp_path, "init-2", "true"), prepared=True)
    container_id = await runtime.create_container(sandbox, config)
    (container,) = (await runtime.pod_snapshot(POD.uid)).containers
    assert (container.id, container.state, container.prepared) == (
        container_id,
        ContainerState.CREATED,
        True,
    )
    assert container.waiting_its_turn
    # an agent that restarts learns it from the runtime alone
    if isinstance(runtime, ProcessRuntime | CriRuntime):
        again = (
            ProcessRuntime(runtime.root)
            if isinstance(runtime, ProcessRuntime)
            else CriRuntime(state_dir=tmp_path / "cri-again", owner="contract-suite")
        )
        await again.open()
        try:
            (adopted,) = (await again.pod_snapshot(POD.uid)).containers
            assert (adopted.id, adopted.prepared) == (container_id, True)
        finally:
            await again.close()
    # no log file before the start: a restart count read from the log dir does not count it
    assert not Path(config.log_path).exists()
    await runtime.start_container(container_id)
    exited = await _wait_state(runtime, container_id, ContainerState.EXITED)
    assert (exited.exit_code, exited.prepared, exited.waiting_its_turn) == (0, True, False)


@pytest.mark.parametrize(
    ("command", "exit_code", "reason"),
    [
        pytest.param(("true",), 0, "Completed", id="exit-0"),
        pytest.param(("false",), 1, "Error", id="exit-1"),
        pytest.param(("sh", "-c", "exit 3"), 3, "Error", id="exit-3"),
    ],
)
async def test_exit_code_and_times_are_recorded(
    runtime: contract.RuntimeService,
    tmp_path: Path,
    command: tuple[str, ...],
    exit_code: int,
    reason: str,
):
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    _, container_id = await _run(runtime, tmp_path, "c", *command)
    exited = await _wait_state(runtime, container_id, ContainerState.EXITED)
    assert (exited.exit_code, exited.reason) == (exit_code, reason)
    assert exited.started_at is not None and exited.finished_at is not None
    assert before <= exited.started_at <= exited.finished_at


async def test_exit_is_announced_as_an_event(runtime: contract.RuntimeService, tmp_path: Path):
    events = runtime.events()
    _, container_id = await _run(runtime, tmp_path, "c", "sh", "-c", "exit 0")
    seen: list[contract.EventKind] = []
    while contract.EventKind.EXITED not in seen:
        event = await asyncio.wait_for(anext(events), 10)
        if event.container_id == container_id:
            assert event.pod_uid == POD.uid
            seen.append(event.kind)
    assert seen[-1] is contract.EventKind.EXITED


async def test_stop_kills_a_container_that_ignores_sigterm(
    runtime: contract.RuntimeService, tmp_path: Path
):
    _, container_id = await _run(runtime, tmp_path, "c", "sleep", "3600")
    await _wait_state(runtime, container_id, ContainerState.RUNNING)
    await runtime.stop_container(container_id, timeout=0.3)
    (container,) = (await runtime.pod_snapshot(POD.uid)).containers
    assert container.state is ContainerState.EXITED
    assert container.exit_code == 137
    await runtime.stop_container(container_id, timeout=0.3)  # idempotent


async def test_exec_sync_reports_the_exit_code(runtime: contract.RuntimeService, tmp_path: Path):
    _, container_id = await _run(runtime, tmp_path, "c", "sleep", "3600")
    await _wait_state(runtime, container_id, ContainerState.RUNNING)
    ok = await runtime.exec_sync(container_id, ("true",), timeout=5)
    failed = await runtime.exec_sync(container_id, ("sh", "-c", "exit 3"), timeout=5)
    assert (ok.exit_code, failed.exit_code) == (0, 3)
    await runtime.stop_container(container_id, timeout=0)


async def test_unknown_ids_raise_not_found(runtime: contract.RuntimeService, tmp_path: Path):
    with pytest.raises(contract.NotFound):
        await runtime.start_container(ContainerID("no-such-container"))
    with pytest.raises(contract.NotFound):
        await runtime.create_container(SandboxID("no-such-sandbox"), _config(tmp_path, "c", "true"))
    await runtime.remove_container(ContainerID("no-such-container"))  # idempotent


def test_process_runtime_runs_as_root_here():
    # The process runtime's isolation (namespaces, overlay root, cgroups) needs root; CI is root.
    assert os.geteuid() == 0
