"""`fetch URL DEST`: download a file for an app container, dependably.

- retries with capped exponential back-off and full jitter on network errors, timeouts,
  truncated bodies, 408, 429 and 5xx; other 4xx fail at once;
- resume: the bytes are collected in `.DEST.part` beside DEST and a retry — or a later run of
  the same init container after a restart, as an emptyDir outlives container restarts — asks
  for the rest with `Range`; a server that ignores Range sends the whole file again, which is
  taken from the start;
- `--sha256`: the digest of the whole file must match, or nothing is written (a mismatch after
  a resume starts over once, as the parts may come from two versions of the file);
- DEST appears atomically (fsync, rename, fsync of the directory) with `--mode`.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tinykube.toolbox import backoff, errors, files, waitfor

_CHUNK = 1 << 16
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Download:
    url: str
    dest: Path
    sha256: str | None = None
    mode: int | None = None
    retries: int = 5
    attempt_timeout: float = 30.0
    base_delay: float = 0.5
    max_delay: float = 10.0


class _Retriable(Exception):
    """A failed attempt worth another one."""


def parse_sha256(text: str) -> str:
    digest = text.strip().lower().removeprefix("sha256:")
    if not _HEX64.match(digest):
        raise errors.UsageError(f"invalid --sha256 {text!r}: expected 64 hexadecimal digits")
    return digest


def resolve_dest(url: str, dest: Path) -> Path:
    """DEST itself, or DEST/<last segment of the URL's path> when DEST is a directory."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise errors.UsageError(f"invalid URL {url!r}: expected http://… or https://…")
    if dest.is_dir():
        name = urllib.parse.unquote(parsed.path.rstrip("/").rpartition("/")[2])
        if not name or name in (".", ".."):
            raise errors.UsageError(f"{dest} is a directory and {url} names no file: give a file")
        return dest / name
    return dest


def fetch(
    download: Download,
    *,
    report: Callable[[str], None],
    pacing: waitfor.Pacing | None = None,
) -> str:
    """Download, verify and move into place; returns a summary; FetchFailed on failure."""
    pace = pacing or waitfor.Pacing()
    dest = resolve_dest(download.url, download.dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.part")
    restarted_after_mismatch = False
    last = ""
    for attempt in range(download.retries + 1):
        try:
            resumed = _download(download.url, part, timeout=download.attempt_timeout)
        except _Retriable as exc:
            last = str(exc)
            if attempt == download.retries:
                break
            delay = backoff.compute_delay(
                attempt, base=download.base_delay, cap=download.max_delay, uniform=pace.uniform
            )
            kept = part.stat().st_size if part.exists() else 0
            resume = f", resuming at byte {kept}" if kept else ""
            report(f"attempt {attempt + 1} failed: {last}; retrying in {delay:.1f}s{resume}")
            pace.sleep(delay)
            continue
        digest = _sha256_of(part)
        if download.sha256 is not None and digest != download.sha256:
            part.unlink()
            if resumed and not restarted_after_mismatch:
                restarted_after_mismatch = True
                report("sha256 mismatch after resuming a partial download: starting over")
                continue
            raise errors.FetchFailed(
                f"{download.url}: sha256 mismatch: expected {download.sha256}, got {digest}"
            )
        size = part.stat().st_size
        files.commit(part, dest, mode=download.mode)
        checked = ", sha256 verified" if download.sha256 else f", sha256 {digest}"
        return f"{download.url} -> {dest} ({size} bytes{checked})"
    raise errors.FetchFailed(
        f"{download.url}: {last} (gave up after {download.retries + 1} attempts)"
    )


def _download(url: str, part: Path, *, timeout: float) -> bool:
    """One attempt: fill `part` to the whole file; True if it continued earlier bytes."""
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "tinykube-fetch", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            match = _CONTENT_RANGE.match(exc.headers.get("Content-Range", ""))
            if match and match[3] == str(offset):
                return True  # the part already holds the whole file
            part.unlink()
            raise _Retriable("the partial download does not fit the server's file") from None
        status = f"HTTP {exc.code} {exc.reason}".rstrip()
        if exc.code in (408, 429) or exc.code >= 500:
            raise _Retriable(status) from None
        raise errors.FetchFailed(f"{url}: {status}") from None
    except urllib.error.URLError as exc:
        raise _Retriable(_describe(exc.reason, timeout)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise _Retriable(_describe(exc, timeout)) from None
    with response:
        resumed = False
        if response.status == 206 and offset:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or match[1] != str(offset):
                part.unlink()
                raise _Retriable("the server sent another range than asked for")
            resumed = True
        length_header = response.headers.get("Content-Length")
        expected = int(length_header) if length_header and length_header.isdigit() else None
        written = 0
        with part.open("ab" if resumed else "wb") as out:
            try:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    written += len(chunk)
            except (OSError, http.client.HTTPException) as exc:
                raise _Retriable(
                    f"{_describe(exc, timeout)} after {(offset if resumed else 0) + written} bytes"
                ) from None
        if expected is not None and written != expected:
            raise _Retriable(f"the connection closed after {written} of {expected} bytes")
        return resumed


def _describe(exc: object, timeout: float) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed in the middle of the body"
    if isinstance(exc, TimeoutError):
        return f"no data for {round(timeout, 1):g}s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
