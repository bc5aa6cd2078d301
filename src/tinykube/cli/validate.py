"""`tinykube validate -f FILE…`: decode, default and validate manifests as the apiserver would.

Prints `pod/NAME valid` per object on stdout, warnings and errors on stderr in kubectl's words.
Exit status: 0 when every object is valid, 2 otherwise.
"""

from __future__ import annotations

import argparse

from tinykube.cli import sources


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate manifests as the apiserver would",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sources.add_filename_flags(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    admitted, valid = sources.admit_files(args, verb="validate")
    for result in admitted:
        print(f"{result.kind.lower()}/{result.name} valid")
    return 0 if valid else 2
