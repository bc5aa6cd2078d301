"""Restart rules and crash-loop backoff, as the kubelet applies them.

Backoff follows client-go's `flowcontrol.Backoff` as the kubelet's `doBackOff` uses it: the
first restart of a container definition is immediate; each later one waits until
`finishedAt + delay` of the newest exited instance, the delay starting at `initial` and doubling up
to `maximum`. Both the check and the step compare that `finishedAt` (the event time) with the
entry's last update: an entry last updated more than `2 * maximum` before it starts over. Keys are
the container name and its spec hash, so a new image gets a fresh backoff.
"""

from __future__ import annotations

import datetime
import hashlib

import msgspec

from tinykube.api.pod import Container, Pod
from tinykube.core.observed import BackoffEntry, ContainerSnapshot, ContainerState


class BackoffSettings(msgspec.Struct, frozen=True, kw_only=True):
    initial: datetime.timedelta = datetime.timedelta(seconds=10)
    maximum: datetime.timedelta = datetime.timedelta(seconds=300)


def container_spec_hash(container: Container) -> str:
    """Hash of the fields whose change restarts a running container (name and image)."""
    digest = hashlib.sha256(f"{container.name}\0{container.image}".encode()).hexdigest()
    return digest[:16]


def backoff_key(container: Container) -> str:
    return f"{container.name}/{container_spec_hash(container)}"


def _expired(entry: BackoffEntry, at: datetime.datetime, settings: BackoffSettings) -> bool:
    return at - entry.last_update > 2 * settings.maximum


def backoff_until(
    entry: BackoffEntry | None,
    last: ContainerSnapshot,
    *,
    settings: BackoffSettings,
) -> datetime.datetime | None:
    """When a restart of `last` (exited) may happen, or None if it may happen now.

    `IsInBackOffSince(key, finishedAt)`: in backoff while `now - finishedAt < delay`.
    """
    if entry is None or last.finished_at is None:
        return None
    if _expired(entry, last.finished_at, settings):
        return None
    return last.finished_at + entry.delay


def next_backoff(
    entry: BackoffEntry | None,
    *,
    event_time: datetime.datetime | None,
    now: datetime.datetime,
    settings: BackoffSettings,
) -> BackoffEntry:
    """The entry after a restart at `now` of an instance that finished at `event_time`.

    `Backoff.Next(key, finishedAt)`: expiry is judged at the event time, the update stamped `now`.
    """
    at = now if event_time is None else event_time
    if entry is None or _expired(entry, at, settings):
        return BackoffEntry(delay=settings.initial, last_update=now)
    return BackoffEntry(delay=min(entry.delay * 2, settings.maximum), last_update=now)


def format_go_duration(delta: datetime.timedelta) -> str:
    """A whole-second duration as Go's `time.Duration.String()`: 10s, 1m20s, 5m0s, 1h0m0s."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"


def should_restart_app_container(
    container: Container, pod: Pod, latest: ContainerSnapshot | None
) -> bool:
    """`ShouldContainerBeRestarted` for an app container that is not running."""
    if pod.metadata.deletion_timestamp is not None:
        return False
    if latest is None:
        return True
    if latest.state is ContainerState.RUNNING:
        return False
    if latest.state in (ContainerState.UNKNOWN, ContainerState.CREATED):
        return True
    policy = pod.spec.restart_policy
    if policy == "Never":
        return False
    if policy == "OnFailure":
        return latest.exit_code != 0
    return True
