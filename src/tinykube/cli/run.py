"""`tinykube run -f FILE…`: run pods in the foreground with the kubelet's semantics.

Validates every object as the apiserver would (exit 2 on any error), then runs the pods on this
machine. stderr shows progress (a live view on a terminal, plain lines otherwise); stdout holds
only what `-o` asks for. Ctrl-C or `--timeout` delete the pods gracefully (preStop hooks, grace
period). Exit status: 0 when every pod Succeeded, 1 otherwise, 2 for invalid input.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import re
import signal
import sys
import tempfile
from pathlib import Path

from tinykube import bootstrap
from tinykube.api import printers
from tinykube.api.objects import List
from tinykube.api.pod import Pod
from tinykube.api.wire import Wire, to_wire
from tinykube.cli import sources, view
from tinykube.core import restart
from tinykube.runtime import contract as runtime_contract
from tinykube.runtime.cri import endpoint as cri_endpoint

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(h|ms|m|s))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(text: str) -> float:
    """Seconds of a Go-style duration (`90s`, `1m30s`, `500ms`) or a plain number of seconds."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        if not _DURATION.match(text):
            raise argparse.ArgumentTypeError(
                f'invalid duration "{text}": use e.g. 30s, 1m30s, 500ms'
            ) from None
        return sum(float(number) * _UNIT[unit] for number, unit in _PART.findall(text))
    if value < 0:
        raise argparse.ArgumentTypeError(f'invalid duration "{text}": must not be negative')
    return value


def add_kubelet_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--initial-restart-backoff",
        type=parse_duration,
        default=10.0,
        metavar="DURATION",
        help="first crash-loop back-off delay (kubelet default 10s)",
    )
    parser.add_argument(
        "--max-restart-backoff",
        type=parse_duration,
        default=300.0,
        metavar="DURATION",
        help="longest crash-loop back-off delay (kubelet default 300s)",
    )


def add_cri_endpoint_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cri-endpoint",
        default=cri_endpoint.DEFAULT_ENDPOINT,
        metavar="URL",
        help=f"the CRI endpoint of --runtime cri (default {cri_endpoint.DEFAULT_ENDPOINT})",
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run pods in the foreground",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sources.add_filename_flags(parser)
    parser.add_argument(
        "-o", "--output", choices=("json", "yaml"), help="print the final pods on stdout"
    )
    parser.add_argument(
        "--timeout",
        type=parse_duration,
        metavar="DURATION",
        help="delete the pods gracefully after this long",
    )
    parser.add_argument("--events", action="store_true", help="show events as they happen")
    parser.add_argument(
        "--runtime",
        choices=("process", "cri"),
        default="process",
        help="container runtime: host processes (commands only), or CRI (containerd, images)",
    )
    add_cri_endpoint_flag(parser)
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where volumes, logs and runtime state live (default: a temporary directory)",
    )
    add_kubelet_flags(parser)
    parser.set_defaults(handler=run)


def _admit_all(args: argparse.Namespace) -> list[Wire] | None:
    admitted, valid = sources.admit_files(args, verb="run")
    objects = [result.obj for result in admitted]
    if not valid or (args.runtime == "process" and not _commands_present(objects)):
        return None
    return objects


def _commands_present(objects: list[Wire]) -> bool:
    """The process runtime runs commands, not images: every container needs `command`."""
    ok = True
    for obj in objects:
        if not isinstance(obj, Pod):
            continue
        for kind, items in (
            ("initContainers", obj.spec.init_containers),
            ("containers", obj.spec.containers),
        ):
            for index, container in enumerate(items):
                if not container.command:
                    print(
                        f'error: pod "{obj.metadata.name}": spec.{kind}[{index}].command: '
                        "Required value: the process runtime runs the container's command on "
                        "this host; running the entrypoint of image "
                        f'"{container.image}" needs the CRI runtime: set command, or run with '
                        "--runtime cri",
                        file=sys.stderr,
                    )
                    ok = False
    return ok


def run(args: argparse.Namespace) -> int:
    objects = _admit_all(args)
    if objects is None:
        return 2
    if args.max_restart_backoff < args.initial_restart_backoff:
        print(
            "error: --max-restart-backoff must not be shorter than --initial-restart-backoff",
            file=sys.stderr,
        )
        return 2
    with contextlib.ExitStack() as stack:
        state_dir = args.state_dir
        if state_dir is None:
            state_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tinykube-")))
        state_dir.mkdir(parents=True, exist_ok=True)
        settings = bootstrap.RunSettings(
            runtime=args.runtime,
            cri_endpoint=args.cri_endpoint,
            state_dir=state_dir.resolve(),
            backoff=restart.BackoffSettings(
                initial=_timedelta(args.initial_restart_backoff),
                maximum=_timedelta(args.max_restart_backoff),
            ),
        )
        pod_run = bootstrap.PodRun(settings=settings)
        pod_run.load(objects)
        try:
            pods = asyncio.run(_run(pod_run, args))
        except runtime_contract.RuntimeFailure as exc:  # the runtime could not be opened
            print(f"error: {exc}", file=sys.stderr)
            return 1
    _print_output(pods, args.output)
    return 0 if pods and all(pod.status.phase == "Succeeded" for pod in pods) else 1


def _timedelta(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=seconds)


async def _run(pod_run: bootstrap.PodRun, args: argparse.Namespace) -> list[Pod]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    progress = view.Progress(
        store=pod_run.store,
        clock=pod_run.clock,
        show_events=args.events,
        live=sys.stderr.isatty() and os.environ.get("TERM") != "dumb",
    )
    pod_run.store.listeners.append(progress.on_change)
    timer: asyncio.TimerHandle | None = None
    if args.timeout is not None:
        timer = loop.call_later(args.timeout, stop.set)
    try:
        with progress:
            pods = await pod_run.run(stop=stop, on_start=lambda: _warn(pod_run.runtime_warnings))
    finally:
        if timer is not None:
            timer.cancel()
    return pods


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)


def _print_output(pods: list[Pod], output: str | None) -> None:
    if output is None:
        return
    listing = to_wire(List(items=tuple(pods)))
    if output == "json":
        sys.stdout.write(json.dumps(listing, indent=4) + "\n")
    else:
        sys.stdout.write(printers.to_kubectl_yaml(listing))
