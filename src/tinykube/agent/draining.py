"""Draining the node on exit (`tinykube serve --drain-on-exit`): every running pod deleted
gracefully before the daemon stops.

The kubelet's graceful node shutdown, carried out through the API's own graceful delete (as
`kubectl drain` evicts): from the moment the drain begins, new pods are rejected
(`NodeShutdown`); each pod whose worker still runs gets a deletion with its grace period capped
at the shutdown grace period (the node shutdown manager's `min(pod grace, shutdownGracePeriod)`);
its worker then stops it exactly as for `kubectl delete` — preStop hooks, SIGTERM, the grace
period, SIGKILL, app containers first and sidecars after them in reverse order — and the
controller removes the object once everything stopped (the final delete). Pods that had already
finished keep their objects.

The whole drain is bounded: after the cap plus `DRAIN_MARGIN` seconds, whatever still runs is
killed (its sandbox stopped), and the pod's object stays with its deletion timestamp, so the
next start completes the delete.
"""

from __future__ import annotations

import datetime
import logging

import msgspec

from tinykube.agent.controller import PodController
from tinykube.api.pod import Pod
from tinykube.core import terminate
from tinykube.core.ids import PodUID
from tinykube.runtime import contract as runtime_contract
from tinykube.store import contract

log = logging.getLogger(__name__)

DEFAULT_SHUTDOWN_GRACE = datetime.timedelta(seconds=30)
DRAIN_MARGIN = 10.0  # seconds beyond the cap: preStop start-up, sidecars, the final writes
_ATTEMPTS = 3


class DrainReport(msgspec.Struct, frozen=True, kw_only=True):
    pods: int  # pods asked to stop
    killed: int  # pods still running at the deadline, killed


def _mark_deleted(controller: PodController, uid: PodUID, *, cap: int) -> bool:
    """Give the pod a deletion with its grace capped at `cap`; False if it is gone."""
    store = controller.store
    for _ in range(_ATTEMPTS):
        try:
            pod = store.get_pod(uid)  # type: ignore[attr-defined]
        except contract.NotFound:
            return False
        assert isinstance(pod, Pod)
        grace = min(terminate.termination_grace_seconds(pod), cap)
        meta = pod.metadata
        if (
            meta.deletion_timestamp is not None
            and (meta.deletion_grace_period_seconds or 0) <= grace
        ):
            return True
        deleted = msgspec.structs.replace(
            meta,
            deletion_timestamp=controller.clock().replace(microsecond=0)
            + datetime.timedelta(seconds=grace),
            deletion_grace_period_seconds=grace,
        )
        try:
            store.update(msgspec.structs.replace(pod, metadata=deleted))
        except contract.Conflict:
            continue  # changed meanwhile: read it again
        except contract.NotFound:
            return False
        return True
    return True


async def drain(controller: PodController, *, shutdown_grace: datetime.timedelta) -> DrainReport:
    """Delete every running pod gracefully and wait for them (see the module docstring)."""
    controller.shutting_down = True
    cap = max(int(shutdown_grace.total_seconds()), 0)
    agent = controller.agent
    uids = [uid for uid, worker in agent.workers.items() if not worker.terminated]
    log.info("draining %d pods (grace period at most %ds)", len(uids), cap)
    for uid in uids:
        if _mark_deleted(controller, uid, cap=cap):
            agent.wake(uid)
    left = await agent.wait_ended(uids, timeout=cap + DRAIN_MARGIN)
    for uid in sorted(left):
        log.warning("pod %s did not stop in time: killing it", uid)
        snapshot = await controller.runtime.pod_snapshot(uid)
        for sandbox in snapshot.sandboxes:
            try:
                await controller.runtime.stop_pod_sandbox(sandbox.id)
            except runtime_contract.RuntimeFailure as exc:
                log.warning("could not stop sandbox %s of pod %s: %s", sandbox.id, uid, exc)
    log.info("drained %d pods", len(uids) - len(left))
    return DrainReport(pods=len(uids), killed=len(left))
