"""The API server application: `build_app(store, clock=...)` and `serve_api(app, ...)`.

`build_app` wires discovery and the core/v1 resources onto an aiohttp application, with the
Status middleware outermost, and makes sure the namespaces every cluster has (`default`,
`kube-system`) exist. The application owns one background task, the bookmark timer, through
its cleanup context; `serve_api` runs the application on a TCP port or a unix socket until it
is cancelled (it is meant to be one task in the caller's TaskGroup) and reports the bound
address through `on_ready`.
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Final

from aiohttp import web

from tinykube.api import admission
from tinykube.server import discovery, errors, logs, resources
from tinykube.store import contract

SYSTEM_NAMESPACES: Final = ("default", "kube-system")
BOOKMARK_INTERVAL: Final = 60.0


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def ensure_namespaces(store: contract.ObjectStore, names: tuple[str, ...]) -> None:
    """Create the namespaces that are missing (admitted, so they carry phase Active)."""
    for name in names:
        try:
            store.get("Namespace", "", name)
        except contract.NotFound:
            raw = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            store.create(admission.admit(raw).obj)


def build_app(
    store: contract.ObjectStore,
    *,
    clock: Callable[[], datetime.datetime] = utc_now,
    bookmark_interval: float = BOOKMARK_INTERVAL,
    logs_dir: Path | None = None,
) -> web.Application:
    """The Kubernetes API over `store` (see the module docstring); `logs_dir` holds the
    containers' CRI logs that `pods/log` serves (the agent's `logs` directory)."""
    ensure_namespaces(store, SYSTEM_NAMESPACES)
    app = web.Application(middlewares=[errors.middleware])
    app[resources.STORE_KEY] = store
    app[resources.CLOCK_KEY] = clock
    app[logs.LOGS_DIR_KEY] = logs_dir if logs_dir is not None else Path("/nonexistent")
    discovery.add_routes(app)
    resources.add_routes(app)

    async def bookmarks(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_bookmark_timer(store, bookmark_interval))
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(bookmarks)
    return app


async def _bookmark_timer(store: contract.ObjectStore, interval: float) -> None:
    """Ask open watches for a BOOKMARK every `interval` seconds (the store owns no tasks)."""
    while True:
        await asyncio.sleep(interval)
        store.bookmark_nowait()


async def serve_api(
    app: web.Application,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    unix_path: str | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve `app` until cancelled; `on_ready` receives `http://host:port` or the socket path.

    Handlers are cancelled when their client disconnects, which is how an idle watch ends.
    """
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
    await runner.setup()
    try:
        site: web.BaseSite
        if unix_path is not None:
            site = web.UnixSite(runner, unix_path)
        else:
            site = web.TCPSite(runner, host, port)
        await site.start()
        if on_ready is not None:
            on_ready(unix_path if unix_path is not None else _address(site))
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def _address(site: web.BaseSite) -> str:
    server = site._server  # aiohttp exposes the bound port only here
    assert isinstance(server, asyncio.Server)
    host, port = server.sockets[0].getsockname()[:2]
    return f"http://{host}:{port}"
