"""`tinykube validate -f FILE…`: decode, default and validate manifests as the apiserver would.

Prints `pod/NAME valid` per object on stdout, warnings and errors on stderr in kubectl's words.
Exit status: 0 when every object is valid, 2 otherwise.
"""

from __future__ import annotations

import argparse
import sys

from tinykube.api import admission, manifests
from tinykube.cli import sources


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate manifests as the apiserver would",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        objects = sources.read_sources(args.filename, recursive=args.recursive)
    except manifests.ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not objects:
        print("error: no objects passed to validate", file=sys.stderr)
        return 2
    failed = False
    for raw in objects:
        try:
            admitted = admission.admit(raw.raw)
        except admission.InvalidError as exc:
            print(exc.kubectl_message(), file=sys.stderr)
            failed = True
            continue
        except admission.DecodeError as exc:
            print(f'error: error validating "{raw.source}": {exc}', file=sys.stderr)
            failed = True
            continue
        for warning in admitted.warnings:
            print(f"Warning: {warning}", file=sys.stderr)
        print(f"{admitted.kind.lower()}/{admitted.name} valid")
    return 2 if failed else 0
