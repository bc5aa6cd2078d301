"""`tinykube toolbox fetch` against a real HTTP server on loopback: a whole download, resume with
Range after a dropped connection (and after the process ended), a server that ignores Range,
checksum failure, and an HTTP error that is not retried."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import services
from tinykube.toolbox import command

PAYLOAD = bytes(range(256)) * 400  # 100 KiB


@pytest.fixture
def server(tmp_path: Path) -> Iterator[services.FileServer]:
    root = tmp_path / "served"
    root.mkdir()
    (root / "blob.bin").write_bytes(PAYLOAD)
    instance = services.FileServer(root)
    try:
        yield instance
    finally:
        instance.close()


def fetch(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = command.main(["fetch", *argv])
    return code, capsys.readouterr().err.splitlines()


def digest() -> str:
    return hashlib.sha256(PAYLOAD).hexdigest()


def test_download_verified_with_mode(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "out" / "blob.bin"
    code, lines = fetch(
        capsys, f"{server.url}/blob.bin", str(dest), "--sha256", digest(), "--mode", "0440"
    )
    assert code == 0, lines
    assert dest.read_bytes() == PAYLOAD
    assert dest.stat().st_mode & 0o777 == 0o440
    assert lines[-1] == f"fetch: {server.url}/blob.bin -> {dest} (102400 bytes, sha256 verified)"
    assert sorted(path.name for path in dest.parent.iterdir()) == ["blob.bin"]


def test_into_a_directory_keeps_the_name(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = fetch(capsys, f"{server.url}/blob.bin", str(tmp_path))
    assert code == 0, lines
    assert (tmp_path / "blob.bin").read_bytes() == PAYLOAD


def test_a_dropped_connection_is_resumed_with_range(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.cut_after["/blob.bin"] = 30000
    dest = tmp_path / "blob.bin"
    code, lines = fetch(capsys, f"{server.url}/blob.bin", str(dest), "--sha256", digest())
    assert code == 0, lines
    assert dest.read_bytes() == PAYLOAD
    assert server.requests == [("/blob.bin", None), ("/blob.bin", "bytes=30000-")]
    assert "resuming at byte 30000" in lines[0]


def test_a_later_run_resumes_what_an_earlier_one_left(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An init container restarted after a crash finds `.DEST.part` in its emptyDir."""
    dest = tmp_path / "blob.bin"
    (tmp_path / ".blob.bin.part").write_bytes(PAYLOAD[:50000])
    code, lines = fetch(capsys, f"{server.url}/blob.bin", str(dest), "--sha256", digest())
    assert code == 0, lines
    assert server.requests == [("/blob.bin", "bytes=50000-")]
    assert dest.read_bytes() == PAYLOAD


def test_a_server_that_ignores_range_sends_it_all_again(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.ignore_range = True
    dest = tmp_path / "blob.bin"
    (tmp_path / ".blob.bin.part").write_bytes(b"garbage")
    code, lines = fetch(capsys, f"{server.url}/blob.bin", str(dest))
    assert code == 0, lines
    assert dest.read_bytes() == PAYLOAD


def test_a_checksum_mismatch_writes_nothing(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "blob.bin"
    code, lines = fetch(capsys, f"{server.url}/blob.bin", str(dest), "--sha256", "a" * 64)
    assert code == 1
    assert lines[-1] == (
        f"fetch: {server.url}/blob.bin: sha256 mismatch: expected {'a' * 64}, got {digest()}"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "served"]


def test_not_found_is_not_retried(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = fetch(capsys, f"{server.url}/nope.bin", str(tmp_path / "nope.bin"))
    assert code == 1
    assert lines == [f"fetch: {server.url}/nope.bin: HTTP 404 Not Found"]
    assert len(server.requests) == 1


def test_server_errors_are_retried_then_reported(
    server: services.FileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{server.url}/status/503"
    code, lines = fetch(capsys, url, str(tmp_path / "x"), "--retries", "2")
    assert code == 1
    assert len(server.requests) == 3
    assert lines[-1] == (f"fetch: {url}: HTTP 503 Service Unavailable (gave up after 3 attempts)")
