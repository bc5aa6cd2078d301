"""Many pods on one daemon: time to all-Running, steady-state cost, and re-adoption after kill -9.

Starts `tinykube serve` on a fresh data dir (unix socket only), submits N pods (2 trivial init
containers + 1 app that sleeps) through the API, and measures:
- submit → every pod Running with its app ready (polling the pod list every 250 ms);
- the daemon's CPU use while idle (utime+stime over a window, % of one core) and its RSS;
- the private memory (Private_Clean + Private_Dirty) of all of tinykube's processes: the daemon,
  the per-container monitors and the per-pod sandbox holders (not the containers);
- after `kill -9` of the daemon and a restart: the time until its API answers, and until it
  reports every pod adopted (its "adopted N pods" log line: every pod synced against the
  runtime), both from the launch of the new process, then that no container restarted
  (same container IDs, restart counts 0).
Peer, same run: the same number of "pods" as bare processes (`true`, `true`, then `sleep`
in the background) started by this script with no isolation and no bookkeeping.

Usage: python bench/daemon_scale.py [--pods 500] [--idle-window 20]   (as root)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from unix_http import UnixConnection

TINYKUBE = str(Path(sys.executable).with_name("tinykube"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Api:
    def __init__(self, path: Path) -> None:
        self.connection = UnixConnection(path)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = None if body is None else json.dumps(body).encode()
        self.connection.request(
            method, path, body=payload, headers={"Content-Type": "application/json"}
        )
        response = self.connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None

    def close(self) -> None:
        self.connection.close()


def pod(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"p{index:04d}"},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "initContainers": [
                {"name": "init-1", "image": "busybox", "command": ["true"]},
                {"name": "init-2", "image": "busybox", "command": ["true"]},
            ],
            "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"]}],
        },
    }


def listen_off() -> list[str]:
    text = subprocess.run(
        [TINYKUBE, "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    return ["--listen", "none"] if "none" in text else []


def start_daemon(data_dir: Path, log_path: Path, pods: int) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    process = subprocess.Popen(
        [
            TINYKUBE,
            "serve",
            "--data-dir",
            str(data_dir),
            *listen_off(),
            "--max-pods",
            str(max(110, pods)),
        ],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    return process


def wait_answering(sock: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        api = Api(sock)
        try:
            status, _ = api.call("GET", "/api/v1/namespaces/default/pods?limit=1")
            if status == 200:
                return
        except OSError:
            pass
        finally:
            api.close()
        time.sleep(0.01)
    raise SystemExit("the daemon did not answer in time")


def running(items: list[dict[str, Any]]) -> int:
    count = 0
    for item in items:
        statuses = item.get("status", {}).get("containerStatuses", [])
        if item.get("status", {}).get("phase") == "Running" and statuses and statuses[0]["ready"]:
            count += 1
    return count


def container_ids(items: list[dict[str, Any]]) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    for item in items:
        for status in item.get("status", {}).get("containerStatuses", []):
            key = f"{item['metadata']['name']}/{status['name']}"
            found[key] = (status.get("containerID", ""), status["restartCount"])
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def private_bytes(pid: int) -> int:
    total = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("Private_Clean", "Private_Dirty", "Private_Hugetlb"):
                total += int(value.split()[0]) * 1024
    return total


def tinykube_pids(runtime: Path) -> list[int]:
    """The monitors and sandbox holders (not the containers) of a data dir's runtime."""
    pids: list[int] = []
    for path in runtime.glob("containers/*/state/monitor.pid"):
        with contextlib.suppress(OSError, ValueError):
            pids.append(int(path.read_text()))
    for started in runtime.glob("sandboxes/*/holder/started"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            fields = dict(line.split("=", 1) for line in started.read_text().splitlines())
            pids.append(int(fields["pid"]))
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def kill_everything(runtime: Path) -> None:
    for started in [
        *runtime.glob("containers/*/state/started"),
        *runtime.glob("sandboxes/*/holder/started"),
    ]:
        with contextlib.suppress(OSError, ValueError, KeyError):
            fields = dict(line.split("=", 1) for line in started.read_text().splitlines())
            os.kill(int(fields["pid"]), signal.SIGKILL)


def peer_seconds(count: int) -> float:
    """Bare processes: `true`, `true`, then a background `sleep`, per pod."""
    sleepers: list[subprocess.Popen[bytes]] = []
    start = time.perf_counter()
    for _ in range(count):
        subprocess.run(["true"], check=True)
        subprocess.run(["true"], check=True)
        sleepers.append(subprocess.Popen(["sleep", "3600"]))
    elapsed = time.perf_counter() - start
    for sleeper in sleepers:
        sleeper.kill()
        sleeper.wait()
    return elapsed


def adopted_seconds(log_path: Path, offset: int, launched: float, deadline: float) -> float | None:
    """Seconds from the daemon's launch (wall clock `launched`) to its "adopted N pods" line."""
    pattern = re.compile(rb"^(\S+ \S+) \S+ \S+: adopted (\d+) pods in", re.MULTILINE)
    while time.monotonic() < deadline:
        with log_path.open("rb") as log:
            log.seek(offset)
            match = pattern.search(log.read())
        if match:
            stamp = datetime.datetime.strptime(match.group(1).decode(), "%Y-%m-%d %H:%M:%S,%f")
            return stamp.timestamp() - launched
        time.sleep(0.05)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=500)
    parser.add_argument("--idle-window", type=float, default=20.0)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="tinykube-scale-"))
    data_dir, log_path = base / "data", base / "daemon.log"
    sock = data_dir / "tinykube.sock"
    daemon = start_daemon(data_dir, log_path, args.pods)
    runtime = data_dir / "runtime"
    try:
        wait_answering(sock, time.monotonic() + 30)
        api = Api(sock)
        start = time.perf_counter()
        for index in range(args.pods):
            status, body = api.call("POST", "/api/v1/namespaces/default/pods", pod(index))
            if status != 201:
                raise SystemExit(f"create failed: {status} {body}")
        submitted = time.perf_counter() - start
        deadline = time.monotonic() + 900
        while True:
            _, body = api.call("GET", "/api/v1/namespaces/default/pods")
            if running(body["items"]) == args.pods:
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"only {running(body['items'])} pods Running after 900 s")
            time.sleep(0.25)
        all_running = time.perf_counter() - start
        before = container_ids(body["items"])
        api.close()

        time.sleep(5)  # let start-up work (event flushes, status writes) settle
        cpu_start, wall_start = cpu_seconds(daemon.pid), time.monotonic()
        time.sleep(args.idle_window)
        idle_cpu = (cpu_seconds(daemon.pid) - cpu_start) / (time.monotonic() - wall_start)
        rss = rss_bytes(daemon.pid)
        helpers = tinykube_pids(runtime)
        private_total = private_bytes(daemon.pid) + sum(private_bytes(pid) for pid in helpers)

        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
        offset = log_path.stat().st_size
        restart, launched = time.monotonic(), time.time()
        daemon = start_daemon(data_dir, log_path, args.pods)
        wait_answering(sock, restart + 60)
        answering = time.monotonic() - restart
        adopted = adopted_seconds(log_path, offset, launched, restart + 60)
        time.sleep(2)
        api = Api(sock)
        _, body = api.call("GET", "/api/v1/namespaces/default/pods")
        api.close()
        after = container_ids(body["items"])
        restarted = sorted(k for k, v in before.items() if after.get(k) != v)
    finally:
        daemon.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            daemon.wait(timeout=30)
        kill_everything(runtime)

    peer = peer_seconds(args.pods)
    mib = 1024 * 1024
    print(f"pods: {args.pods} (2 init containers + 1 sleeping app each)")
    print(f"submit {args.pods} pods through the API: {submitted:.2f} s")
    print(
        f"submit -> all Running: {all_running:.2f} s "
        f"(peer, bare processes: {peer:.2f} s, ratio {all_running / peer:.1f})"
    )
    print(f"idle daemon CPU: {idle_cpu * 100:.2f} % of one core over {args.idle_window:.0f} s")
    print(f"daemon RSS: {rss / mib:.1f} MiB")
    print(
        f"private memory, daemon + {len(helpers)} monitors/holders: {private_total / mib:.1f} MiB"
    )
    print(f"restart after kill -9: API answers in {answering:.2f} s", end="")
    print(f", every pod adopted {adopted:.2f} s after launch" if adopted is not None else "")
    print(f"containers restarted by the restart: {len(restarted)} {restarted[:5]}")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
