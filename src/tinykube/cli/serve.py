"""`tinykube serve`: the node daemon — a durable store, many pods, the Kubernetes API.

Holds pods, their status, events, ConfigMaps and Secrets in SQLite under `--data-dir`, runs the
pods with the kubelet's semantics, and serves the Kubernetes API on a unix socket in the data
dir (and, with `--listen HOST:PORT`, over plain HTTP on loopback). SIGTERM or Ctrl-C stop the
daemon and leave the pods running, as a kubelet restart does; the next start adopts them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import ipaddress
import logging
import signal
import sys
from pathlib import Path

from tinykube import bootstrap
from tinykube.cli import run as run_command
from tinykube.core import restart


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the node daemon",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where the store, logs and volumes live (default: /var/lib/tinykube as root, "
        "else $XDG_STATE_HOME/tinykube)",
    )
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="also serve the API over plain HTTP on this loopback address",
    )
    parser.add_argument(
        "--kubeconfig-out",
        type=Path,
        metavar="FILE",
        help="write a kubeconfig for the --listen address to FILE",
    )
    parser.add_argument("--runtime", choices=("process",), default="process")
    run_command.add_kubelet_flags(parser)
    parser.set_defaults(handler=run)


def kubeconfig(server: str) -> str:
    """A kubeconfig pointing kubectl at `server` (plain HTTP, no credentials)."""
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- name: tinykube\n"
        "  cluster:\n"
        f"    server: {server}\n"
        "contexts:\n"
        "- name: tinykube\n"
        "  context:\n"
        "    cluster: tinykube\n"
        "    user: tinykube\n"
        "    namespace: default\n"
        "current-context: tinykube\n"
        "users:\n"
        "- name: tinykube\n"
        "  user: {}\n"
    )


def _check_listen(value: str | None) -> str | None:
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f'invalid --listen "{value}": use HOST:PORT, e.g. 127.0.0.1:6443')
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(
            f'invalid --listen "{value}": the API has no authentication yet, so it listens '
            "on loopback addresses only"
        )
    return value


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        listen = _check_listen(args.listen)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.kubeconfig_out is not None and listen is None:
        print("error: --kubeconfig-out needs --listen", file=sys.stderr)
        return 2
    settings = bootstrap.ServeSettings(
        data_dir=(args.data_dir or bootstrap.default_data_dir()).resolve(),
        listen=listen,
        backoff=restart.BackoffSettings(
            initial=datetime.timedelta(seconds=args.initial_restart_backoff),
            maximum=datetime.timedelta(seconds=args.max_restart_backoff),
        ),
    )

    def ready(addresses: list[str]) -> None:
        for address in addresses:
            print(f"serving the Kubernetes API on {address}", file=sys.stderr, flush=True)
        if args.kubeconfig_out is not None:
            http = next(address for address in addresses if address.startswith("http"))
            args.kubeconfig_out.write_text(kubeconfig(http))
            print(f"wrote {args.kubeconfig_out}", file=sys.stderr, flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await bootstrap.serve(settings, stop=stop, on_ready=ready)

    asyncio.run(main())
    return 0
