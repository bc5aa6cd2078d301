"""Pod start and init-container hand-over through containerd's CRI: `tinykube run --runtime cri`
against `podman kube play`, on the same manifest (bench/pod-cri-3-init.yaml: three trivial init
containers, then an app running `sleep 3600`, image 127.0.0.1:5000/busybox:1.35, host network).

Observable, the same for both: every container appends `<name> start|end <unix time, µs>` to a
hostPath file (kernel clock read inside the container). Per run:
- submit -> app running: from just before the command is spawned to the app's own `start` stamp;
- init hand-over gap: from one container's `end` stamp to the next one's `start` stamp
  (init-0 -> init-1 -> init-2 -> app), i.e. exit seen, next container created and started.
Also reported: when `podman kube play` returned and podman's own `State.StartedAt` of the app;
for tinykube, when its `--events` output showed the app's `Started` event.
Between runs the pod is removed (`podman kube down`; Ctrl-C for `tinykube run`, which deletes it).
The two peers run in turn, run by run, so that a drift of the machine's speed meets both, and
each run starts once the previous one's clean-up processes are gone.

Usage (as root, after `scripts/cri-env.sh up` and `scripts/cri-env.sh podman`):
    .venv/bin/python bench/cri_vs_podman.py [--runs N] [--warmup N]
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import itertools
import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = Path(__file__).with_name("pod-cri-3-init.yaml")
STAMPS = Path("/tmp/tinykube-bench-cri/times")  # the manifest's hostPath, file `times`
IMAGE = "127.0.0.1:5000/busybox:1.35"
POD = "bench-cri"
SEQUENCE = ["init-0", "init-1", "init-2", "app"]
TINYKUBE = Path(sys.executable).with_name("tinykube")
SOURCES = Path(__file__).resolve().parents[1] / "src"
DEADLINE = 60.0


@dataclass
class Run:
    """One pod start, in milliseconds from submit."""

    to_app_ms: float
    gaps_ms: list[float]
    extra_ms: dict[str, float] = field(default_factory=dict)


def _stamps() -> dict[str, float]:
    found: dict[str, float] = {}
    if STAMPS.exists():
        for line in STAMPS.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3:
                found[f"{parts[0]} {parts[1]}"] = float(parts[2])
    return found


def _wait_for(condition: Callable[[], bool], what: str, interval: float = 0.005) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {DEADLINE:.0f}s waiting for {what}")
        time.sleep(interval)


def measure(submitted: float) -> Run:
    """Wait for the app's start stamp; derive submit -> app and the hand-over gaps."""
    _wait_for(lambda: "app start" in _stamps(), "the app container's start stamp")
    stamps = _stamps()
    gaps = [
        (stamps[f"{current} start"] - stamps[f"{previous} end"]) * 1000
        for previous, current in itertools.pairwise(SEQUENCE)
    ]
    return Run(to_app_ms=(stamps["app start"] - submitted) * 1000, gaps_ms=gaps)


def _settle() -> None:
    """Wait until the previous run's clean-up is over: `podman kube down` returns while its
    conmon monitors still exit (~1.5 s), and the next run would meet them on the CPU."""

    def busy() -> bool:
        for stat in Path("/proc").glob("[0-9]*/comm"):
            try:
                if stat.read_text().strip() in {"conmon", "runc", "podman"}:
                    return True
            except OSError:
                continue
        return False

    _wait_for(lambda: not busy(), "the previous run's clean-up", 0.05)


def compile_package() -> None:
    """Byte-compile tinykube, as scripts/setup leaves it: under PYTHONDONTWRITEBYTECODE, each
    module edited since would be compiled again by every `tinykube run` (~8 ms a module)."""
    compileall.compile_dir(SOURCES, quiet=1)


def reset_stamps() -> None:
    STAMPS.parent.mkdir(parents=True, exist_ok=True)
    STAMPS.unlink(missing_ok=True)


# ---- podman


