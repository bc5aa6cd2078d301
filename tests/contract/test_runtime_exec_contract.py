"""The runtime contract for `exec_stream` (kubectl exec), against every runtime that has it.

The same commands run on FakeRuntime, ProcessRuntime (real namespaces, a real pty) and
CriRuntime (containerd's streaming server; `scripts/cri-env.sh up`, failing, not skipping, when
containerd does not answer). Sandboxes and containers are made with the helpers of the main
runtime contract suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.test_runtime_contract import POD, _remove_all, _run, _wait_state
from tinykube.core.observed import ContainerState
from tinykube.runtime import contract
from tinykube.runtime.cri.runtime import CriRuntime
from tinykube.runtime.fake import FakeRuntime
from tinykube.runtime.process.runtime import ProcessRuntime

DEADLINE = 20.0


@pytest.fixture(params=["fake", "process", "cri"])
async def exec_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "fake":
        fake = FakeRuntime()
        yield fake
        await fake.close()
        return
    if request.param == "cri":
        cri = CriRuntime(state_dir=tmp_path / "cri", owner="exec-contract-suite")
        try:
            await cri.open()
        except contract.RuntimeFailure as exc:
            pytest.fail(f"the CRI environment is not up (scripts/cri-env.sh up): {exc}")
        await _remove_all(cri)  # what an interrupted run left: sandbox names are unique
        try:
            yield cri
        finally:
            await _remove_all(cri)
            await cri.close()
        return
    process = ProcessRuntime(tmp_path / "runtime")
    await process.open()
    try:
        yield process
    finally:
        for uid in await process.list_pods():
            snapshot = await process.pod_snapshot(uid)
            for container in snapshot.containers:
                await process.stop_container(container.id, timeout=0)
                await process.remove_container(container.id)
            for sandbox in snapshot.sandboxes:
                await process.remove_pod_sandbox(sandbox.id)
        await process.close()


async def _read_all(read: object) -> bytes:
    assert callable(read)
    out = b""
    async with asyncio.timeout(DEADLINE):
        while chunk := await read():
            out += chunk
    return out


async def _finish(session: contract.ExecSession) -> tuple[int, bytes, bytes]:
    stdout, stderr = await asyncio.gather(
        _read_all(session.read_stdout), _read_all(session.read_stderr)
    )
    async with asyncio.timeout(DEADLINE):
        code = await session.wait()
    await session.kill()
    return code, stdout, stderr


async def test_stdout_stderr_and_exit_code_are_separate(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    session = await exec_runtime.exec_stream(
        container, ("sh", "-c", "echo out; echo err >&2; exit 3"), tty=False, stdin=False
    )
    assert await _finish(session) == (3, b"out\n", b"err\n")


async def test_stdin_reaches_the_command_until_closed(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    session = await exec_runtime.exec_stream(container, ("cat",), tty=False, stdin=True)
    await session.write_stdin(b"first\n")
    await session.write_stdin(b"second\n")
    await session.close_stdin()
    assert await _finish(session) == (0, b"first\nsecond\n", b"")


async def test_large_streams_pass_through_whole(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    session = await exec_runtime.exec_stream(container, ("cat",), tty=False, stdin=True)
    data = bytes(range(256)) * 4096  # 1 MiB, more than any pipe or stream window holds

    async def feed() -> None:
        await session.write_stdin(data)
        await session.close_stdin()

    _, (code, stdout, stderr) = await asyncio.gather(feed(), _finish(session))
    assert (code, stdout == data, stderr) == (0, True, b"")


async def test_a_tty_exec_has_a_terminal_and_no_stderr(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    session = await exec_runtime.exec_stream(
        container, ("sh", "-c", "tty; echo err >&2"), tty=True, stdin=False
    )
    await session.resize(width=100, height=40)
    code, stdout, stderr = await _finish(session)
    assert code == 0
    assert stdout.replace(b"\r\n", b"\n") == b"/dev/pts/0\nerr\n"  # one terminal for both
    assert stderr == b""


async def test_without_a_tty_there_is_no_terminal(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    session = await exec_runtime.exec_stream(container, ("tty",), tty=False, stdin=False)
    assert await _finish(session) == (1, b"not a tty\n", b"")


async def test_kill_ends_the_command_with_sigkill(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    session = await exec_runtime.exec_stream(container, ("sleep", "300"), tty=False, stdin=False)
    await session.kill()
    async with asyncio.timeout(DEADLINE):
        assert await session.wait() == 137
    await session.kill()  # idempotent


async def test_the_container_stopping_ends_its_execs(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    command = ("sh", "-c", "echo ready; cat")  # then blocks reading stdin
    session = await exec_runtime.exec_stream(container, command, tty=False, stdin=True)
    seen = b""
    async with asyncio.timeout(DEADLINE):
        while not seen.endswith(b"ready\n"):  # the command runs in the container now
            chunk = await session.read_stdout()
            assert chunk, seen
            seen += chunk
    await exec_runtime.stop_container(container, timeout=0)
    async with asyncio.timeout(DEADLINE):
        assert await session.wait() == 137
    await session.kill()


async def test_an_exited_container_cannot_be_exec_ed_into(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "init", "true")
    await _wait_state(exec_runtime, container, ContainerState.EXITED)
    with pytest.raises(contract.NotFound):
        await exec_runtime.exec_stream(container, ("true",), tty=False, stdin=False)


async def test_a_missing_executable_fails_to_start(
    exec_runtime: contract.RuntimeService, tmp_path: Path
):
    _, container = await _run(exec_runtime, tmp_path, "app", "sleep", "300")
    with pytest.raises(contract.StartFailed, match=r'exec: "no-such-tool": executable file'):
        await exec_runtime.exec_stream(container, ("no-such-tool",), tty=False, stdin=False)


async def test_the_exec_runs_in_the_container_environment(tmp_path: Path):
    """Process runtime only: namespaces, environment, working dir and cgroup of the container."""
    runtime = ProcessRuntime(tmp_path / "runtime")
    await runtime.open()
    try:
        sandbox = await runtime.run_pod_sandbox(
            contract.SandboxConfig(
                pod=POD, attempt=0, hostname="exec-host", log_directory=str(tmp_path / "logs")
            )
        )
        container = await runtime.create_container(
            sandbox,
            contract.ContainerConfig(
                pod=POD,
                name="app",
                attempt=0,
                spec_hash="h",
                image="busybox",
                command=("sh", "-c", "cd /tmp && sleep 300"),
                env=(("GREETING", "hello"),),
                working_dir="/srv/app",
                log_path=str(tmp_path / "logs" / "app" / "0.log"),
                resources=contract.LinuxResources(memory_limit_bytes=256 * 1024 * 1024),
            ),
        )
        await runtime.start_container(container)
        script = (
            'echo "$GREETING $(hostname) $(pwd)"; echo $$; '
            "grep -c tinykube/ /proc/self/cgroup; echo ${TERM:-unset}"
        )
        session = await runtime.exec_stream(container, ("sh", "-c", script), tty=False, stdin=False)
        code, stdout, stderr = await _finish(session)
        greeting, pid, cgroups, term = stdout.decode().splitlines()
        assert (code, stderr) == (0, b"")
        # the container's env, hostname and workingDir (not its first process's cwd)
        assert greeting == "hello exec-host /srv/app"
        assert int(pid) < 20  # a pid of the container's own PID namespace
        assert int(cgroups) >= 1  # joined the container's memory cgroup
        assert term == "unset"
        await runtime.stop_container(container, timeout=0)
        await runtime.remove_container(container)
        await runtime.remove_pod_sandbox(sandbox)
    finally:
        await runtime.close()
