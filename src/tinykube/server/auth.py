"""Bearer-token authentication for the API's TCP listener, as the apiserver answers it.

`middleware(token)` lets a request through when it arrived on the daemon's unix socket (its
file permissions are the guard: the socket is 0600 in a 0700 data dir), or carries
`Authorization: Bearer <token>` with the daemon's token (compared in constant time), or asks
anonymously for one of `ANONYMOUS_PATHS`. Anything else is answered as the apiserver's
authentication filter answers it: 401 with the v1 Status

    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
     "message":"Unauthorized","reason":"Unauthorized","code":401}

which kubectl prints as `error: You must be logged in to the server (Unauthorized)`.

Anonymous requests: a kube-apiserver with anonymous authentication limited to its health
endpoints (the `anonymous.conditions` of an AuthenticationConfiguration) serves `/healthz`,
`/livez`, `/readyz` and (through the `system:public-info-viewer` role) `/version` without
credentials and answers every other path with 401. tinykube does the same. A request that
presents a wrong token is refused whatever its path, as the apiserver does (credentials that
fail are never downgraded to anonymous); a request without a bearer token (no `Authorization`
header, another scheme, an empty token) is anonymous.
"""

from __future__ import annotations

import hmac
import socket
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import typedefs, web

from tinykube.server import errors

ANONYMOUS_PATHS: Final = frozenset({"/healthz", "/livez", "/readyz", "/version"})
UNAUTHORIZED: Final = "Unauthorized"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def unauthorized() -> errors.ApiError:
    """`apierrors.NewUnauthorized("Unauthorized")`."""
    return errors.ApiError(401, UNAUTHORIZED, UNAUTHORIZED)


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization` header, as the apiserver's bearer-token authenticator
    reads it (`Bearer` in any case, the token is the next space-separated word); None when the
    header is not a bearer one."""
    parts = header.strip().split(" ", 2)
    if len(parts) < 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison (the time taken does not tell how much of a guess was right)."""
    return hmac.compare_digest(given.encode(), expected.encode())


def _on_unix_socket(request: web.Request) -> bool:
    transport = request.transport
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    return sock is not None and sock.family == socket.AF_UNIX


def middleware(token: str) -> typedefs.Middleware:
    """The authentication middleware for a daemon whose token is `token` (non-empty)."""
    if not token:
        raise ValueError("the API token must not be empty")

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        if _on_unix_socket(request):
            return await handler(request)
        given = bearer_token(request.headers.get("Authorization", ""))
        if given:  # credentials presented: they must be right, whatever the path
            if token_matches(given, token):
                return await handler(request)
            return errors.status_response(unauthorized())
        if request.path in ANONYMOUS_PATHS:  # no credentials (or none the server reads)
            return await handler(request)
        return errors.status_response(unauthorized())

    return authenticate
