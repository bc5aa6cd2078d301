"""Real services on loopback for the toolbox and example tests: PostgreSQL, Redis, etcd and a
file server, each a private instance on a free port with its data in a temporary directory.

The tests need to bring a dependency up late, or never, so they start and stop their own
instances instead of using system-wide daemons. The Debian packages come from
`scripts/services-env.sh install` (run by `scripts/test`); a missing binary fails the test
that needs it with the command to run. PostgreSQL runs as the `postgres` user (initdb refuses
root) with password authentication over TCP (SCRAM-SHA-256, the default), the role `app`
(password `app`) owning the database `app`, as the examples expect. Every start waits, with a
deadline, until the service answers; nothing sleeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

START_DEADLINE = 30.0
PG_USER = "app"
PG_PASSWORD = "app"
PG_DATABASE = "app"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.fail(f"{binary} is missing: run scripts/services-env.sh install")
    return path


def _wait_until(condition: Callable[[], bool], *, what: str, deadline: float) -> None:
    end = time.monotonic() + deadline
    delay = 0.02
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not come up within {deadline}s")
        time.sleep(delay)  # a poll interval under a deadline
        delay = min(delay * 2, 0.2)


def _stop_process(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _postgres_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        pytest.fail("PostgreSQL is missing: run scripts/services-env.sh install")
    return candidates[-1].parent


class Postgres:
    """A private PostgreSQL cluster: `init()` once, then `start()`/`stop()` at will."""

    def __init__(self, *, auth: str = "scram-sha-256") -> None:
        self.bin = _postgres_bin()
        self.auth = auth
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tinykube-pg-"))
        self.data = self.root / "data"
        self.running = False
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    @property
    def url(self) -> str:
        return f"postgres://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def _run(self, *argv: str, stdin: str | None = None) -> str:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        completed = subprocess.run(
            [*prefix, *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=self.root,
        )
        if completed.returncode != 0:
            raise AssertionError(f"{argv[0]} failed:\n{completed.stdout}\n{completed.stderr}")
        return completed.stdout

    def init(self) -> None:
        """initdb, then create the role and database the examples use (the cluster ends stopped)."""
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            f"--auth-host={self.auth}",
            "--no-sync",
        )
        if self.auth == "md5":
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write("password_encryption = md5\n")
        self.start()
        self.psql(
            f"CREATE ROLE {PG_USER} LOGIN PASSWORD '{PG_PASSWORD}'",
            f"CREATE DATABASE {PG_DATABASE} OWNER {PG_USER}",
        )
        self.stop()

    def psql(self, *statements: str, database: str = "postgres") -> str:
        argv = [str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port)]
        argv += ["-U", "postgres", "-d", database, "-Atq", "-v", "ON_ERROR_STOP=1"]
        for statement in statements:
            argv += ["-c", statement]
        return self._run(*argv)

    def start(self) -> None:
        if self.running:
            return
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.root} -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            str(int(START_DEADLINE)),
            "start",
        )
        self.running = True

    def stop(self) -> None:
        if not self.running:
            return
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.running = False

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def redis_ping(port: int, password: str | None = None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            if password is not None:
                sock.sendall(f"AUTH {password}\r\n".encode())
                if not sock.recv(64).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class Redis:
    """A private redis-server without persistence; `start()`/`stop()` at will."""

    def __init__(self, *, password: str | None = None) -> None:
        self.binary = _need("redis-server")
        self.password = password
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tinykube-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password is not None else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.root)]
        if self.password is not None:
            argv += ["--requirepass", self.password]
        log = (self.root / "log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_until(
            lambda: redis_ping(self.port, self.password), what="redis", deadline=START_DEADLINE
        )

    def command(self, *words: str) -> str:
        argv = [_need("redis-cli"), "-p", str(self.port), "--no-auth-warning"]
        if self.password is not None:
            argv += ["-a", self.password]
        completed = subprocess.run(
            [*argv, *words], capture_output=True, text=True, timeout=30, check=True
        )
        return completed.stdout.strip()

    def stop(self) -> None:
        _stop_process(self.process)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class Etcd:
    """A private one-member etcd; clients at `endpoint` (http://127.0.0.1:PORT)."""

    def __init__(self) -> None:
        self.binary = _need("etcd")
        self.port = free_port()
        self.peer_port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tinykube-etcd-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/health", timeout=1) as response:
                return bool(json.loads(response.read()).get("health") == "true")
        except (OSError, ValueError):
            return False

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        peer = f"http://127.0.0.1:{self.peer_port}"
        argv = [
            self.binary,
            "--name",
            "test",
            "--data-dir",
            str(self.root / "data"),
            "--listen-client-urls",
            self.endpoint,
            "--advertise-client-urls",
            self.endpoint,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            f"test={peer}",
        ]
        log = (self.root / "log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _wait_until(self.healthy, what="etcd", deadline=START_DEADLINE)

    def get(self, key: str) -> str | None:
        """The value at `key`, through etcdctl (None when the key does not exist)."""
        completed = subprocess.run(
            [_need("etcdctl"), "--endpoints", self.endpoint, "get", key, "--print-value-only"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
            env={**os.environ, "ETCDCTL_API": "3"},
        )
        value = completed.stdout.rstrip("\n")
        return value if completed.stdout else None

    def stop(self) -> None:
        _stop_process(self.process)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class FileServer:
    """An HTTP file server over a directory, with `Range` support (206, 416) for resume tests.

    `cut_after[path] = n` makes the next full answer for `path` stop after n bytes and close the
    connection (a dropped download, once); `ignore_range` answers every request with the whole
    file; `requests` records (path, Range header) pairs.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cut_after: dict[str, int] = {}
        self.ignore_range = False
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                server.requests.append((path, self.headers.get("Range")))
                if path.startswith("/status/"):
                    code = int(path.rsplit("/", 1)[1])
                    self._answer(code, b"", {})
                    return
                file = server.root / path.lstrip("/")
                if not file.is_file():
                    self._answer(404, b"not found\n", {})
                    return
                data = file.read_bytes()
                start = 0
                status = 200
                headers = {"Accept-Ranges": "bytes"}
                asked = self.headers.get("Range")
                if asked and asked.startswith("bytes=") and not server.ignore_range:
                    start = int(asked[len("bytes=") :].split("-")[0])
                    if start >= len(data):
                        self._answer(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                        return
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                body = data[start:]
                cut = server.cut_after.pop(path, None)
                if cut is not None:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._answer(status, body, headers)

            def _answer(self, code: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(code)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------ lifetime


ServiceT = TypeVar("ServiceT", Postgres, Redis, Etcd)


@contextlib.contextmanager
def closing(instance: ServiceT, *, start: bool) -> Iterator[ServiceT]:
    """`instance` (a PostgreSQL cluster initialised first), started when `start`, closed on
    exit whatever happened."""
    try:
        if isinstance(instance, Postgres):
            instance.init()
        if start:
            instance.start()
        yield instance
    finally:
        instance.close()
