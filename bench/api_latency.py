"""The API under kubectl: `kubectl get pods` with many pods, and watch delivery latency.

Starts `tinykube serve` with its kubeconfig, stores N pods (default 1,000) bound to another
node — so they are listed, not run — each given a realistic Running status through the `status`
subresource, then measures:
- `kubectl get pods` wall time (process start to exit, table printed), median of R runs;
  peer, same run: `kubectl version --client` — kubectl's own start-up, the floor any server
  shares;
- watch latency: a watch open on the pods (unix socket), a status change PUT through the API,
  time until the watch delivers the MODIFIED event, median of R changes; peer, same run: a
  plain GET of the same pod (one API round trip).

Usage: python bench/api_latency.py [--pods 1000] [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from unix_http import UnixConnection

TINYKUBE = str(Path(sys.executable).with_name("tinykube"))
NAMESPACE_PODS = "/api/v1/namespaces/default/pods"


def call(connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
    payload = None if body is None else json.dumps(body).encode()
    connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pod(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"web-{index:04d}", "labels": {"app": "web"}},
        "spec": {
            "nodeName": "elsewhere",
            "initContainers": [{"name": "fetch", "image": "busybox", "command": ["true"]}],
            "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"]}],
        },
    }


def running_status(started: str, restarts: int = 0) -> dict[str, Any]:
    return {
        "phase": "Running",
        "hostIP": "127.0.0.1",
        "podIP": "127.0.0.1",
        "startTime": started,
        "conditions": [
            {"type": kind, "status": "True", "lastTransitionTime": started}
            for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
        ],
        "initContainerStatuses": [
            {
                "name": "fetch",
                "image": "busybox",
                "imageID": "",
                "ready": True,
                "restartCount": 0,
                "started": False,
                "state": {
                    "terminated": {
                        "exitCode": 0,
                        "reason": "Completed",
                        "startedAt": started,
                        "finishedAt": started,
                    }
                },
            }
        ],
        "containerStatuses": [
            {
                "name": "app",
                "image": "busybox",
                "imageID": "",
                "ready": True,
                "started": True,
                "restartCount": restarts,
                "state": {"running": {"startedAt": started}},
            }
        ],
    }


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def watch_latencies(sock: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from a status PUT being sent to its MODIFIED event arriving on a watch."""
    control = UnixConnection(sock)
    current = call(control, "GET", f"{NAMESPACE_PODS}/web-0000")
    watch = UnixConnection(sock)
    watch.request(
        "GET",
        f"{NAMESPACE_PODS}?watch=true&fieldSelector=metadata.name%3Dweb-0000"
        f"&resourceVersion={current['metadata']['resourceVersion']}",
    )
    stream = watch.getresponse()
    latencies: list[float] = []
    round_trips: list[float] = []
    started = current["status"]["startTime"]
    for restarts in range(1, runs + 1):
        body = {**current, "status": running_status(started, restarts)}
        sent = time.perf_counter()
        current = call(control, "PUT", f"{NAMESPACE_PODS}/web-0000/status", body)
        while True:
            line = stream.readline()
            event = json.loads(line)
            status = event["object"]["status"]["containerStatuses"][0]
            if event["type"] == "MODIFIED" and status["restartCount"] == restarts:
                latencies.append(time.perf_counter() - sent)
                break
        begin = time.perf_counter()
        call(control, "GET", f"{NAMESPACE_PODS}/web-0000")
        round_trips.append(time.perf_counter() - begin)
    watch.close()
    control.close()
    return latencies, round_trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="tinykube-api-"))
    data_dir, kubeconfig = base / "data", base / "kubeconfig"
    daemon = subprocess.Popen(
        [
            TINYKUBE,
            "serve",
            "--data-dir",
            str(data_dir),
            "--listen",
            f"127.0.0.1:{free_port()}",
            "--kubeconfig-out",
            str(kubeconfig),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not kubeconfig.exists():
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise SystemExit("the daemon did not start")
            time.sleep(0.05)
        sock = data_dir / "tinykube.sock"
        connection = UnixConnection(sock)
        started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for index in range(args.pods):
            created = call(connection, "POST", NAMESPACE_PODS, pod(index))
            created["status"] = running_status(started)
            call(connection, "PUT", f"{NAMESPACE_PODS}/web-{index:04d}/status", created)
        connection.close()

        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        get_pods = ["kubectl", "get", "pods"]
        client_only = ["kubectl", "version", "--client"]
        timed(get_pods, env)  # warm kubectl's discovery cache
        gets = [timed(get_pods, env) for _ in range(args.runs)]
        floors = [timed(client_only, env) for _ in range(args.runs)]
        latencies, round_trips = watch_latencies(sock, args.runs)
    finally:
        daemon.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            daemon.wait(timeout=30)

    get_ms, floor_ms = statistics.median(gets) * 1000, statistics.median(floors) * 1000
    watch_ms = statistics.median(latencies) * 1000
    trip_ms = statistics.median(round_trips) * 1000
    print(f"pods stored: {args.pods}; medians of {args.runs} runs")
    print(
        f"kubectl get pods: {get_ms:.0f} ms "
        f"(peer, kubectl version --client: {floor_ms:.0f} ms, ratio {get_ms / floor_ms:.1f})"
    )
    print(
        f"watch delivers a status change: {watch_ms:.2f} ms "
        f"(peer, GET of the pod: {trip_ms:.2f} ms, ratio {watch_ms / trip_ms:.1f})"
    )


if __name__ == "__main__":
    main()
