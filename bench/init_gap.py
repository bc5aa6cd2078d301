"""Init-container hand-over and pod start latency of `tinykube run` (process or CRI runtime).

Measures, over several runs of a pod with N trivial init containers (`true`) and one app
container that sleeps:
- the gap between one init container's exit and the next one's start (monitor timestamps,
  nanosecond precision, from the runtime's state files; with `--runtime cri`, containerd's
  exit time and its start stamp, taken when runc's start returns);
- the time from `PodRun.run()` being called (interpreter start and manifest parsing excluded)
  to the app container running.
Peer measured in the same run: `subprocess.run(["true"])` — starting a bare process and seeing
it exit, with no isolation, no monitor and no bookkeeping: the floor of any hand-over.
The kubelet's figure (up to ~1 s per hand-over from its 1 s PLEG relist) is a reference only.

Usage: python bench/init_gap.py [--runs N] [--inits N] [--runtime process|cri]   (as root)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tinykube import bootstrap
from tinykube.api import admission
from tinykube.runtime.process import monitor


def _pod(inits: int) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bench"},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "initContainers": [
                {"name": f"init-{i}", "image": "busybox:1.35", "command": ["true"]}
                for i in range(inits)
            ],
            "containers": [{"name": "app", "image": "busybox:1.35", "command": ["sleep", "0.2"]}],
        },
    }


def _records(state_dir: Path) -> dict[str, tuple[datetime.datetime, datetime.datetime | None]]:
    """Container name -> (started_at, finished_at) from the monitors' state files."""
    found: dict[str, tuple[datetime.datetime, datetime.datetime | None]] = {}
    for directory in (state_dir / "runtime" / "containers").iterdir():
        config = json.loads((directory / "config.json").read_text())
        state = monitor.read_state(directory / "state")
        if state.started is None:
            continue
        finished = state.exit.finished_at if state.exit is not None else None
        found[config["name"]] = (state.started.started_at, finished)
    return found


async def _cri_records(
    owner: str, uid: str
) -> dict[str, tuple[datetime.datetime, datetime.datetime | None]]:
    """Container name -> (started_at, finished_at) as containerd reports them; then removes
    the pod's sandbox."""
    from tinykube.core.ids import PodUID
    from tinykube.runtime.cri.runtime import CriRuntime

    with tempfile.TemporaryDirectory(prefix="tinykube-bench-cri-") as tmp:
        runtime = CriRuntime(state_dir=Path(tmp), owner=owner)
        await runtime.open()
        snapshot = await runtime.pod_snapshot(PodUID(uid))
        found = {
            c.name: (c.started_at, c.finished_at)
            for c in snapshot.containers
            if c.started_at is not None
        }
        for sandbox in snapshot.sandboxes:
            await runtime.remove_pod_sandbox(sandbox.id)
        await runtime.close()
    return found


async def _one_run(inits: int, runtime: str) -> tuple[list[float], float]:
    with tempfile.TemporaryDirectory(prefix="tinykube-bench-") as tmp:
        state_dir = Path(tmp)
        owner = f"bench-{Path(tmp).name}"
        pod_run = bootstrap.PodRun(
            settings=bootstrap.RunSettings(
                state_dir=state_dir, cleanup=False, runtime=runtime, cri_owner=owner
            )
        )
        (pod,) = pod_run.load([admission.admit(_pod(inits)).obj])
        called = datetime.datetime.now(datetime.UTC)
        await pod_run.run(stop=asyncio.Event())
        if runtime == "cri":
            records = await _cri_records(owner, pod.metadata.uid)
            bootstrap.remove_runtime_dir(state_dir)
        else:
            records = _records(state_dir)
            await _remove(state_dir)
        gaps = []
        for index in range(1, inits):
            previous_end = records[f"init-{index - 1}"][1]
            assert previous_end is not None
            gaps.append((records[f"init-{index}"][0] - previous_end).total_seconds() * 1000)
        last_init_end = records[f"init-{inits - 1}"][1]
        assert last_init_end is not None
        gaps.append((records["app"][0] - last_init_end).total_seconds() * 1000)
        to_app = (records["app"][0] - called).total_seconds() * 1000
        return gaps, to_app


async def _remove(state_dir: Path) -> None:
    from tinykube.runtime.process.runtime import ProcessRuntime

    runtime = ProcessRuntime(state_dir / "runtime")
    await runtime.open()
    for uid in await runtime.list_pods():
        await bootstrap.cleanup_pod(runtime, state_dir, uid)
    await runtime.close()
    bootstrap.remove_runtime_dir(state_dir)


def _peer(inits: int) -> list[float]:
    """Milliseconds to start a bare `true` and see it exit, once per hand-over."""
    costs = []
    for _ in range(inits):
        start = time.perf_counter()
        subprocess.run(["true"], check=True)
        costs.append((time.perf_counter() - start) * 1000)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--inits", type=int, default=3)
    parser.add_argument("--runtime", choices=("process", "cri"), default="process")
    args = parser.parse_args()
    gaps: list[float] = []
    to_app: list[float] = []
    peer_gaps: list[float] = []
    for _ in range(args.runs):
        run_gaps, run_to_app = asyncio.run(_one_run(args.inits, args.runtime))
        gaps.extend(run_gaps)
        to_app.append(run_to_app)
        peer_gaps.extend(_peer(args.inits))
    median_gap = statistics.median(gaps)
    median_peer = statistics.median(peer_gaps)
    print(
        json.dumps(
            {
                "runtime": args.runtime,
                "runs": args.runs,
                "init_containers": args.inits,
                "tinykube_init_gap_ms_median": round(median_gap, 2),
                "tinykube_run_to_app_running_ms_median": round(statistics.median(to_app), 1),
                "peer_bare_process_start_and_exit_ms_median": round(median_peer, 2),
                "ratio_gap_tinykube_over_bare_process": round(median_gap / median_peer, 1),
                "kubelet_reference_gap_ms": "up to 1000 (1 s PLEG relist; not measured here)",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
