"""tcp://HOST:PORT — ready when a connection is accepted (which says nothing of the service)."""

from __future__ import annotations

from tinykube.toolbox import targets
from tinykube.toolbox.probes import connecting


def check(target: targets.TcpTarget, *, timeout: float) -> str:
    with connecting.open_connection(target.host, target.port, timeout=timeout):
        return "accepts connections"
