"""Fixtures for the API server tests: a real HTTP server on a loopback port, run in a thread.

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

from tinykube.server import app as server_app
from tinykube.store import contract
from tinykube.store.memory import MemoryStore
from tinykube.store.sqlite import SqliteStore

NOW = datetime.datetime(2026, 11, 27, 5, 38, 34, tzinfo=datetime.UTC)
START_DEADLINE = 10.0


@dataclass
class RunningServer:
    url: str
    loop: asyncio.AbstractEventLoop
    store: contract.ObjectStore

    def call(self, fn: Callable[[], object]) -> object:
        """Run `fn` on the server's loop thread (the store is not thread-safe)."""

        async def run() -> object:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout=5)


def _run_server(make_store: Callable[[], contract.ObjectStore]) -> Iterator[RunningServer]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        store = make_store()
        holder["store"] = store
        app = server_app.build_app(store, clock=lambda: NOW)

        def on_ready(url: str) -> None:
            holder["url"] = url
            ready.set()

        try:
            await server_app.serve_api(app, host="127.0.0.1", port=0, on_ready=on_ready)
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

    yield from _run_server(make_store)
