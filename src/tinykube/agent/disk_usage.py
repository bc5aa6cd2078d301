"""Measuring emptyDir volumes for the eviction manager's sizeLimit check.

`measure` counts what `du -x -s -B1` counts (the kubelet's `fs.DiskUsage`): the blocks allocated
to the directory and everything under it, each inode once, without following symlinks or
crossing into other filesystems. `watch_empty_dirs` measures the volumes of one pod that have a
sizeLimit, in a worker thread every `period` seconds, and reports the eviction message once one
is over its limit (`core.eviction.compute_eviction` decides); a pod without such volumes is
never measured.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from tinykube.agent import volumes
from tinykube.api.pod import Pod
from tinykube.core import eviction

_BLOCK = 512  # st_blocks counts 512-byte units


def measure(path: Path) -> int | None:
    """Bytes allocated under `path` (itself included), as `du -x -s -B1`; None if it is gone.

    Blocking: run it in a thread. Entries that vanish or cannot be read while walking are
    skipped, as du reports and skips them.
    """
    try:
        root = os.lstat(path)
    except OSError:
        return None
    total = root.st_blocks * _BLOCK
    seen: set[tuple[int, int]] = set()
    pending = [os.fspath(path)] if stat.S_ISDIR(root.st_mode) else []
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if info.st_dev != root.st_dev:
                        continue  # another filesystem mounted here: -x leaves it out
                    if info.st_nlink > 1:
                        key = (info.st_dev, info.st_ino)
                        if key in seen:
                            continue  # a hard link to an inode already counted
                        seen.add(key)
                    total += info.st_blocks * _BLOCK
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(entry.path)
        except OSError:
            continue
    return total


def measure_all(paths: Mapping[str, Path]) -> dict[str, int]:
    """`measure` of each named path; paths that do not exist (yet) are left out."""
    usage: dict[str, int] = {}
    for name, path in paths.items():
        used = measure(path)
        if used is not None:
            usage[name] = used
    return usage


async def watch_empty_dirs(
    pod: Pod,
    *,
    pods_dir: Path,
    memory_is_tmpfs: bool,
    period: float,
    on_eviction: Callable[[str], None],
) -> None:
    """Measure the pod's emptyDirs that have a sizeLimit every `period` seconds until one is
    over its limit; then call `on_eviction` with the eviction message and return.

    Returns at once when the pod has no such volume. Runs until cancelled otherwise.
    """
    limited = {
        volume.name for volume in eviction.limited_empty_dirs(pod, memory_is_tmpfs=memory_is_tmpfs)
    }
    paths = {
        volume.name: volumes.volume_path(pods_dir, pod.metadata.uid, volume)
        for volume in pod.spec.volumes
        if volume.name in limited
    }
    if not paths:
        return
    while True:
        await asyncio.sleep(period)
        usage = await asyncio.to_thread(measure_all, paths)
        message = eviction.compute_eviction(pod, usage)
        if message is not None:
            on_eviction(message)
            return
