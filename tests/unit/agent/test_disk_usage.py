"""`disk_usage.measure` against `du -x -s -B1` (what the kubelet's `fs.DiskUsage` runs), and the
emptyDir watcher that turns measurements into an eviction."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.core.builders import make_pod
from tinykube.agent import disk_usage, volumes

Layout = Callable[[Path], None]


def _empty(root: Path) -> None:
    root.mkdir()


def _files(root: Path) -> None:
    root.mkdir()
    (root / "small").write_bytes(b"x")
    (root / "big").write_bytes(os.urandom(200 * 1024))


def _nested(root: Path) -> None:
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "a" / "one").write_bytes(os.urandom(10_000))
    (root / "a" / "b" / "c" / "two").write_bytes(os.urandom(70_000))


def _sparse(root: Path) -> None:
    root.mkdir()
    with open(root / "sparse", "wb") as handle:
        handle.seek(50 * 1024 * 1024)
        handle.write(b"end")


def _hard_link(root: Path) -> None:
    root.mkdir()
    (root / "data").write_bytes(os.urandom(64 * 1024))
    os.link(root / "data", root / "again")


def _symlink_out(root: Path) -> None:
    root.mkdir()
    outside = root.parent / "outside"
    outside.write_bytes(os.urandom(128 * 1024))
    (root / "link").symlink_to(outside)
    (root / "dir-link").symlink_to(root.parent)


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(_empty, id="empty-directory"),
        pytest.param(_files, id="files"),
        pytest.param(_nested, id="nested-directories"),
        pytest.param(_sparse, id="sparse-file-counts-allocated-blocks"),
        pytest.param(_hard_link, id="hard-link-counted-once"),
        pytest.param(_symlink_out, id="symlinks-not-followed"),
    ],
)
def test_measure_matches_du(tmp_path: Path, layout: Layout) -> None:
    root = tmp_path / "volume"
    layout(root)
    du = subprocess.run(
        ["du", "-x", "-s", "-B1", str(root)], capture_output=True, text=True, check=True
    )
    assert disk_usage.measure(root) == int(du.stdout.split()[0])


def test_measure_of_a_missing_directory_is_none(tmp_path: Path) -> None:
    assert disk_usage.measure(tmp_path / "gone") is None
    assert disk_usage.measure_all({"gone": tmp_path / "gone"}) == {}


async def test_watcher_reports_the_volume_over_its_limit(tmp_path: Path) -> None:
    pod = make_pod(volumes=[{"name": "data", "emptyDir": {"sizeLimit": "64Ki"}}])
    path = volumes.volume_path(tmp_path, pod.metadata.uid, pod.spec.volumes[0])
    path.mkdir(parents=True)
    (path / "blob").write_bytes(os.urandom(128 * 1024))
    verdicts: list[str] = []
    async with asyncio.timeout(10):
        await disk_usage.watch_empty_dirs(
            pod,
            pods_dir=tmp_path,
            memory_is_tmpfs=True,
            period=0.01,
            on_eviction=verdicts.append,
        )
    assert verdicts == ['Usage of EmptyDir volume "data" exceeds the limit "64Ki". ']


async def test_watcher_of_a_pod_without_limits_returns_at_once(tmp_path: Path) -> None:
    pod = make_pod(volumes=[{"name": "data", "emptyDir": {}}])
    verdicts: list[str] = []
    async with asyncio.timeout(10):
        await disk_usage.watch_empty_dirs(
            pod, pods_dir=tmp_path, memory_is_tmpfs=True, period=3600, on_eviction=verdicts.append
        )
    assert verdicts == []
