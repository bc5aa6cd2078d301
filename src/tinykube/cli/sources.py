"""Reading `-f FILE|DIR|-` arguments into raw objects, as kubectl does.

A directory contributes its `.json`, `.yaml` and `.yml` files in name order (recursively with
`recursive=True`); `-` is standard input. Every failure is a `ManifestError` naming the source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tinykube.api import admission, manifests

MAX_FILE_BYTES = 64 * 1024 * 1024
_EXTENSIONS = (".json", ".yaml", ".yml")


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise manifests.ManifestError(
                f"error reading {path}: {size} bytes is more than the limit of {MAX_FILE_BYTES}"
            )
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise manifests.ManifestError(f'the path "{path}" cannot be read: {reason}') from exc


def _files(path: Path, *, recursive: bool) -> list[Path]:
    if not path.exists():
        raise manifests.ManifestError(f'the path "{path}" does not exist')
    if not path.is_dir():
        return [path]
    pattern = "**/*" if recursive else "*"
    return sorted(
        child for child in path.glob(pattern) if child.is_file() and child.suffix in _EXTENSIONS
    )


def read_sources(paths: list[str], *, recursive: bool = False) -> list[manifests.RawObject]:
    """Every raw object from the given `-f` arguments, in order."""
    objects: list[manifests.RawObject] = []
    for argument in paths:
        if argument == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                raise manifests.ManifestError(
                    f"error reading STDIN: more than the limit of {MAX_FILE_BYTES} bytes"
                )
            text = manifests.decode_text(data, source="STDIN")
            objects.extend(manifests.parse_documents(text, source="STDIN"))
            continue
        for file in _files(Path(argument), recursive=recursive):
            text = manifests.decode_text(_read(file), source=str(file))
            objects.extend(manifests.parse_documents(text, source=str(file)))
    return objects


def add_filename_flags(parser: argparse.ArgumentParser) -> None:
    """`-f FILE` (repeatable) and `-R`, as kubectl has them."""
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        metavar="FILE",
        help="a manifest file, a directory of them, or - for stdin (repeatable)",
    )
    parser.add_argument("-R", "--recursive", action="store_true", help="recurse into directories")


def admit_files(args: argparse.Namespace, *, verb: str) -> tuple[list[admission.Admitted], bool]:
    """Read and admit every object of `-f`; errors and warnings go to stderr in kubectl's words.

    Returns the admitted objects and whether everything read was valid.
    """
    try:
        raw_objects = read_sources(args.filename, recursive=args.recursive)
    except manifests.ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return [], False
    if not raw_objects:
        print(f"error: no objects passed to {verb}", file=sys.stderr)
        return [], False
    admitted: list[admission.Admitted] = []
    valid = True
    for raw in raw_objects:
        try:
            result = admission.admit(raw.raw)
        except admission.InvalidError as exc:
            print(exc.kubectl_message(), file=sys.stderr)
            valid = False
            continue
        except admission.DecodeError as exc:
            print(f'error: error validating "{raw.source}": {exc}', file=sys.stderr)
            valid = False
            continue
        for warning in result.warnings:
            print(f"Warning: {warning}", file=sys.stderr)
        admitted.append(result)
    return admitted, valid
