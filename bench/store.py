"""The stores under load: create, status write, list and watch latency, MemoryStore vs SqliteStore.

Every pod is the admitted (defaulted) pod of `pod-3-init.yaml` under a new name, as the API
server would store it. Figures are medians:

- create: one `create()` of a pod (SQLite: one committed transaction);
- status: one `update_status()` that changes the phase (change-only writes that change nothing
  are cheaper still);
- list 1000: `list("Pod", ns)` over 1,000 pods, with and without a label selector, and a
  first page of 500 (what kubectl asks for); for SQLite also "cold", the first list after
  opening the file (nothing decoded yet: SqliteStore caches decoded objects);
- watch latency: from the start of a write to the moment a watcher waiting in `anext()` holds
  the event (in-process fan-out, one watcher and ten watchers).

Usage: python bench/store.py [--pods N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

from tinykube.api import admission, manifests
from tinykube.api.pod import Pod
from tinykube.api.status import PodStatus
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore

POD_FILE = Path(__file__).with_name("pod-3-init.yaml")


def _template() -> Pod:
    (raw,) = manifests.parse_documents(POD_FILE.read_text(), source=POD_FILE.name)
    obj = admission.admit(raw.raw).obj
    assert isinstance(obj, Pod)
    return obj


def _named(template: Pod, name: str, index: int) -> Pod:
    labels = {"app": "bench", "shard": str(index % 10)}
    meta = msgspec.structs.replace(template.metadata, name=name, labels=labels, uid="")
    return msgspec.structs.replace(template, metadata=meta)


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e3, 4)


def _timed(function: Any, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return _median_ms(samples)


async def _watch_latency(store: Any, template: Pod, *, watchers: int, rounds: int) -> float:
    prefix = f"w{watchers}-"
    streams = [
        store.watch("Pod", "latency", resource_version=store.current_resource_version())
        for _ in range(watchers)
    ]
    samples = []
    for index in range(rounds):
        waiting = [asyncio.ensure_future(anext(stream)) for stream in streams]
        await asyncio.sleep(0)  # every watcher is now parked on its wakeup
        start = time.perf_counter()
        store.create(_named(template, f"{prefix}{index:05}", index))
        await asyncio.gather(*waiting)
        samples.append(time.perf_counter() - start)
    for stream in streams:
        stream.close()
    return _median_ms(samples)


def measure(store: Any, template: Pod, *, pods: int, rounds: int) -> dict[str, float]:
    in_ns = msgspec.structs.replace(
        template, metadata=msgspec.structs.replace(template.metadata, namespace="bench")
    )
    creates = []
    for index in range(pods):
        obj = _named(in_ns, f"p{index:05}", index)
        start = time.perf_counter()
        store.create(obj)
        creates.append(time.perf_counter() - start)
    phases = ["Running", "Pending"]
    counter = iter(range(10**9))

    def status_write() -> None:
        index = next(counter)
        store.update_status(
            "Pod", "bench", f"p{index % pods:05}", PodStatus(phase=phases[index // pods % 2])
        )

    latency_template = msgspec.structs.replace(
        template, metadata=msgspec.structs.replace(template.metadata, namespace="latency")
    )
    return {
        "create_ms": _median_ms(creates),
        "update_status_ms": _timed(status_write, rounds * 10),
        "get_ms": _timed(lambda: store.get("Pod", "bench", "p00007"), rounds * 10),
        f"list_{pods}_ms": _timed(lambda: store.list("Pod", "bench"), rounds),
        f"list_{pods}_selector_ms": _timed(
            lambda: store.list("Pod", "bench", label_selector="shard in (1,2)"), rounds
        ),
        "list_first_page_500_ms": _timed(lambda: store.list("Pod", "bench", limit=500), rounds),
        "watch_latency_1_watcher_ms": asyncio.run(
            _watch_latency(store, latency_template, watchers=1, rounds=rounds * 5)
        ),
        "watch_latency_10_watchers_ms": asyncio.run(
            _watch_latency(store, latency_template, watchers=10, rounds=rounds * 5)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    template = _template()
    results: dict[str, dict[str, float]] = {}
    memory = MemoryStore()
    results["memory"] = measure(memory, template, pods=args.pods, rounds=args.rounds)
    memory.close()
    with tempfile.TemporaryDirectory() as directory:
        sqlite = SqliteStore(Path(directory))
        results["sqlite"] = measure(sqlite, template, pods=args.pods, rounds=args.rounds)
        sqlite.close()
        cold = []
        for _ in range(5):  # a fresh process' first list: every object decoded from its JSON
            reopened = SqliteStore(Path(directory))
            start = time.perf_counter()
            reopened.list("Pod", "bench")
            cold.append(time.perf_counter() - start)
            reopened.close()
        results["sqlite"][f"list_{args.pods}_cold_ms"] = _median_ms(cold)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
