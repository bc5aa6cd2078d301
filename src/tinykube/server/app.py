"""The API server application: `build_app(store, clock=...)` and `serve_api(app, ...)`.

`build_app` wires discovery and the core/v1 resources onto an aiohttp application, with the
Status middleware outermost, and makes sure the namespaces every cluster has (`default`,
`kube-node-lease`, `kube-public`, `kube-system`) exist. The application owns one background
task, the bookmark timer, through its cleanup context; `serve_api` runs the application on a
TCP port or a unix socket until it is cancelled (it is meant to be one task in the caller's
TaskGroup) and reports the bound address through `on_ready`.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Final

import msgspec
from aiohttp import typedefs, web

from tinykube.api import admission
from tinykube.server import auth, discovery, errors, leases, logs, nodes, resources
from tinykube.server import exec as pod_exec
from tinykube.store import contract

SYSTEM_NAMESPACES: Final = ("default", "kube-node-lease", "kube-public", "kube-system")
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
    token: str | None = None,
    node: nodes.NodeFacts | None = None,
    exec_runtime: pod_exec.ContainerExec | None = None,
) -> web.Application:
    """The Kubernetes API over `store` (see the module docstring); `logs_dir` holds the
    containers' CRI logs that `pods/log` serves (the agent's `logs` directory). With `token`,
    requests that do not come through a unix socket must carry it (`auth`); `node` is what the
    read-only `nodes` resource says about this machine (`nodes`; read from it when None).
    `exec_runtime` runs `pods/exec` (without one, exec is refused as not supported)."""
    ensure_namespaces(store, SYSTEM_NAMESPACES)
    middlewares: list[typedefs.Middleware] = [errors.middleware, _refuse_dry_run]
    if token is not None:
        middlewares.insert(0, auth.middleware(token))  # outermost: before routing answers
    app = web.Application(middlewares=middlewares)
    app[resources.STORE_KEY] = store
    app[resources.CLOCK_KEY] = clock
    app[logs.LOGS_DIR_KEY] = logs_dir if logs_dir is not None else Path("/nonexistent")
    app[pod_exec.EXEC_RUNTIME_KEY] = exec_runtime
    for path in ("/healthz", "/livez", "/readyz"):
        app.router.add_get(path, _healthy)
    discovery.add_routes(app)
    pod_exec.add_routes(app)  # before the generic subresource route
    if node is None:
        node = nodes.gather_facts(now=clock())
    nodes.add_routes(app, node)  # before the generic /api/v1/{resource} routes
    leases.add_routes(app)
    resources.add_routes(app)

    async def bookmarks(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_bookmark_timer(store, bookmark_interval))
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(bookmarks)
    return app


_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@web.middleware
async def _refuse_dry_run(request: web.Request, handler: typedefs.Handler) -> web.StreamResponse:
    """A write asking for a dry run is refused, never carried out for real."""
    if request.method in _WRITES and "dryRun" in request.query:
        raise errors.bad_request("not supported: dryRun (server-side dry run); nothing was changed")
    return await handler(request)


async def _healthy(request: web.Request) -> web.StreamResponse:
    """`/healthz`, `/livez`, `/readyz`: the apiserver's plain `ok` once it serves."""
    return web.Response(text="ok", content_type="text/plain")


async def _bookmark_timer(store: contract.ObjectStore, interval: float) -> None:
    """Ask open watches for a BOOKMARK every `interval` seconds (the store owns no tasks)."""
    while True:
        await asyncio.sleep(interval)
        store.bookmark_nowait()


class Listener(msgspec.Struct, frozen=True):
    """One address the API is served on: a unix socket, or a TCP port (TLS with a context)."""

    unix_path: str | None = None
    host: str = "127.0.0.1"
    port: int = 0
    ssl_context: ssl.SSLContext | None = None


async def serve_api(
    app: web.Application,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    unix_path: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    on_ready: Callable[[str], None] | None = None,
    listeners: Sequence[Listener] = (),
) -> None:
    """Serve `app` until cancelled, on `listeners` (else on the one address the other
    arguments give); `on_ready` receives each `http[s]://host:port` or socket path. A unix
    socket is made 0600 (its directory is the daemon's 0700 data dir) before `on_ready`; a
    port that cannot be bound raises ListenError. One runner serves every address, so the
    application starts and cleans up once.

    Handlers are cancelled when their client disconnects, which is how an idle watch ends.
    """
    if not listeners:
        listeners = (Listener(unix_path=unix_path, host=host, port=port, ssl_context=ssl_context),)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None)
    await runner.setup()
    try:
        for listener in listeners:
            address = await _start_site(runner, listener)
            if on_ready is not None:
                on_ready(address)
        await asyncio.Event().wait()
    finally:
        if runner.server is not None and any(item.ssl_context for item in listeners):
            # A TLS close waits for the client's close_notify, which an idle keep-alive
            # client never sends: drop the connections instead, so none outlives the loop.
            for connection in runner.server.connections:
                if connection.transport is not None:
                    connection.transport.abort()
        await runner.cleanup()


async def _start_site(runner: web.AppRunner, listener: Listener) -> str:
    site: web.BaseSite
    if listener.unix_path is not None:
        site = web.UnixSite(runner, listener.unix_path)
    else:
        site = web.TCPSite(runner, listener.host, listener.port, ssl_context=listener.ssl_context)
    try:
        await site.start()
    except OSError as exc:
        where = listener.unix_path or _host_port(listener.host, listener.port)
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise ListenError(f"cannot listen on {where}: {reason}") from exc
    if listener.unix_path is not None:
        os.chmod(listener.unix_path, 0o600)
        return listener.unix_path
    return _address(site, listener.ssl_context)


class ListenError(Exception):
    """The API could not listen where asked (address in use, not available, no permission)."""


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _address(site: web.BaseSite, ssl_context: ssl.SSLContext | None) -> str:
    server = site._server  # aiohttp exposes the bound port only here
    assert isinstance(server, asyncio.Server)
    host, port = server.sockets[0].getsockname()[:2]
    scheme = "https" if ssl_context is not None else "http"
    return f"{scheme}://{_host_port(host, port)}"
