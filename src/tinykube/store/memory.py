"""MemoryStore: desired objects, their status and events, in memory (for `tinykube run`).

Every change bumps a store-wide resourceVersion and is handed to the listeners, so a terminal
view (or, later, a watch) sees status changes as they are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from tinykube.api.objects import ConfigMap, Event, Secret
from tinykube.api.pod import Pod
from tinykube.api.status import PodStatus

Listener = Callable[[str, object], None]


class NotFoundError(KeyError):
    """No such object."""


@dataclass(slots=True)
class MemoryStore:
    pods: dict[str, Pod] = field(default_factory=dict)  # by uid
    config_maps: dict[tuple[str, str], ConfigMap] = field(default_factory=dict)
    secrets: dict[tuple[str, str], Secret] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)  # by namespace/name
    resource_version: int = 0
    listeners: list[Listener] = field(default_factory=list)

    def _bump(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def _notify(self, kind: str, obj: object) -> None:
        for listener in self.listeners:
            listener(kind, obj)

    def add_pod(self, pod: Pod) -> Pod:
        meta = msgspec.structs.replace(pod.metadata, resource_version=self._bump())
        stored = msgspec.structs.replace(pod, metadata=meta)
        self.pods[pod.metadata.uid] = stored
        self._notify("pod", stored)
        return stored

    def get_pod(self, uid: str) -> Pod:
        try:
            return self.pods[uid]
        except KeyError:
            raise NotFoundError(uid) from None

    def update_pod(self, pod: Pod) -> Pod:
        return self.add_pod(pod)

    def write_status(self, uid: str, status: PodStatus) -> Pod | None:
        """Store a new status if it differs from the stored one; returns the pod if written."""
        pod = self.get_pod(uid)
        if pod.status == status:
            return None
        meta = msgspec.structs.replace(pod.metadata, resource_version=self._bump())
        stored = msgspec.structs.replace(pod, metadata=meta, status=status)
        self.pods[uid] = stored
        self._notify("pod", stored)
        return stored

    def remove_pod(self, uid: str) -> None:
        pod = self.pods.pop(uid, None)
        if pod is not None:
            self._bump()
            self._notify("pod-deleted", pod)

    def add_config_map(self, config_map: ConfigMap) -> None:
        meta = config_map.metadata
        self.config_maps[(meta.namespace, meta.name)] = config_map
        self._bump()

    def add_secret(self, secret: Secret) -> None:
        meta = secret.metadata
        self.secrets[(meta.namespace, meta.name)] = secret
        self._bump()

    def config_maps_in(self, namespace: str) -> dict[str, ConfigMap]:
        return {name: cm for (ns, name), cm in self.config_maps.items() if ns == namespace}

    def secrets_in(self, namespace: str) -> dict[str, Secret]:
        return {name: s for (ns, name), s in self.secrets.items() if ns == namespace}

    def put_event(self, event: Event) -> None:
        meta = event.metadata
        meta = msgspec.structs.replace(meta, resource_version=self._bump())
        stored = msgspec.structs.replace(event, metadata=meta)
        self.events[f"{meta.namespace}/{meta.name}"] = stored
        self._notify("event", stored)

    def events_for(self, uid: str) -> list[Event]:
        return [event for event in self.events.values() if event.involved_object.uid == uid]
