"""`tinykube serve`: the node daemon — a durable store, many pods, the Kubernetes API.

Holds pods, their status, events, ConfigMaps and Secrets in SQLite under `--data-dir`, runs the
pods with the kubelet's semantics, and serves the Kubernetes API on a unix socket in the data
dir (mode 0600, no token: the 0700 data dir guards it) and on `--listen HOST:PORT` (default
127.0.0.1:6443; `--listen none` turns it off) over TLS, where every request must carry the
bearer token. The CA, the serving certificate and the token are generated at the first start
under DATA_DIR/pki and DATA_DIR/token and reused later; `--kubeconfig-out FILE` (or `tinykube
kubeconfig`) gives kubectl and the Kubernetes clients what they need to connect. A listen
address off loopback is refused unless `--allow-remote` is given. SIGTERM or Ctrl-C stop the
daemon and leave the pods running, as a kubelet restart does; the next start adopts them.
With `--drain-on-exit`, every running pod is first deleted gracefully (preStop hooks, grace
periods capped at `--shutdown-grace-period`, sidecars last) and the daemon exits once they
stopped. Pods that do not fit the node (`--allocatable`, `--max-pods`) fail as the kubelet
rejects them (OutOfcpu, OutOfmemory, OutOfpods); events expire after `--event-ttl`; exited
containers and what deleted pods leave are collected every `--gc-interval`.
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
from typing import Final

from tinykube import bootstrap
from tinykube.cli import daemon_options
from tinykube.cli import kubeconfig as kubeconfig_command
from tinykube.cli import run as run_command
from tinykube.core import restart
from tinykube.runtime import contract as runtime_contract
from tinykube.server import app as api

DEFAULT_LISTEN: Final = "127.0.0.1:6443"
log = logging.getLogger(__name__)
LISTEN_NONE: Final = "none"


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
        default=DEFAULT_LISTEN,
        help=f"also serve the API over TLS with a bearer token on this address (default "
        f"{DEFAULT_LISTEN}; 'none': only the unix socket)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --listen address that is not loopback (e.g. 0.0.0.0:6443)",
    )
    parser.add_argument(
        "--kubeconfig-out",
        type=Path,
        metavar="FILE",
        help="write a kubeconfig for the --listen address (CA and token included) to FILE",
    )
    parser.add_argument(
        "--runtime",
        choices=("process", "cri"),
        default="process",
        help="container runtime: host processes (commands only), or CRI (containerd, images)",
    )
    run_command.add_cri_endpoint_flag(parser)
    run_command.add_kubelet_flags(parser)
    daemon_options.add_flags(parser)
    parser.set_defaults(handler=run)


def check_listen(value: str, *, allow_remote: bool) -> str | None:
    """The `--listen` address to serve (None for `none`), or ValueError with what to do."""
    if value.strip().lower() == LISTEN_NONE:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f'invalid --listen "{value}": use HOST:PORT, e.g. {DEFAULT_LISTEN}, or "none"'
        )
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        if host.startswith("[") or ":" in host:
            raise ValueError(f'invalid --listen "{value}": "{host}" is not an address') from None
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise ValueError(
            f'--listen "{value}" is not a loopback address: the API would be reachable from '
            "other machines (with TLS and the token); add --allow-remote to do that"
        )
    return value


def run(args: argparse.Namespace) -> int:
    daemon_options.configure_logging(log_format=args.log_format, verbosity=args.verbosity)
    try:
        listen = check_listen(args.listen, allow_remote=args.allow_remote)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.kubeconfig_out is not None and listen is None:
        print("error: --kubeconfig-out needs a --listen address (not none)", file=sys.stderr)
        return 2
    data_dir = (args.data_dir or bootstrap.default_data_dir()).resolve()
    settings = bootstrap.ServeSettings(
        runtime=args.runtime,
        cri_endpoint=args.cri_endpoint,
        data_dir=data_dir,
        listen=listen,
        backoff=restart.BackoffSettings(
            initial=datetime.timedelta(seconds=args.initial_restart_backoff),
            maximum=datetime.timedelta(seconds=args.max_restart_backoff),
        ),
        **daemon_options.settings_fields(args),
    )

    def ready(addresses: list[str]) -> None:
        for address in addresses:
            log.info("serving the Kubernetes API on %s", address)
        if args.kubeconfig_out is not None:
            kubeconfig_command.write_private(
                args.kubeconfig_out, kubeconfig_command.kubeconfig_for(data_dir)
            )
            log.info("wrote %s", args.kubeconfig_out)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await bootstrap.serve(settings, stop=stop, on_ready=ready)

    try:
        asyncio.run(main())
    except runtime_contract.RuntimeFailure as exc:  # the runtime could not be opened
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ExceptionGroup as group:
        refused, _ = group.split(api.ListenError)
        if refused is None:
            raise
        print(f"error: {_first(refused)}", file=sys.stderr)
        return 1
    return 0


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
