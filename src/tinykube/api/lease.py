"""The `coordination.k8s.io/v1` Lease, as the kubelet keeps its node's heartbeat, and its printer.

tinykube serves one read-only Lease per node in `kube-node-lease` (`server/leases.py` builds
it). The structs follow the Go types' field order and JSON names; `acquireTime` and `renewTime`
are MicroTimes (written to the microsecond). `lease_cells` is `printLease`
(pkg/printers/internalversion): NAME, HOLDER, AGE.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Final

from tinykube.api import printers
from tinykube.api.meta import ObjectMeta
from tinykube.api.wire import Wire

GROUP: Final = "coordination.k8s.io"
VERSION: Final = "v1"
API_VERSION: Final = f"{GROUP}/{VERSION}"
NODE_LEASE_NAMESPACE: Final = "kube-node-lease"


class LeaseSpec(Wire):
    holder_identity: str | None = None
    lease_duration_seconds: int | None = None
    acquire_time: datetime.datetime | None = None
    renew_time: datetime.datetime | None = None
    lease_transitions: int | None = None
    strategy: str | None = None
    preferred_holder: str | None = None
    __wire_micro__: ClassVar[frozenset[str]] = frozenset({"acquire_time", "renew_time"})


class Lease(Wire):
    kind: str = ""
    api_version: str = ""
    metadata: ObjectMeta = ObjectMeta()
    spec: LeaseSpec = LeaseSpec()
    __wire_keep__: ClassVar[frozenset[str]] = frozenset({"metadata", "spec"})


COLUMNS: Final = (
    printers.POD_COLUMNS[0],  # Name
    printers.TableColumnDefinition(
        name="Holder",
        type="string",
        description="holderIdentity contains the identity of the holder of a current lease. "
        "If Coordinated Leader Election is used, the holder identity must be equal to the "
        "elected LeaseCandidate.metadata.name field.",
    ),
    printers.POD_COLUMNS[4],  # Age
)


def lease_cells(lease: Lease, *, now: datetime.datetime) -> list[Any]:
    """One `kubectl get leases` row."""
    created = lease.metadata.creation_timestamp
    age = printers.human_duration(now - created) if created is not None else "<unknown>"
    return [lease.metadata.name, lease.spec.holder_identity or "", age]
