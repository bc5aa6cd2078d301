"""`tinykube toolbox wait-for|fetch|render …`: the commands init containers are made of.

The commands live in `tinykube.toolbox` (standard library only, light to import, also runnable
as `python -m tinykube.toolbox`); this module only hangs them under `tinykube toolbox`.
"""

from __future__ import annotations

import argparse

from tinykube.toolbox import command


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "toolbox",
        help="commands for init containers: wait-for, fetch, render",
        description="Commands for init containers: wait for dependencies, fetch files, "
        "render templates. Each failure ends with one line saying what and why.",
    )
    command.add_commands(parser)
    parser.set_defaults(handler=command.run)
