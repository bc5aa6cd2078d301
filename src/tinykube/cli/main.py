"""The `tinykube` command line: one module per command group, each adding its own parser.

Command modules are imported only when needed: `tinykube get pods` or an init container's
`tinykube toolbox wait-for ...` must not pay for the daemon's imports.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import Final

from tinykube import __version__

# command -> module that adds it (its `add_parser`, or `add_parsers` for a group of commands)
_CLIENT: Final = "tinykube.cli.client"
COMMANDS: Final = {
    "run": "tinykube.cli.run",
    "serve": "tinykube.cli.serve",
    "validate": "tinykube.cli.validate",
    "apply": _CLIENT,
    "get": _CLIENT,
    "describe": _CLIENT,
    "logs": _CLIENT,
    "delete": _CLIENT,
    "wait": _CLIENT,
    "kubeconfig": "tinykube.cli.kubeconfig",
    "toolbox": "tinykube.cli.toolbox",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the module that adds command `only`."""
    parser = argparse.ArgumentParser(
        prog="tinykube",
        description="A single-node Kubernetes pod engine with the kubelet's init-container "
        "semantics.",
    )
    parser.add_argument("--version", action="version", version=f"tinykube {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    modules = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        module = importlib.import_module(name)
        adder = getattr(module, "add_parsers", None) or module.add_parser
        adder(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["toolbox"]:
        # Init containers run the toolbox: start it without importing the daemon's commands.
        from tinykube.toolbox import command  # noqa: PLC0415

        return command.main(arguments[1:], prog="tinykube toolbox")
    # Importing a command allocates thousands of objects that live as long as the process: the
    # cyclic collector would only walk them again and again. Collect nothing until they are all
    # there, then set them aside for good (`gc.freeze`).
    gc.disable()
    try:
        parser = build_parser(arguments[0] if arguments else None)
        args = parser.parse_args(arguments)
    finally:
        gc.freeze()
        gc.enable()
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
