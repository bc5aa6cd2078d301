"""Per-container cgroups for the process runtime: cpu and memory limits, v1 and v2.

cgroup v2 (unified, `/sys/fs/cgroup/cgroup.controllers` exists): one directory
`tinykube/<pod uid>/<container id>` with `memory.max`, `memory.swap.max`, `cpu.max`,
`cpu.weight`. cgroup v1: the same path under the `memory` and `cpu` hierarchies with
`memory.limit_in_bytes`, `cpu.cfs_quota_us`, `cpu.cfs_period_us`, `cpu.shares`.
Where cgroups cannot be used (not root, read-only cgroupfs), `CgroupManager.available` is
False and containers run without limits; the runtime says so once.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import msgspec

from tinykube.runtime.contract import LinuxResources

ROOT = Path("/sys/fs/cgroup")
PARENT = "tinykube"


class ContainerCgroup(msgspec.Struct, frozen=True):
    procs_files: tuple[Path, ...]  # the monitor's child joins each of these
    memory_dir: Path | None  # where OOM kills are counted


def _weight_from_shares(shares: int) -> int:
    """cgroup v2 cpu.weight from v1 cpu.shares, as runc converts it."""
    if shares == 0:
        return 100
    return 1 + ((shares - 2) * 9999) // 262142


class CgroupManager:
    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.unified = (root / "cgroup.controllers").exists()
        self.available = os.geteuid() == 0 and os.access(
            root if self.unified else root / "memory", os.W_OK
        )
        self.problem = (
            ""
            if self.available
            else ("cgroups are not writable (run as root for cpu and memory limits)")
        )

    def create(self, pod_uid: str, container_id: str, resources: LinuxResources) -> ContainerCgroup:
        if not self.available:
            return ContainerCgroup(procs_files=(), memory_dir=None)
        relative = Path(PARENT) / pod_uid / container_id
        if self.unified:
            self._enable_controllers(relative)
            directory = self.root / relative
            directory.mkdir(parents=True, exist_ok=True)
            if resources.memory_limit_bytes:
                _write(directory / "memory.max", str(resources.memory_limit_bytes))
                _write(directory / "memory.swap.max", "0", required=False)
            quota = str(resources.cpu_quota) if resources.cpu_quota else "max"
            _write(directory / "cpu.max", f"{quota} {resources.cpu_period}", required=False)
            _write(
                directory / "cpu.weight",
                str(_weight_from_shares(resources.cpu_shares)),
                required=False,
            )
            return ContainerCgroup(procs_files=(directory / "cgroup.procs",), memory_dir=directory)
        memory = self.root / "memory" / relative
        cpu = self.root / "cpu" / relative
        memory.mkdir(parents=True, exist_ok=True)
        cpu.mkdir(parents=True, exist_ok=True)
        if resources.memory_limit_bytes:
            _write(memory / "memory.limit_in_bytes", str(resources.memory_limit_bytes))
            _write(
                memory / "memory.memsw.limit_in_bytes",
                str(resources.memory_limit_bytes),
                required=False,
            )
        _write(cpu / "cpu.shares", str(resources.cpu_shares), required=False)
        _write(cpu / "cpu.cfs_period_us", str(resources.cpu_period), required=False)
        _write(
            cpu / "cpu.cfs_quota_us",
            str(resources.cpu_quota) if resources.cpu_quota else "-1",
            required=False,
        )
        return ContainerCgroup(
            procs_files=(memory / "cgroup.procs", cpu / "cgroup.procs"), memory_dir=memory
        )

    def _enable_controllers(self, relative: Path) -> None:
        current = self.root
        for part in relative.parts:
            control = current / "cgroup.subtree_control"
            with contextlib.suppress(OSError):
                control.write_text("+cpu +memory")
            current = current / part
            current.mkdir(exist_ok=True)

    def remove(self, pod_uid: str, container_id: str) -> None:
        if not self.available:
            return
        relative = Path(PARENT) / pod_uid / container_id
        hierarchies = [self.root] if self.unified else [self.root / "memory", self.root / "cpu"]
        for base in hierarchies:
            with contextlib.suppress(OSError):
                (base / relative).rmdir()
            with contextlib.suppress(OSError):
                (base / relative).parent.rmdir()


def _write(path: Path, value: str, *, required: bool = True) -> None:
    try:
        path.write_text(value)
    except OSError:
        if required:
            raise
