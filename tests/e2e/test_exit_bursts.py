"""Regression: a burst of container exits must not stall pods until the safety relist.

Monitors report exits with non-blocking datagrams, and a unix datagram queue holds only
`net.unix.max_dgram_qlen` of them (10 on hosts without systemd's sysctl defaults): when many
containers exit at once, some datagrams were dropped and their pods sat idle until the relist.
The runtime now also watches each monitor through a pidfd. Here 16 pods end within the same
few milliseconds; every one must be seen at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import container, pod, run_tinykube, sh

pytestmark = pytest.mark.e2e

PODS = 16


def test_regression_burst_of_exits_is_seen_at_once(tmp_path: Path) -> None:
    trigger = tmp_path / "trigger"
    trigger.mkdir()
    trigger.chmod(0o777)
    mount = {"volumeMounts": [{"name": "trigger", "mountPath": "/trigger"}]}
    volume = [{"name": "trigger", "hostPath": {"path": str(trigger), "type": "Directory"}}]
    waiters = [
        pod(
            tmp_path,
            f"waiter-{index}",
            volumes=volume,
            containers=[
                container(
                    "c",
                    sh(
                        f"touch /trigger/ready-{index}; "
                        "until [ -f /trigger/go ]; do sleep 0.02; done"
                    ),
                    **mount,
                )
            ],
        )
        for index in range(PODS)
    ]
    fire = pod(
        tmp_path,
        "fire",
        volumes=volume,
        containers=[
            container(
                "c",
                sh(
                    f'until [ "$(ls /trigger | grep -c ready-)" = {PODS} ]; do sleep 0.02; done; '
                    "touch /trigger/go"
                ),
                **mount,
            )
        ],
    )
    result = run_tinykube(tmp_path, [*waiters, fire], deadline=60)
    assert result.code == 0, result.stderr
    assert all(item["status"]["phase"] == "Succeeded" for item in result.pods)
    # without the pidfd watch, pods whose exit datagram was dropped ended at the safety relist
    assert result.elapsed < 8, result.stderr
