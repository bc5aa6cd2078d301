"""Fixtures for the API server tests: a real HTTPS server on a loopback port, run in a thread.

The server is set up as `tinykube serve` sets up its TCP listener: TLS with a certificate from a
fresh CA and a bearer token that every request must carry (`RunningServer.ca_file`, `.token`,
`.kubeconfig()`).

The server gets its own event loop in a background thread so that blocking clients (the
`kubernetes` package, `kubectl` in a subprocess) can be used from the test itself. The store
lives in that thread too (stores are not thread-safe), and its clock is a fixed instant, so ages
in Tables are deterministic.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinykube import pki
from tinykube.cli import kubeconfig
from tinykube.server import app as server_app
from tinykube.server import nodes
from tinykube.store import contract
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore

NOW = datetime.datetime(2026, 11, 27, 5, 38, 34, tzinfo=datetime.UTC)
START_DEADLINE = 10.0
NODE = nodes.NodeFacts(
    name="node-1",
    uid="2f0a7b7e-8c1e-4a53-9d3c-1b2a3c4d5e6f",
    created=NOW - datetime.timedelta(hours=3),
    started=NOW - datetime.timedelta(minutes=5),
    cpus=4,
    memory_bytes=8 * 1024**3,
    disk_bytes=100 * 1024**3,
    max_pods=110,
    internal_ip="127.0.0.1",
    kernel_version="6.1.0-18-amd64",
    os_image="Debian GNU/Linux 12 (bookworm)",
    architecture="amd64",
    machine_id="0123456789abcdef0123456789abcdef",
    boot_id="1c2d3e4f-0000-4000-8000-000000000000",
    system_uuid="",
    container_runtime_version="process://0.1.0",
    kubelet_version="v1.32.4-tinykube",
)


@dataclass
class RunningServer:
    url: str
    loop: asyncio.AbstractEventLoop
    store: contract.ObjectStore
    ca_file: Path
    token: str

    def kubeconfig(self) -> str:
        """A kubeconfig for this server, as `tinykube kubeconfig` writes it."""
        return kubeconfig.render(
            server=self.url, ca_cert_pem=self.ca_file.read_bytes(), token=self.token
        )

    def call(self, fn: Callable[[], object]) -> object:
        """Run `fn` on the server's loop thread (the store is not thread-safe)."""

        async def run() -> object:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=5)


def _run_server(
    make_store: Callable[[], contract.ObjectStore], pki_dir: Path
) -> Iterator[RunningServer]:
    credentials = pki.ensure_credentials(
        pki_dir, hosts=["127.0.0.1"], now=datetime.datetime.now(datetime.UTC)
    )
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        store = make_store()
        holder["store"] = store
        app = server_app.build_app(store, clock=lambda: NOW, token=credentials.token, node=NODE)

        def on_ready(url: str) -> None:
            holder["url"] = url
            ready.set()

        try:
            await server_app.serve_api(
                app,
                host="127.0.0.1",
                port=0,
                ssl_context=pki.server_ssl_context(credentials),
                on_ready=on_ready,
            )
        finally:
            store.close()

    task_holder: dict[str, asyncio.Task[None]] = {}

    def thread_main() -> None:
        asyncio.set_event_loop(loop)
        task_holder["task"] = loop.create_task(main())
        try:
            loop.run_until_complete(task_holder["task"])
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=thread_main, name="api-server", daemon=True)
    thread.start()
    assert ready.wait(START_DEADLINE), "the API server did not start"
    try:
        yield RunningServer(
            url=str(holder["url"]),
            loop=loop,
            store=holder["store"],  # type: ignore[arg-type]
            ca_file=pki.pki_dir(pki_dir) / "ca.crt",
            token=credentials.token,
        )
    finally:
        loop.call_soon_threadsafe(task_holder["task"].cancel)
        thread.join(START_DEADLINE)


@pytest.fixture(params=["memory", "sqlite"])
def api_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningServer]:
    """A running API server over each store implementation."""

    def make_store() -> contract.ObjectStore:
        if request.param == "memory":
            return MemoryStore(clock=lambda: NOW)
        return SqliteStore(tmp_path / "store", clock=lambda: NOW)

    yield from _run_server(make_store, tmp_path / "credentials")
