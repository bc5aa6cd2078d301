"""One probe per target scheme: `check(target, timeout=…)` returns a short description of what
answered, or raises errors.NotReady with the reason. A probe module is imported only when a
target of its scheme is waited for, to keep a container's start-up light.
"""

from __future__ import annotations

from tinykube.toolbox import targets

# ruff: noqa: PLC0415


def check(target: targets.Target, *, timeout: float) -> str:
    """Probe `target` once, each network step bounded by `timeout` seconds."""
    match target:
        case targets.TcpTarget():
            from tinykube.toolbox.probes import tcp

            return tcp.check(target, timeout=timeout)
        case targets.HttpTarget():
            from tinykube.toolbox.probes import http

            return http.check(target, timeout=timeout)
        case targets.PostgresTarget():
            from tinykube.toolbox.probes import postgres

            return postgres.check(target, timeout=timeout)
        case targets.RedisTarget():
            from tinykube.toolbox.probes import redis

            return redis.check(target, timeout=timeout)
        case targets.FileTarget():
            from tinykube.toolbox.probes import file

            return file.check(target, timeout=timeout)
        case targets.DnsTarget():
            from tinykube.toolbox.probes import dns

            return dns.check(target, timeout=timeout)
