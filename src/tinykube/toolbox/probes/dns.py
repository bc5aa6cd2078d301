"""dns:NAME — ready when the name resolves (getaddrinfo: /etc/hosts, then DNS, as nsswitch says).

getaddrinfo cannot be cancelled, so it runs in a daemon thread that is abandoned at the timeout.
"""

from __future__ import annotations

import socket
import threading

from tinykube.toolbox import errors, targets


def check(target: targets.DnsTarget, *, timeout: float) -> str:
    result: list[list[str] | OSError] = []

    def resolve() -> None:
        try:
            infos = socket.getaddrinfo(target.name, None, type=socket.SOCK_STREAM)
        except OSError as exc:
            result.append(exc)
            return
        result.append(sorted({str(info[4][0]) for info in infos}))

    thread = threading.Thread(target=resolve, name=f"resolve {target.name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if not result:
        raise errors.NotReady(f"no answer within {round(timeout, 1):g}s")
    outcome = result[0]
    if isinstance(outcome, OSError):
        reason = outcome.strerror if isinstance(outcome, socket.gaierror) else str(outcome)
        raise errors.NotReady(f"does not resolve: {reason}")
    return "resolves to " + ", ".join(outcome)
