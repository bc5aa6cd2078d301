"""The floor of an init-container hand-over through containerd on this machine, next to
`tinykube run --runtime cri`, on the manifest of bench/cri_vs_podman.py.

The floor is tinykube's CRI adapter driven by a straight-line script: no agent, no decisions, no
status, no events; the sandbox, then every container created before the first one starts; then
each container started as soon as containerd's exit event for the one before arrives. What is
left of its hand-over gap is containerd and runc: the exit reaching the event stream, then
StartContainer (the shim, `runc create`, `runc start`) and the shell's start in the container.
The two are run in turn, run by run, so that both meet the same machine; tinykube's own share of
a hand-over is the difference of the medians.

Usage (as root, after `scripts/cri-env.sh up`):
    .venv/bin/python bench/cri_floor.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))

import cri_vs_podman as peer  # the same manifest, stamps and `tinykube run`

from tinykube import bootstrap
from tinykube.agent import containers, volumes
from tinykube.api.pod import Pod
from tinykube.api.wire import from_wire
from tinykube.core import environment
from tinykube.core.ids import PodUID
from tinykube.runtime import contract
from tinykube.runtime.cri.endpoint import DEFAULT_ENDPOINT
from tinykube.runtime.cri.runtime import CriRuntime


async def _floor_run() -> peer.Run:
    peer.reset_stamps()
    with tempfile.TemporaryDirectory(prefix="tinykube-floor-") as directory:
        state = Path(directory)
        runtime = CriRuntime(
            DEFAULT_ENDPOINT, state_dir=state / "cri", owner=f"floor-{uuid.uuid4().hex[:12]}"
        )
        await runtime.open()
        now = datetime.datetime.now(datetime.UTC)
        raw = yaml.load(peer.MANIFEST.read_text(), Loader=yaml.CSafeLoader)
        pod = bootstrap.schedule(from_wire(raw, Pod), node=bootstrap.node_name(), now=now)
        sources = environment.EnvSources(config_maps={}, secrets={})
        prepared = volumes.prepare_volumes(
            pod, pods_dir=state / "pods", sources=sources, now=now, can_mount=True
        )
        logs = state / "logs"
        logs.mkdir()
        try:
            submitted = datetime.datetime.now(datetime.UTC).timestamp()
            sandbox = await runtime.run_pod_sandbox(
                containers.sandbox_config(pod, logs_dir=logs, attempt=0)
            )
            ids = [
                await runtime.create_container(
                    sandbox,
                    containers.build_container_config(
                        pod, spec, attempt=0, volumes=prepared, sources=sources, logs_dir=logs
                    ),
                )
                for spec in (*pod.spec.init_containers, *pod.spec.containers)
            ]
            events = aiter(runtime.events())
            for index, container_id in enumerate(ids):
                await runtime.start_container(container_id)
                if index + 1 == len(ids):
                    break
                while True:
                    event = await anext(events)
                    if (
                        event.kind is contract.EventKind.EXITED
                        and event.container_id == container_id
                    ):
                        break
            return peer.measure(submitted)
        finally:
            await bootstrap.cleanup_pod(runtime, state, PodUID(pod.metadata.uid))
            await runtime.close()


def _summary(runs: list[peer.Run]) -> dict[str, float]:
    summary = {
        "handover_gap_ms_median": round(
            statistics.median(g for run in runs for g in run.gaps_ms), 1
        )
    }
    for index, (previous, current) in enumerate(itertools.pairwise(peer.SEQUENCE)):
        gaps = [run.gaps_ms[index] for run in runs]
        summary[f"{previous}->{current}_ms_median"] = round(statistics.median(gaps), 1)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    peer.compile_package()
    floor: list[peer.Run] = []
    tinykube: list[peer.Run] = []
    asyncio.run(_floor_run())  # warm-up
    for index in range(args.runs):
        floor.append(asyncio.run(_floor_run()))
        tinykube.append(peer.tinykube_run())
        print(
            f"run {index + 1}: floor gaps {[round(g, 1) for g in floor[-1].gaps_ms]} ms, "
            f"tinykube gaps {[round(g, 1) for g in tinykube[-1].gaps_ms]} ms",
            file=sys.stderr,
        )
    floor_summary, tinykube_summary = _summary(floor), _summary(tinykube)
    share = tinykube_summary["handover_gap_ms_median"] - floor_summary["handover_gap_ms_median"]
    report = {
        "runs": args.runs,
        "floor_adapter_only": floor_summary,
        "tinykube_run_runtime_cri": tinykube_summary,
        "tinykube_share_of_a_handover_ms": round(share, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