def _podman(*args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["podman", *args], check=False, capture_output=True, text=True, timeout=DEADLINE
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def _podman_started_at(container: str) -> float:
    """podman's record of the container's start, e.g. `2026-11-27 09:50:47.402068672 +0000 UTC`."""
    text = _podman("inspect", container, "--format", "{{.State.StartedAt}}").strip()
    match = re.fullmatch(r"(\S+ \d+:\d+:\d+)(?:\.(\d+))? ([+-]\d{4}) \S+", text)
    if match is None:
        raise RuntimeError(f"unexpected StartedAt from podman: {text!r}")
    whole = datetime.datetime.strptime(f"{match[1]} {match[3]}", "%Y-%m-%d %H:%M:%S %z")
    return whole.timestamp() + float(f"0.{match[2] or 0}")


def podman_run() -> Run:
    reset_stamps()
    submitted = time.time()
    _podman("kube", "play", str(MANIFEST))
    returned = time.time()
    run = measure(submitted)
    run.extra_ms["kube_play_returned"] = (returned - submitted) * 1000
    run.extra_ms["app_StartedAt"] = (_podman_started_at(f"{POD}-app") - submitted) * 1000
    start = time.monotonic()
    _podman("kube", "down", str(MANIFEST))
    run.extra_ms["kube_down"] = (time.monotonic() - start) * 1000
    return run


def podman_prepare() -> None:
    _podman("pod", "rm", "-f", POD, check=False)
    _podman("pull", "-q", IMAGE)


# ---- tinykube


def tinykube_has_cri() -> bool:
    done = subprocess.run(
        [str(TINYKUBE), "run", "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    choices = re.search(r"--runtime \{([^}]*)\}", done.stdout)
    return done.returncode == 0 and choices is not None and "cri" in choices[1].split(",")


def tinykube_run() -> Run:
    reset_stamps()
    app_started_event: list[float] = []
    submitted = time.time()
    process = subprocess.Popen(
        [str(TINYKUBE), "run", "-f", str(MANIFEST), "--runtime", "cri", "--events"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    stderr = process.stderr
    lines: list[str] = []

    def read_events() -> None:
        for line in stderr:
            lines.append(line)
            if "spec.containers{app}" in line and "Started:" in line:
                app_started_event.append(time.time())

    reader = threading.Thread(target=read_events, daemon=True)
    reader.start()
    try:
        _wait_for(
            lambda: "app start" in _stamps() or process.poll() is not None,
            "the app container's start stamp",
        )
        if process.poll() is not None:
            reader.join(5)
            raise RuntimeError("tinykube run exited early:\n" + "".join(lines[-20:]))
        run = measure(submitted)
        _wait_for(lambda: bool(app_started_event), "the app's Started event", 0.01)
        run.extra_ms["started_event_seen"] = (app_started_event[0] - submitted) * 1000
    finally:
        start = time.monotonic()
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(
                "tinykube run did not stop within the deadline after Ctrl-C"
            ) from None
        reader.join(5)
    run.extra_ms["ctrl_c_to_exit"] = (time.monotonic() - start) * 1000
    return run


# ---- report


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def _summary(runs: list[Run]) -> dict[str, object]:
    gaps = [gap for run in runs for gap in run.gaps_ms]
    summary: dict[str, object] = {
        "submit_to_app_running_ms_median": _median([run.to_app_ms for run in runs]),
        "submit_to_app_running_ms_min_max": [
            round(min(run.to_app_ms for run in runs), 1),
            round(max(run.to_app_ms for run in runs), 1),
        ],
        "handover_gap_ms_median": _median(gaps),
        "handover_gap_ms_median_per_step": {
            f"{previous}->{current}": _median([run.gaps_ms[index] for run in runs])
            for index, (previous, current) in enumerate(itertools.pairwise(SEQUENCE))
        },
    }
    for key in runs[0].extra_ms:
        summary[f"{key}_ms_median"] = _median([run.extra_ms[key] for run in runs])
    return summary


def _interleaved(
    peers: dict[str, Callable[[], Run]], runs: int, warmup: int
) -> dict[str, list[Run]]:
    """Run the peers in turn (A, B, A, B...), so that both meet the same machine: on a shared
    VM the CPU's speed drifts over minutes, and two series one after the other would compare
    different machines."""
    for _ in range(warmup):
        for one_run in peers.values():
            _settle()
            one_run()
    measured: dict[str, list[Run]] = {name: [] for name in peers}
    for index in range(runs):
        for name, one_run in peers.items():
            _settle()
            run = one_run()
            print(
                f"{name} run {index + 1}: submit->app {run.to_app_ms:.1f} ms, gaps "
                + ", ".join(f"{gap:.1f}" for gap in run.gaps_ms)
                + " ms",
                file=sys.stderr,
            )
            measured[name].append(run)
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--skip-podman", action="store_true")
    args = parser.parse_args()
    compile_package()

    report: dict[str, object] = {"runs": args.runs, "manifest": str(MANIFEST.name)}
    peers: dict[str, Callable[[], Run]] = {}
    if not args.skip_podman:
        podman_prepare()
        peers["podman"] = podman_run
    if tinykube_has_cri():
        peers["tinykube"] = tinykube_run
    else:
        report["tinykube_run_runtime_cri"] = "tinykube --runtime cri: not available"
    measured = _interleaved(peers, args.runs, args.warmup)
    summaries = {name: _summary(runs) for name, runs in measured.items()}
    if "podman" in summaries:
        report["podman_kube_play"] = summaries["podman"]
    if "tinykube" in summaries:
        report["tinykube_run_runtime_cri"] = summaries["tinykube"]
    if "podman" in summaries and "tinykube" in summaries:
        for key in ("submit_to_app_running_ms_median", "handover_gap_ms_median"):
            tk, pm = summaries["tinykube"][key], summaries["podman"][key]
            assert isinstance(tk, float) and isinstance(pm, float)
            report[f"ratio_{key}_tinykube_over_podman"] = round(tk / pm, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
