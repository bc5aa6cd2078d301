"""The `tinykube` command line: one module per command group, each adding its own parser."""

from __future__ import annotations

import argparse
import sys

from tinykube import __version__
from tinykube.cli import client, kubeconfig, run, serve, toolbox, validate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinykube",
        description="A single-node Kubernetes pod engine with the kubelet's init-container "
        "semantics.",
    )
    parser.add_argument("--version", action="version", version=f"tinykube {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    run.add_parser(subparsers)
    serve.add_parser(subparsers)
    validate.add_parser(subparsers)
    client.add_parsers(subparsers)
    kubeconfig.add_parser(subparsers)
    toolbox.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
