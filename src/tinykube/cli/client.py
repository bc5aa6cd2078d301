"""The client commands — `apply`, `get`, `describe`, `logs`, `delete`, `wait` — as kubectl has them.

They talk to a running daemon (`tinykube serve`) through its Kubernetes API: on the unix socket
`DATA_DIR/tinykube.sock` (`--data-dir`, else `$TINYKUBE_DATA_DIR`, else the default data dir)
or, with `--kubeconfig FILE`, on the server that file names. Flags, output and error messages are
kubectl 1.32's. Each command lives in its own `client_<command>` module, imported only when the
command runs, so that `tinykube --help` and every other command stay quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    _Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def _handler(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from tinykube.cli import client_common, client_http  # noqa: PLC0415

        command = importlib.import_module(f"tinykube.cli.client_{module}")
        try:
            return int(command.run(args))
        except client_http.ClientError as exc:
            sys.stdout.flush()
            print(client_common.error_text(exc), file=sys.stderr)
            return 1

    return run


def _connection_flags(parser: argparse.ArgumentParser, *, namespaced: bool = True) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        help="the daemon's data dir, whose tinykube.sock is used "
        "(default: $TINYKUBE_DATA_DIR, else the daemon's default)",
    )
    group.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="talk to the server of this kubeconfig's current context instead of the socket",
    )
    if namespaced:
        parser.add_argument(
            "-n", "--namespace", metavar="NS", help="the namespace (default: default)"
        )


def _bool_flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "t", "true", "yes"):
        return True
    if lowered in ("0", "f", "false", "no"):
        return False
    raise argparse.ArgumentTypeError(f'invalid boolean "{text}"')


def _add_apply(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "apply",
        help="create or update objects from manifests (kubectl apply)",
        description="Create the objects of the manifests, or update them with a three-way "
        "merge against the configuration applied last, as `kubectl apply` does. Prints "
        "`pod/x created`, `configured` or `unchanged` for each object.",
    )
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        metavar="FILE",
        help="a manifest file, a directory of them, or - for stdin (repeatable)",
    )
    parser.add_argument("-R", "--recursive", action="store_true", help="recurse into directories")
    _connection_flags(parser)
    parser.set_defaults(handler=_handler("apply"))


def _add_get(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "get",
        help="list objects (kubectl get)",
        description="Print pods, events, configmaps, secrets or namespaces as kubectl does: the "
        "server's tables (`-o wide` adds its wide columns), or `-o json|yaml|name`; `-w` keeps "
        "printing the changes.",
    )
    parser.add_argument("resource", metavar="TYPE", help="pods, events, configmaps, secrets, ns")
    parser.add_argument("names", metavar="NAME", nargs="*", help="only these objects")
    parser.add_argument("-o", "--output", choices=("wide", "json", "yaml", "name"), default="")
    parser.add_argument("-w", "--watch", action="store_true", help="keep printing changes")
    parser.add_argument("-l", "--selector", default="", metavar="SELECTOR", help="label selector")
    parser.add_argument("--field-selector", default="", metavar="SELECTOR")
    parser.add_argument("-A", "--all-namespaces", action="store_true")
    parser.add_argument("--show-labels", action="store_true")
    parser.add_argument("--no-headers", action="store_true")
    _connection_flags(parser)
    parser.set_defaults(handler=_handler("get"))


def _add_describe(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "describe",
        help="show a pod in detail, with its events (kubectl describe)",
        description="Print pods as `kubectl describe pod` does: containers and init "
        "containers with their states, conditions, volumes and the pod's events.",
    )
    parser.add_argument("resource", metavar="TYPE", help="pods (the only type described)")
    parser.add_argument("names", metavar="NAME", nargs="*")
    parser.add_argument("-l", "--selector", default="", metavar="SELECTOR")
    parser.add_argument("--show-events", type=_bool_flag, default=True, metavar="BOOL")
    _connection_flags(parser)
    parser.set_defaults(handler=_handler("describe"))


def _add_logs(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "logs",
        help="print a container's logs (kubectl logs)",
        description="Print the logs of a container of a pod; without -c, the container named "
        "by the kubectl.kubernetes.io/default-container annotation or else the first one.",
    )
    parser.add_argument("pod", metavar="POD", help="the pod (NAME or pod/NAME)")
    parser.add_argument("-c", "--container", default="", metavar="NAME")
    parser.add_argument("-p", "--previous", action="store_true", help="the previous instance")
    parser.add_argument("-f", "--follow", action="store_true", help="stream the log")
    parser.add_argument("--tail", type=int, default=-1, metavar="N", help="only the last N lines")
    parser.add_argument("--timestamps", action="store_true")
    parser.add_argument("--since", default="", metavar="DURATION", help="e.g. 10s, 5m, 1h")
    parser.add_argument("--since-time", default="", metavar="RFC3339")
    parser.add_argument("--limit-bytes", type=int, default=0, metavar="N")
    _connection_flags(parser)
    parser.set_defaults(handler=_handler("logs"))


def _add_delete(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "delete",
        help="delete pods and wait until they are gone (kubectl delete)",
        description="Delete objects gracefully and, as kubectl, wait until they are gone.",
    )
    parser.add_argument("resource", metavar="TYPE", help="pods, configmaps, secrets, ...")
    parser.add_argument("names", metavar="NAME", nargs="*")
    parser.add_argument("--all", action="store_true", help="every object of the namespace")
    parser.add_argument("-l", "--selector", default="", metavar="SELECTOR")
    parser.add_argument("--grace-period", type=int, default=-1, metavar="SECONDS")
    parser.add_argument("--now", action="store_true", help="a grace period of 1 second")
    parser.add_argument("--force", action="store_true", help="with --grace-period=0: at once")
    parser.add_argument("--wait", type=_bool_flag, default=True, nargs="?", const=True)
    parser.add_argument("--timeout", default="0s", metavar="DURATION", help="0: wait forever")
    _connection_flags(parser)
    parser.set_defaults(handler=_handler("delete"))


def _add_wait(subparsers: _Subparsers) -> None:
    parser = subparsers.add_parser(
        "wait",
        help="wait for a condition on pods (kubectl wait)",
        description="Wait until pods meet a condition: --for=condition=Ready[=false], "
        "--for=delete or --for=jsonpath='{.status.phase}'=Running.",
    )
    parser.add_argument("targets", metavar="pod/NAME", nargs="*")
    parser.add_argument("--for", dest="condition", required=True, metavar="CONDITION")
    parser.add_argument("--timeout", default="30s", metavar="DURATION")
    parser.add_argument("-l", "--selector", default="", metavar="SELECTOR")
    parser.add_argument("--all", action="store_true")
    _connection_flags(parser)
    parser.set_defaults(handler=_handler("wait"))


def add_parsers(subparsers: _Subparsers) -> None:
    _add_apply(subparsers)
    _add_get(subparsers)
    _add_describe(subparsers)
    _add_logs(subparsers)
    _add_delete(subparsers)
    _add_wait(subparsers)
