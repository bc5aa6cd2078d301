"""The store contract: the `ObjectStore` Protocol, its values, its errors and its data rules.

Every store (MemoryStore, the reference; SqliteStore, the daemon's) keeps API objects keyed by
`(kind, namespace, name)` (namespace "" for cluster-scoped kinds), stamps a store-wide
`resourceVersion` that only increases (decimal strings, one step per write), and feeds a change
history that watches replay. The shared suite `tests/contract/test_store_contract.py` runs
unchanged against both.

Sync methods, async watch. SQLite calls on a local file take microseconds, far less than an
event-loop hop to a thread, so reads and writes are plain synchronous calls made from the event
loop thread (stores are not thread-safe). Only `watch()` waits, so only it is asynchronous: it
returns an async iterator of `WatchEvent`s that writers wake directly (no polling).

Errors (each carries the apiserver's `code`, `reason` and message, so `server/errors.py` turns
them into a `metav1.Status` without re-deriving anything):

    StoreError                    500 InternalError
    ├── NotFound                  404 NotFound       pods "web" not found
    ├── AlreadyExists             409 AlreadyExists  pods "web" already exists
    ├── Conflict                  409 Conflict       Operation cannot be fulfilled on pods "web":
    │                                                the object has been modified; please
    │                                                apply your changes to the latest version
    │                                                and try again
    ├── Expired                   410 Expired        too old resource version: 5 (120)
    ├── TooLargeResourceVersion   504 Timeout        Too large resource version: 9, current: 7
    ├── BadRequest                400 BadRequest     an invalid label/field selector,
    │                                                resourceVersion or continue token
    └── StorageFailure            500 InternalError  the database failed (wraps sqlite3.Error)

Besides the Protocol this module holds the rules both stores apply identically: which kinds
exist (`KIND_INFO`), how an object is encoded (its wire JSON, `encode`/`decode`), what create and
update stamp into metadata (`stamp_create`, `stamp_update`) and the agent-facing pod methods
built on the Protocol (`PodMethods`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import enum
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar, Final, Protocol, TypeVar

import msgspec

from tinykube.api import decoding, quantity, wire
from tinykube.api.objects import ConfigMap, Event, Secret
from tinykube.api.pod import Pod
from tinykube.api.status import PodStatus

W = TypeVar("W", bound=wire.Wire)

# --- errors ----------------------------------------------------------------------------------


class StoreError(Exception):
    """Base of every store error; `str()` is the apiserver's message."""

    code: ClassVar[int] = 500
    reason: ClassVar[str] = "InternalError"

    def __init__(self, message: str, *, kind: str = "", name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.name = name

    @property
    def resource(self) -> str:
        """The plural resource (`pods`) a Status' `details.kind` carries."""
        info = KIND_INFO.get(self.kind)
        return info.resource if info is not None else ""

    def __str__(self) -> str:
        return self.message


class NotFound(StoreError):
    code = 404
    reason = "NotFound"


class AlreadyExists(StoreError):
    code = 409
    reason = "AlreadyExists"


class Conflict(StoreError):
    code = 409
    reason = "Conflict"


class Expired(StoreError):
    code = 410
    reason = "Expired"


class TooLargeResourceVersion(StoreError):
    """A watch from a resourceVersion the store has not reached (the apiserver's 504)."""

    code = 504
    reason = "Timeout"


class BadRequest(StoreError):
    code = 400
    reason = "BadRequest"


class StorageFailure(StoreError):
    """The storage itself failed; the original error is the `__cause__`."""


MODIFIED_MESSAGE: Final = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def not_found(kind: str, name: str) -> NotFound:
    return NotFound(f'{KIND_INFO[kind].resource} "{name}" not found', kind=kind, name=name)


def already_exists(kind: str, name: str) -> AlreadyExists:
    return AlreadyExists(
        f'{KIND_INFO[kind].resource} "{name}" already exists', kind=kind, name=name
    )


def conflict(kind: str, name: str, detail: str = MODIFIED_MESSAGE) -> Conflict:
    """`errors.NewConflict`: `Operation cannot be fulfilled on pods "x": <detail>`."""
    return Conflict(
        f'Operation cannot be fulfilled on {KIND_INFO[kind].resource} "{name}": {detail}',
        kind=kind,
        name=name,
    )


def expired(resource_version: int, oldest: int) -> Expired:
    """The watch cache's 410 for a resourceVersion older than the kept history."""
    return Expired(f"too old resource version: {resource_version} ({oldest})")


def too_large(resource_version: int, current: int) -> TooLargeResourceVersion:
    return TooLargeResourceVersion(
        f"Too large resource version: {resource_version}, current: {current}"
    )


# --- kinds -----------------------------------------------------------------------------------


class KindInfo(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    resource: str  # plural, as URLs and error messages spell it
    namespaced: bool
    cls: type[wire.Wire]
    has_status: bool


KIND_INFO: Final[dict[str, KindInfo]] = {
    kind: KindInfo(
        kind=kind,
        resource=kind.lower() + "s",
        namespaced=kind != "Namespace",
        cls=cls,
        has_status="status" in cls.__struct_fields__,
    )
    for kind, cls in decoding.KINDS.items()
}
_KIND_OF_CLASS: Final = {info.cls: kind for kind, info in KIND_INFO.items()}


def kind_of(obj: wire.Wire) -> str:
    """The kind of a model object (from its class: a decoded object may leave `kind` empty)."""
    try:
        return _KIND_OF_CLASS[type(obj)]
    except KeyError:
        raise TypeError(f"the store keeps no {type(obj).__name__}") from None


def info_for(kind: str) -> KindInfo:
    try:
        return KIND_INFO[kind]
    except KeyError:
        raise TypeError(f"the store keeps no kind {kind!r}") from None


def key_of(obj: wire.Wire) -> tuple[str, str]:
    meta = obj.metadata  # type: ignore[attr-defined]
    return meta.namespace, meta.name


# --- values ----------------------------------------------------------------------------------


class ListResult(msgspec.Struct, frozen=True, kw_only=True):
    """One page of a list, as `metav1.ListMeta` describes it.

    `remaining` is `remainingItemCount`: set only on a page followed by more, and only when no
    selector was given (the apiserver cannot count filtered items without reading them all).
    """

    items: tuple[wire.Wire, ...]
    resource_version: str
    continue_token: str = ""
    remaining: int | None = None


class EventType(enum.StrEnum):
    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    BOOKMARK = "BOOKMARK"
    ERROR = "ERROR"


class WatchEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One watch event. ERROR events carry `error` (the server writes it as a Status) and no
    object; BOOKMARK events carry an empty object of the watched kind whose only content is
    `metadata.resourceVersion`."""

    type: EventType
    object: wire.Wire | None
    resource_version: str
    error: StoreError | None = None


class Watch(Protocol):
    """An open watch: iterate it; `close()` ends the iteration (idempotent)."""

    def __aiter__(self) -> AsyncIterator[WatchEvent]: ...

    async def __anext__(self) -> WatchEvent: ...

    def close(self) -> None: ...


Listener = Callable[[str, object], None]
"""Called after every committed change with `(kind, object)`: kind is "pod", "event",
"configmap", "secret" or "namespace", suffixed with "-deleted" for deletions."""


def listener_kind(kind: str, *, deleted: bool) -> str:
    name = kind.lower()
    return f"{name}-deleted" if deleted else name


# --- the Protocol ----------------------------------------------------------------------------


class ObjectStore(Protocol):
    """Desired objects, their status and events, with the apiserver's storage semantics.

    Every write is atomic and, once it returns, visible to reads and to watches; every write
    bumps the store-wide resourceVersion by one, except a no-op (an update or status write
    that changes nothing), which writes nothing and returns what is stored.
    """

    listeners: list[Listener]

    def current_resource_version(self) -> str:
        """The resourceVersion of the latest write ("0" for an empty new store)."""
        ...

    def create(self, obj: W) -> W:
        """Store a new object; returns it as stored.

        Sets `metadata.uid` when empty, `creationTimestamp` (now), `resourceVersion`,
        `generation` 1 for pods, `kind`/`apiVersion`; clears deletion fields; drops
        `metadata.namespace` for cluster-scoped kinds. AlreadyExists if the key is taken.
        """
        ...

    def get(self, kind: str, namespace: str, name: str) -> wire.Wire:
        """The stored object, or NotFound."""
        ...

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
    ) -> ListResult:
        """Objects of a kind in key order (namespace, name), filtered by the selectors.

        `namespace=None` lists every namespace. `limit` > 0 pages; the returned
        `continue_token` fetches the next page. A continued page reports the first page's
        resourceVersion but shows objects as they are now (tinykube keeps no snapshots; a
        watch from that resourceVersion replays whatever changed in between). BadRequest for
        a bad selector or token.
        """
        ...

    def update(self, obj: W, *, expected_resource_version: str | None = None) -> W:
        """Replace an existing object (NotFound otherwise).

        The precondition is `expected_resource_version`, or else `obj.metadata.resourceVersion`
        when not empty; a stale one raises Conflict. uid and creationTimestamp are kept from
        the stored object (a different non-empty uid is a Conflict); a pod's generation grows
        when its spec changes. An update that changes nothing writes nothing.
        """
        ...

    def update_status(self, kind: str, namespace: str, name: str, status: Any) -> wire.Wire | None:
        """Write only `status`; returns the stored object, or None (and bumps nothing) when
        the status is equal to the stored one. NotFound when absent."""
        ...

    def delete(
        self,
        kind: str,
        namespace: str,
        name: str,
        *,
        expected_uid: str | None = None,
        expected_resource_version: str | None = None,
    ) -> wire.Wire:
        """Remove an object; returns its last state stamped with the deletion's
        resourceVersion (what the DELETED event carries). NotFound, or Conflict when a
        precondition fails."""
        ...

    def watch(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        bookmarks: bool = False,
    ) -> Watch:
        """Changes of a kind after `resource_version`, in resourceVersion order.

        ""/"0": first one ADDED event per current object (key order), then changes. A number:
        only changes after it; Expired when history no longer reaches back to it, and
        TooLargeResourceVersion when the store has not reached it. Validation happens here,
        synchronously; the watch is registered before this returns, so no write after the call
        is missed. A modification that moves an object into (out of) the selection is
        delivered as ADDED (DELETED). A watcher that falls behind the kept history gets one
        ERROR event (410 Expired) and ends. With `bookmarks`, `bookmark_nowait()` makes the
        watch yield a BOOKMARK at the store's current resourceVersion once it has delivered
        everything before it.
        """
        ...

    def bookmark_nowait(self) -> None:
        """Ask every watch opened with `bookmarks=True` for a BOOKMARK (the server calls this
        on its timer; the store owns no tasks)."""
        ...

    def delete_events_older_than(self, cutoff: datetime.datetime) -> int:
        """Delete Events last written before `cutoff` (the apiserver's event TTL); each is a
        DELETED change. Returns how many were deleted."""
        ...

    def reclaim_space(self) -> int:
        """Give storage the store no longer uses back to the system (SQLite: free pages, by
        incremental vacuum, a bounded amount per call). Returns how many pages were freed;
        0 when there was nothing to give back or nothing to do (memory)."""
        ...

    def close(self) -> None:
        """End every open watch and release the storage. Idempotent."""
        ...


# --- encoding --------------------------------------------------------------------------------

_ENCODER: Final = msgspec.json.Encoder()
_DECODERS: dict[type, msgspec.json.Decoder[Any]] = {}


def _dec_hook(cls: type, value: Any) -> Any:
    if cls is quantity.Quantity:
        return quantity.parse_wire(value)
    raise NotImplementedError(cls)


def encode(obj: wire.Wire) -> bytes:
    """The object's wire JSON, as the apiserver would write it."""
    return _ENCODER.encode(wire.to_wire(obj))


def decode(cls: type[W], body: bytes) -> W:
    """Decode what `encode` wrote (one typed msgspec pass: no intermediate dicts)."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = msgspec.json.Decoder(cls, dec_hook=_dec_hook)
        _DECODERS[cls] = decoder
    result: W = decoder.decode(body)
    return result


def normalize(obj: W) -> W:
    """The object as it reads back from storage: timestamps at the wire's precision, etc.

    Both stores keep objects in this form, so what a write returns equals what a later read
    returns, and change-only comparisons compare like with like.
    """
    return decode(type(obj), encode(obj))


def normalize_encoded(obj: W) -> tuple[W, bytes]:
    """`normalize(obj)` and its wire JSON (encoding is the costly half: do it once)."""
    body = encode(obj)
    return decode(type(obj), body), body


# --- metadata rules --------------------------------------------------------------------------


_EPOCH: Final = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _truncate(now: datetime.datetime) -> datetime.datetime:
    return now.replace(microsecond=0)


def stamp_create(
    obj: W,
    *,
    resource_version: int,
    now: datetime.datetime,
    new_uid: Callable[[], str],
    keep_system_fields: bool = False,
) -> W:
    """What create stores (see `ObjectStore.create`), before `normalize`. `keep_system_fields`
    keeps a given creationTimestamp, generation and deletion fields (the agent's `add_pod`)."""
    info = info_for(kind_of(obj))
    meta = obj.metadata  # type: ignore[attr-defined]
    changes: dict[str, Any] = {
        "uid": meta.uid or new_uid(),
        "resource_version": str(resource_version),
    }
    if not keep_system_fields or meta.creation_timestamp is None:
        changes["creation_timestamp"] = _truncate(now)
    if not keep_system_fields:
        changes["deletion_timestamp"] = None
        changes["deletion_grace_period_seconds"] = None
    if info.kind == "Pod" and (not keep_system_fields or meta.generation == 0):
        changes["generation"] = 1
    if not info.namespaced:
        changes["namespace"] = ""
    return msgspec.structs.replace(
        obj,
        kind=info.kind,
        api_version="v1",
        metadata=msgspec.structs.replace(meta, **changes),
    )


def check_preconditions(
    stored: wire.Wire,
    *,
    kind: str,
    expected_uid: str | None,
    expected_resource_version: str | None,
) -> None:
    """The apiserver's `Preconditions.Check` and optimistic-concurrency check."""
    meta = stored.metadata  # type: ignore[attr-defined]
    if expected_uid and expected_uid != meta.uid:
        raise conflict(
            kind,
            meta.name,
            f"Precondition failed: UID in precondition: {expected_uid}, "
            f"UID in object meta: {meta.uid}",
        )
    if expected_resource_version and expected_resource_version != meta.resource_version:
        raise conflict(kind, meta.name)


def stamp_update(stored: W, obj: W, *, resource_version: int) -> W:
    """What update stores over `stored` (see `ObjectStore.update`), before `normalize`; the
    caller checks for a no-op by comparing the normalized result with `stored`."""
    kind = kind_of(stored)
    old = stored.metadata  # type: ignore[attr-defined]
    meta = obj.metadata  # type: ignore[attr-defined]
    if meta.uid and meta.uid != old.uid:
        raise conflict(
            kind,
            old.name,
            f"Precondition failed: UID in precondition: {meta.uid}, UID in object meta: {old.uid}",
        )
    generation = old.generation
    if kind == "Pod" and obj.spec != stored.spec:  # type: ignore[attr-defined]
        generation += 1
    return msgspec.structs.replace(
        obj,
        kind=kind,
        api_version="v1",
        metadata=msgspec.structs.replace(
            meta,
            namespace=old.namespace,
            uid=old.uid,
            creation_timestamp=old.creation_timestamp,
            generation=generation,
            resource_version=str(resource_version),
        ),
    )


def status_update(stored: W, status: Any, *, resource_version: int) -> W | None:
    """`stored` with a new status and resourceVersion, or None when the status, once
    normalized, equals the stored one (change-only status writes). Only the status makes the
    round trip through the wire: `stored` is already normalized."""
    current = stored.status  # type: ignore[attr-defined]
    normalized = decode(type(current), encode(status))
    if normalized == current:
        return None
    meta = stored.metadata  # type: ignore[attr-defined]
    return msgspec.structs.replace(
        stored,
        status=normalized,
        metadata=msgspec.structs.replace(meta, resource_version=str(resource_version)),
    )


def with_resource_version(obj: W, resource_version: int) -> W:
    meta = obj.metadata  # type: ignore[attr-defined]
    return msgspec.structs.replace(
        obj, metadata=msgspec.structs.replace(meta, resource_version=str(resource_version))
    )


def same_content(a: wire.Wire, b: wire.Wire) -> bool:
    """Equal apart from `metadata.resourceVersion`."""
    return with_resource_version(a, 0) == with_resource_version(b, 0)


def bookmark_object(kind: str, resource_version: str) -> wire.Wire:
    """The apiserver's bookmark: an empty object carrying only a resourceVersion."""
    empty = info_for(kind).cls()
    return msgspec.structs.replace(
        empty,
        kind=kind,
        api_version="v1",
        metadata=msgspec.structs.replace(
            empty.metadata,  # type: ignore[attr-defined]
            resource_version=resource_version,
        ),
    )


def parse_resource_version(text: str) -> int:
    """A request's resourceVersion as a number ("" and "0" are 0); BadRequest otherwise."""
    if text in ("", "0"):
        return 0
    if not text.isdigit() or not text.isascii():
        raise BadRequest(
            f'resourceVersion: Invalid value: "{text}": '
            f'strconv.ParseUint: parsing "{text}": invalid syntax'
        )
    return int(text)


# --- continue tokens -------------------------------------------------------------------------

_TOKEN_VERSION: Final = "meta.k8s.io/v1"


def encode_continue(*, resource_version: int, namespace: str, name: str, scoped: bool) -> str:
    """The apiserver's token: base64url(JSON {v, rv, start}), `start` being the next key after
    the last one returned, relative to the listed prefix (hence the NUL)."""
    start = f"{name}\x00" if scoped else f"{namespace}/{name}\x00"
    raw = json.dumps(
        {"v": _TOKEN_VERSION, "rv": resource_version, "start": start}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def list_page(
    items: tuple[wire.Wire, ...],
    *,
    revision: int,
    last: tuple[str, str],
    more: int,
    scoped: bool,
    counted: bool,
) -> ListResult:
    """A page of a list whose last item has key `last`: when `more` items follow, the continue
    token after it and, when `counted` (no selector), their number."""
    token = ""
    if more:
        token = encode_continue(
            resource_version=revision, namespace=last[0], name=last[1], scoped=scoped
        )
    return ListResult(
        items=items,
        resource_version=str(revision),
        continue_token=token,
        remaining=more if more and counted else None,
    )


def decode_continue(token: str, *, scoped_namespace: str | None) -> tuple[int, tuple[str, str]]:
    """`(resourceVersion, (namespace, name))` of the last key a token says was returned."""
    invalid = "invalid continue token: continue key is not valid"
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{invalid}: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest(f"{invalid}: not a JSON object")
    if data.get("v") != _TOKEN_VERSION:
        raise BadRequest(
            f"{invalid}: server does not recognize this encoded version {data.get('v', '')}"
        )
    rv = data.get("rv")
    start = data.get("start")
    if not isinstance(rv, int) or rv <= 0:
        raise BadRequest(
            f"{invalid}: incorrect encoded start resourceVersion (version {_TOKEN_VERSION})"
        )
    if not isinstance(start, str) or not start:
        raise BadRequest(f"{invalid}: encoded start key empty (version {_TOKEN_VERSION})")
    last = start.removesuffix("\x00")
    if scoped_namespace is not None:
        return rv, (scoped_namespace, last)
    namespace, _, name = last.partition("/")
    return rv, (namespace, name)


# --- the agent's pod methods -----------------------------------------------------------------


class PodMethods:
    """The methods the agent and `tinykube run` use, built on the Protocol.

    Pods are addressed by uid here (the kubelet's view); writes are upserts without
    preconditions. A store mixing this in provides `_pod_key(uid)`.
    """

    def _pod_key(self, uid: str) -> tuple[str, str] | None:
        raise NotImplementedError

    def _store(self) -> ObjectStore:
        return self  # type: ignore[return-value]

    def _upsert(self, obj: W, *, keep_system_fields: bool = False) -> W:
        raise NotImplementedError

    def get_pod(self, uid: str) -> Pod:
        key = self._pod_key(uid)
        if key is None:
            raise NotFoundError(uid, kind="Pod")
        pod = self._store().get("Pod", *key)
        assert isinstance(pod, Pod)
        return pod

    def add_pod(self, pod: Pod) -> Pod:
        """Store a pod as given (uid, creationTimestamp, generation kept), replacing one with
        the same namespace and name."""
        return self._upsert(pod, keep_system_fields=True)

    def update_pod(self, pod: Pod) -> Pod:
        return self._upsert(pod, keep_system_fields=True)

    def write_status(self, uid: str, status: PodStatus) -> Pod | None:
        """Store a new status if it differs from the stored one; returns the pod if written."""
        key = self._pod_key(uid)
        if key is None:
            raise NotFoundError(uid, kind="Pod")
        written = self._store().update_status("Pod", key[0], key[1], status)
        assert written is None or isinstance(written, Pod)
        return written

    def remove_pod(self, uid: str) -> None:
        key = self._pod_key(uid)
        if key is not None:
            self._store().delete("Pod", *key)

    def add_config_map(self, config_map: ConfigMap) -> None:
        self._upsert(config_map)

    def add_secret(self, secret: Secret) -> None:
        self._upsert(secret)

    def put_event(self, event: Event) -> None:
        self._upsert(event)

    def config_maps_in(self, namespace: str) -> dict[str, ConfigMap]:
        items = self._store().list("ConfigMap", namespace).items
        return {cm.metadata.name: cm for cm in items if isinstance(cm, ConfigMap)}

    def secrets_in(self, namespace: str) -> dict[str, Secret]:
        items = self._store().list("Secret", namespace).items
        return {s.metadata.name: s for s in items if isinstance(s, Secret)}

    def events_for(self, uid: str) -> list[Event]:
        selector = f"involvedObject.uid={uid}"
        items = self._store().list("Event", field_selector=selector).items
        events = [event for event in items if isinstance(event, Event)]
        # first occurrence first: recorder names are `<pod>.<hex nanoseconds>`
        events.sort(key=lambda event: (event.metadata.creation_timestamp or _EPOCH, key_of(event)))
        return events


class NotFoundError(NotFound, KeyError):
    """No pod with this uid (a KeyError too, as the agent's first store raised)."""

    def __init__(self, uid: str, *, kind: str = "Pod") -> None:
        super().__init__(f'pods with uid "{uid}" not found', kind=kind, name=uid)
