"""Writing a file so that readers see the old content or the whole new one, never a part."""

from __future__ import annotations

import os
from pathlib import Path


def commit(source: Path, dest: Path, *, mode: int | None) -> None:
    """fsync `source`, give it `mode`, rename it onto `dest` (same directory) and fsync the
    directory, so the new name survives a crash with the full content behind it."""
    fd = os.open(source, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if mode is not None:
        os.chmod(source, mode)
    os.replace(source, dest)
    directory = os.open(dest.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_atomically(dest: Path, data: bytes, *, mode: int | None) -> None:
    temporary = dest.with_name(f".{dest.name}.tmp{os.getpid()}")
    try:
        temporary.write_bytes(data)
        commit(temporary, dest, mode=mode)
    finally:
        temporary.unlink(missing_ok=True)


def parse_mode(text: str) -> int:
    """`0640` or `640` → 0o640; ValueError otherwise."""
    value = int(text, 8)
    if not 0 <= value <= 0o7777:
        raise ValueError(text)
    return value
