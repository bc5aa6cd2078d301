"""http(s)://URL — ready when a GET answers an expected status (by default 200-399; redirects
are not followed, a 3xx counts as an answer). TLS certificates are verified unless told not to.
"""

from __future__ import annotations

import http.client

from tinykube.toolbox import errors, targets
from tinykube.toolbox.probes import connecting


def check(target: targets.HttpTarget, *, timeout: float) -> str:
    options = target.options
    connection: http.client.HTTPConnection
    if target.tls:
        context = connecting.client_tls_context(
            ca_file=options.ca_file, verify=not options.insecure
        )
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        connection.request("GET", target.path, headers={"User-Agent": "tinykube-wait-for"})
        response = connection.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        if isinstance(exc, OSError):
            reason = connecting.describe_os_error(exc, timeout=timeout)
        else:
            reason = f"not an HTTP answer ({type(exc).__name__})"
        raise errors.NotReady(reason) from None
    finally:
        connection.close()
    status = f"HTTP {response.status} {response.reason}".rstrip()
    expected = options.statuses
    if expected is None:
        if 200 <= response.status < 400:
            return status
        raise errors.NotReady(status)
    if response.status in expected:
        return status
    wanted = ", ".join(str(code) for code in sorted(expected))
    raise errors.NotReady(f"{status} (expected {wanted})")
