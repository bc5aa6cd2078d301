"""The per-container cost of the process runtime: each container runs under a small C monitor,
which must stay under 1 MiB of private memory. A pod with three sleeping containers runs under
`tinykube run --state-dir`; the test finds the monitors' pids in the state directory and reads
their `/proc/<pid>/smaps_rollup` while the containers run, then stops the run with SIGTERM (as
Ctrl-C would)."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import TINYKUBE, container, exec_command, pod, wait_for

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
NAMES = ("one", "two", "three")


def private_bytes(pid: int) -> int:
    """Private_Clean + Private_Dirty (+ Private_Hugetlb) of a process, in bytes."""
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Private_Clean", "Private_Dirty", "Private_Hugetlb"):
            total += int(value.split()[0]) * 1024
    return total


def running_monitors(state: Path) -> dict[str, int] | None:
    """Container name -> monitor pid, once every container has started."""
    containers = state / "runtime" / "containers"
    found: dict[str, int] = {}
    if not containers.is_dir():
        return None
    for directory in containers.iterdir():
        try:
            name = json.loads((directory / "config.json").read_text())["name"]
            started = (directory / "state" / "started").exists()
            pid = int((directory / "state" / "monitor.pid").read_text())
        except (FileNotFoundError, ValueError, KeyError):
            continue
        if started:
            found[name] = pid
    return found if set(found) == set(NAMES) else None


def test_each_monitor_stays_under_1_mib_private(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    item = pod(
        tmp_path,
        "sleepers",
        containers=[container(name, exec_command(name, delay=60)) for name in NAMES],
        terminationGracePeriodSeconds=2,
    )
    manifest.write_text(yaml.safe_dump(item))
    state = tmp_path / "state"
    process = subprocess.Popen(
        [str(TINYKUBE), "run", "-f", str(manifest), "--state-dir", str(state), "-o", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        monitors = wait_for(lambda: running_monitors(state), timeout=30, what="three containers")
        holders = [
            int((holder / "monitor.pid").read_text())
            for holder in (state / "runtime" / "sandboxes").glob("*/holder")
        ]
        sizes = {name: private_bytes(pid) for name, pid in monitors.items()}
        for name, size in sizes.items():
            assert 0 < size < MIB, f"monitor of {name}: {size} bytes private"
        total = sum(sizes.values()) + sum(private_bytes(pid) for pid in holders)
        assert total < len(NAMES) * MIB, f"all monitors: {total} bytes private"
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr  # the harness exits 0 on SIGTERM
    listing = json.loads(stdout)
    assert listing["items"][0]["status"]["phase"] == "Succeeded"
