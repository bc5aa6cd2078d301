"""The core/v1 REST verbs over an ObjectStore: list, watch, get, create, update, delete, status.

URLs are the apiserver's (`/api/v1/namespaces/{namespace}/{resource}[/{name}[/status]]`,
`/api/v1/{resource}` for every namespace or a cluster-scoped kind, `/api/v1/{resource}/{name}`
for a cluster-scoped object). The handlers do what the generic registry does around storage:

- create: decode with the URL's kind as default, fill the namespace from the URL (400 when the
  body names another), generate a name from `generateName`, refuse a missing namespace (404),
  admit (decode + default + validate: 400/422), give a pod its fresh Pending status
  (`PrepareForCreate`), store (409 AlreadyExists); 201 with the object;
- update (PUT): admit, keep the stored status (status changes go through `/status`), store with
  the body's resourceVersion as precondition (409 Conflict);
- delete: immediate for now (graceful pod deletion comes with the agent); pods and namespaces
  answer with the object, other kinds with a Status Success as the apiserver does;
- list: selectors and pages as the store implements them; watch (`watch=1`): a chunked stream
  of `{"type", "object"}` lines; an expired or future resourceVersion is one ERROR event.

Human-readable `kubectl get` asks for Tables (`tables`). Errors are raised and become Status
objects in `errors.middleware`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import random
from collections.abc import Callable
from typing import Any, Final

import msgspec
import yaml
from aiohttp import web

from tinykube.api import admission, decoding, defaults, field, wire
from tinykube.api.pod import Pod
from tinykube.server import (
    apply,
    discovery,
    errors,
    field_validation,
    logs,
    openapi,
    patching,
    protobuf,
    tables,
)
from tinykube.store import contract

STORE_KEY: Final = web.AppKey("store", contract.ObjectStore)
Clock = Callable[[], datetime.datetime]
CLOCK_KEY: Final[web.AppKey[Clock]] = web.AppKey("clock")

_NAME_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"
_GENERATED_SUFFIX: Final = 5
_MAX_GENERATE_NAME: Final = 63 - _GENERATED_SUFFIX
_TRUE: Final = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "false", "FALSE", "False"})


# --- request helpers -------------------------------------------------------------------------


def _store(request: web.Request) -> contract.ObjectStore:
    return request.app[STORE_KEY]


def _now(request: web.Request) -> datetime.datetime:
    clock = request.app[CLOCK_KEY]
    return clock()


def _resource(request: web.Request, *, namespaced_url: bool) -> discovery.Resource:
    resource = discovery.BY_NAME.get(request.match_info["resource"])
    if resource is None or (namespaced_url and not resource.namespaced):
        raise errors.not_found_path()
    return resource


def _bool(request: web.Request, name: str) -> bool:
    text = request.query.get(name, "")
    if text in _TRUE:
        return True
    if text in _FALSE or text == "":
        return False
    raise errors.bad_request(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def _int(request: web.Request, name: str) -> int:
    text = request.query.get(name, "")
    if text == "":
        return 0
    try:
        return int(text)
    except ValueError:
        raise errors.bad_request(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def _wire(obj: wire.Wire) -> dict[str, Any]:
    body: dict[str, Any] = wire.to_wire(obj)
    return body


def _object_response(obj: wire.Wire, *, status: int = 200) -> web.Response:
    return errors.json_response(_wire(obj), status=status)


async def _read_body(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object (YAML accepted too); 415 for other media types."""
    value, _duplicates = await _read_object(request)
    return value


async def _read_object(request: web.Request) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The request body as an object, with the paths of keys a JSON body repeats. JSON, YAML
    and, for the kinds kubectl's typed clients send that way, protobuf (`protobuf`)."""
    media = request.content_type if "Content-Type" in request.headers else ""
    raw = await request.read()
    duplicates: tuple[str, ...] = ()
    if media in ("application/json", "application/vnd.kubernetes.protobuf+json", ""):
        try:
            parsed = field_validation.loads(raw) if raw else None
        except ValueError as exc:
            raise errors.bad_request(
                f"couldn't get version/kind; json parse error: {exc}"
            ) from None
        value = parsed.value if parsed is not None else None
        duplicates = parsed.duplicates if parsed is not None else ()
    elif media == protobuf.MEDIA_TYPE:
        try:
            value = protobuf.decode(raw)
        except protobuf.UnsupportedKind:
            raise errors.unsupported_media_type() from None
        except protobuf.ProtobufError as exc:
            raise errors.bad_request(f"unable to decode protobuf body: {exc}") from None
    elif media in ("application/yaml", "application/x-yaml"):
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise errors.bad_request(
                f"couldn't get version/kind; yaml parse error: {exc}"
            ) from None
    else:
        raise errors.unsupported_media_type()
    if not isinstance(value, dict):
        raise errors.bad_request(
            "Object 'Kind' is missing in '" + raw.decode(errors="replace") + "'"
        )
    return value, duplicates


def _directive(request: web.Request, options_kind: str) -> field_validation.Directive:
    return field_validation.parse_directive(
        request.query.get("fieldValidation", ""), options_kind=options_kind
    )


def _field_manager(request: web.Request) -> str:
    """`fieldManager`, else the User-Agent's product, as the apiserver defaults it."""
    manager = request.query.get("fieldManager", "")
    return manager or apply.manager_from_user_agent(request.headers.get("User-Agent", ""))


def _with_managed_fields(obj: wire.Wire, managed: list[dict[str, Any]]) -> wire.Wire:
    meta = obj.metadata  # type: ignore[attr-defined]
    return msgspec.structs.replace(
        obj, metadata=msgspec.structs.replace(meta, managed_fields=tuple(managed))
    )


def _check_kind(raw: dict[str, Any], resource: discovery.Resource) -> None:
    """Default kind/apiVersion from the URL, as the apiserver decodes with the URL's GVK."""
    raw.setdefault("kind", resource.kind)
    raw.setdefault("apiVersion", "v1")
    if raw.get("kind") != resource.kind or raw.get("apiVersion") != "v1":
        raise errors.bad_request(
            f'{raw.get("kind")} in version "{raw.get("apiVersion")}" cannot be handled as a '
            f"{resource.kind}: the object provided is unrecognized "
            f"(must be of type {resource.kind})"
        )


def _metadata(raw: dict[str, Any]) -> dict[str, Any]:
    meta = raw.get("metadata")
    if meta is None:
        meta = raw["metadata"] = {}
    if not isinstance(meta, dict):
        return {}  # admission reports the type error
    return meta


def _fill_namespace(meta: dict[str, Any], namespace: str | None) -> None:
    if namespace is None:
        return
    given = meta.get("namespace") or ""
    if given and given != namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    meta["namespace"] = namespace


def _generate_name(meta: dict[str, Any]) -> None:
    prefix = meta.get("generateName")
    if meta.get("name") or not isinstance(prefix, str) or not prefix:
        return
    suffix = "".join(random.choice(_NAME_ALPHABET) for _ in range(_GENERATED_SUFFIX))
    meta["name"] = prefix[:_MAX_GENERATE_NAME] + suffix


def _admit(raw: dict[str, Any]) -> admission.Admitted:
    try:
        return admission.admit(raw)
    except admission.InvalidError as exc:
        raise errors.from_invalid(exc) from None
    except admission.DecodeError as exc:
        raise errors.from_decode(exc) from None


def _warnings(admitted: admission.Admitted, extra: tuple[str, ...] = ()) -> dict[str, str]:
    return field_validation.warning_header((*extra, *admitted.warnings))


def _require_namespace(store: contract.ObjectStore, namespace: str) -> None:
    store.get("Namespace", "", namespace)  # NotFound: namespaces "x" not found


# --- collection: list, watch, create ---------------------------------------------------------


async def namespaced_collection(request: web.Request) -> web.StreamResponse:
    resource = _resource(request, namespaced_url=True)
    return await _collection(request, resource, request.match_info["namespace"])


async def collection(request: web.Request) -> web.StreamResponse:
    resource = _resource(request, namespaced_url=False)
    if resource.namespaced and request.method == "POST":
        raise errors.method_not_allowed()
    return await _collection(request, resource, None)


async def _collection(
    request: web.Request, resource: discovery.Resource, namespace: str | None
) -> web.StreamResponse:
    if request.method == "GET":
        if _bool(request, "watch"):
            return await _watch(request, resource, namespace)
        return _list(request, resource, namespace)
    if request.method == "POST":
        return await _create(request, resource, namespace)
    raise errors.method_not_allowed()


def _list(
    request: web.Request, resource: discovery.Resource, namespace: str | None
) -> web.Response:
    result = _store(request).list(
        resource.kind,
        namespace,
        label_selector=request.query.get("labelSelector", ""),
        field_selector=request.query.get("fieldSelector", ""),
        limit=_int(request, "limit"),
        continue_token=request.query.get("continue", ""),
    )
    meta: dict[str, Any] = {"resourceVersion": result.resource_version}
    if result.continue_token:
        meta["continue"] = result.continue_token
    if result.remaining is not None:
        meta["remainingItemCount"] = result.remaining
    if tables.wants_table(request.headers.get("Accept", "")):
        table = tables.table(
            resource.kind,
            result.items,
            now=_now(request),
            include=request.query.get("includeObject", "Metadata"),
            list_meta=meta,
        )
        return errors.json_response(table)
    # List items carry no TypeMeta on the wire; their JSON is cached per object.
    items = [msgspec.Raw(wire.to_json(obj, type_meta=False)) for obj in result.items]
    body = {"kind": f"{resource.kind}List", "apiVersion": "v1", "metadata": meta, "items": items}
    return errors.json_response(body)


async def _create(
    request: web.Request, resource: discovery.Resource, namespace: str | None
) -> web.Response:
    store = _store(request)
    directive = _directive(request, "CreateOptions")
    raw, duplicates = await _read_object(request)
    _check_kind(raw, resource)
    checked = field_validation.check(
        raw, decoding.KINDS[resource.kind], directive=directive, duplicates=duplicates
    )
    raw = checked.raw
    meta = _metadata(raw)
    _fill_namespace(meta, namespace)
    _generate_name(meta)
    admitted = _admit(raw)
    if namespace is not None:
        _require_namespace(store, namespace)
    created = _create_admitted(request, resource, admitted.obj, manager=_field_manager(request))
    response = _object_response(created, status=201)
    response.headers.update(_warnings(admitted, checked.warnings))
    return response


def _create_admitted(
    request: web.Request,
    resource: discovery.Resource,
    obj: wire.Wire,
    *,
    manager: str,
    managed: list[dict[str, Any]] | None = None,
) -> wire.Wire:
    """Store an admitted new object, with its managedFields (an Update by `manager` unless
    `managed` is given, as server-side apply does)."""
    if isinstance(obj, Pod):  # the pod strategy's PrepareForCreate: a fresh Pending status
        obj = defaults.prepare_pod_for_create(obj, now=_now(request))
    if managed is None:
        managed = apply.record_update(
            old=None,
            new=_wire(obj),
            cls=decoding.KINDS[resource.kind],
            managed_fields=(),
            manager=manager,
            now=_now(request),
        )
    return _store(request).create(_with_managed_fields(obj, managed))


# --- watch -----------------------------------------------------------------------------------


def _event_object(
    request: web.Request, resource: discovery.Resource, event: contract.WatchEvent, *, first: bool
) -> dict[str, Any] | msgspec.Raw:
    if event.type is contract.EventType.ERROR:
        error = event.error or contract.StoreError("watch ended")
        api_error = errors.from_store(error)
        return errors.status_body(api_error.code, api_error.reason, api_error.message)
    assert event.object is not None
    if event.type is not contract.EventType.BOOKMARK and tables.wants_table(
        request.headers.get("Accept", "")
    ):
        return tables.table(
            resource.kind,
            [event.object],
            now=_now(request),
            include=request.query.get("includeObject", "Metadata"),
            list_meta={"resourceVersion": event.resource_version},
            with_columns=first,
        )
    return msgspec.Raw(wire.to_json(event.object))


async def _watch(
    request: web.Request, resource: discovery.Resource, namespace: str | None
) -> web.StreamResponse:
    store = _store(request)
    timeout = _int(request, "timeoutSeconds")
    error: contract.StoreError | None = None
    stream: contract.Watch | None = None
    try:
        stream = store.watch(
            resource.kind,
            namespace,
            resource_version=request.query.get("resourceVersion", ""),
            label_selector=request.query.get("labelSelector", ""),
            field_selector=request.query.get("fieldSelector", ""),
            bookmarks=_bool(request, "allowWatchBookmarks"),
        )
    except (contract.Expired, contract.TooLargeResourceVersion) as exc:
        error = exc  # the watch cache answers these with one ERROR event
    response = web.StreamResponse(headers={"Content-Type": errors.JSON})
    response.enable_chunked_encoding()
    await response.prepare(request)
    if stream is None:
        event = contract.WatchEvent(
            type=contract.EventType.ERROR, object=None, resource_version="", error=error
        )
        await _write_event(response, request, resource, event, first=True)
        await response.write_eof()
        return response
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout if timeout > 0 else None):
                first = True
                async for event in stream:
                    await _write_event(response, request, resource, event, first=first)
                    first = False
    except ConnectionError:
        return response  # the client went away
    finally:
        stream.close()
    await response.write_eof()
    return response


async def _write_event(
    response: web.StreamResponse,
    request: web.Request,
    resource: discovery.Resource,
    event: contract.WatchEvent,
    *,
    first: bool,
) -> None:
    body = {"type": str(event.type), "object": _event_object(request, resource, event, first=first)}
    await response.write(msgspec.json.encode(body) + b"\n")


# --- item: get, update, delete ---------------------------------------------------------------


async def namespaced_item(request: web.Request) -> web.StreamResponse:
    resource = _resource(request, namespaced_url=True)
    return await _item(request, resource, request.match_info["namespace"])


async def cluster_item(request: web.Request) -> web.StreamResponse:
    resource = _resource(request, namespaced_url=False)
    if resource.namespaced:
        raise errors.not_found_path()
    return await _item(request, resource, None)


async def _item(
    request: web.Request, resource: discovery.Resource, namespace: str | None
) -> web.StreamResponse:
    name = request.match_info["name"]
    if request.method == "GET":
        return _get(request, resource, namespace or "", name)
    if request.method == "PUT":
        return await _update(request, resource, namespace, name)
    if request.method == "PATCH":
        return await _patch(request, resource, namespace, name)
    if request.method == "DELETE":
        return await _delete(request, resource, namespace or "", name)
    raise errors.method_not_allowed()


def _get(
    request: web.Request, resource: discovery.Resource, namespace: str, name: str
) -> web.Response:
    obj = _store(request).get(resource.kind, namespace, name)
    if tables.wants_table(request.headers.get("Accept", "")):
        rv = obj.metadata.resource_version  # type: ignore[attr-defined]
        table = tables.table(
            resource.kind,
            [obj],
            now=_now(request),
            include=request.query.get("includeObject", "Metadata"),
            list_meta={"resourceVersion": rv},
        )
        return errors.json_response(table)
    return _object_response(obj)


def _check_name(meta: dict[str, Any], name: str) -> None:
    given = meta.get("name") or ""
    if given != name:
        raise errors.bad_request(
            f"the name of the object ({given}) does not match the name on the URL ({name})"
        )


async def _update(
    request: web.Request, resource: discovery.Resource, namespace: str | None, name: str
) -> web.Response:
    directive = _directive(request, "UpdateOptions")
    raw, duplicates = await _read_object(request)
    return _store_update(
        request, resource, namespace, name, raw, directive=directive, duplicates=duplicates
    )


async def _patch(
    request: web.Request, resource: discovery.Resource, namespace: str | None, name: str
) -> web.Response:
    """PATCH: apply the patch to the stored object's wire form, then update as PUT does;
    `application/apply-patch+yaml` is server-side apply (`_server_side_apply`)."""
    content_type = request.content_type
    directive = _directive(request, "PatchOptions")
    if content_type == "application/apply-patch+yaml":
        return await _server_side_apply(request, resource, namespace, name, directive)
    appliers = {
        "application/merge-patch+json": patching.merge_patch,
        "application/json-patch+json": patching.json_patch,
        "application/strategic-merge-patch+json": patching.strategic_merge_patch,
    }
    applier = appliers.get(content_type)
    if applier is None:
        raise errors.unsupported_media_type(openapi.PATCH_TYPES)
    if "force" in request.query:
        raise _patch_options_invalid("force", "Forbidden: may not be specified for non-apply patch")
    try:
        parsed = field_validation.loads(await request.read() or b"null")
    except ValueError as exc:
        raise errors.bad_request(f"error decoding patch: {exc}") from None
    patch = parsed.value
    stored = _store(request).get(resource.kind, namespace or "", name)
    try:
        patched = applier(json.loads(json.dumps(_wire(stored))), patch)
    except patching.PatchError as exc:
        raise errors.bad_request(str(exc)) from None
    if not isinstance(patched, dict):
        raise errors.bad_request("the patch does not leave an object")
    return _store_update(
        request,
        resource,
        namespace,
        name,
        patched,
        directive=directive,
        duplicates=parsed.duplicates,
    )


def _patch_options_invalid(field: str, detail: str) -> errors.ApiError:
    kind, _, message = detail.partition(": ")
    cause = {"reason": f"Field{kind.replace(' ', '')}", "message": message, "field": field}
    return errors.ApiError(
        422,
        "Invalid",
        f'PatchOptions.meta.k8s.io "" is invalid: {field}: {detail}',
        {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [cause]},
    )


async def _server_side_apply(
    request: web.Request,
    resource: discovery.Resource,
    namespace: str | None,
    name: str,
    directive: field_validation.Directive,
) -> web.Response:
    """Server-side apply (`apply`): create the object if it does not exist, else merge the
    applied configuration into it; either way through admission, as create and update do."""
    manager = request.query.get("fieldManager", "")
    if not manager:
        raise _patch_options_invalid("fieldManager", "Required value: is required for apply patch")
    force = _bool(request, "force")
    body = await request.read()
    try:
        config = yaml.safe_load(body) if body else None
    except yaml.YAMLError as exc:
        raise errors.bad_request(f"error decoding YAML: {exc}") from None
    if not isinstance(config, dict):
        raise errors.bad_request("the apply configuration must be an object")
    cls = decoding.KINDS[resource.kind]
    _check_kind(config, resource)
    checked = field_validation.check(config, cls, directive=directive)
    config = checked.raw
    meta = _metadata(config)
    _fill_namespace(meta, namespace)
    _check_name(meta, name)
    store = _store(request)
    try:
        stored: wire.Wire | None = store.get(resource.kind, namespace or "", name)
    except contract.NotFound:
        stored = None
    try:
        result = apply.apply(
            live=_wire(stored) if stored is not None else None,
            config=config,
            cls=cls,
            manager=manager,
            force=force,
            now=_now(request),
        )
    except apply.ApplyError as exc:
        raise errors.bad_request(str(exc)) from None
    except apply.ConflictError as exc:
        raise errors.ApiError(
            409,
            "Conflict",
            str(exc),
            {"causes": apply.conflict_causes(exc.conflicts)},
        ) from None
    merged = result.obj
    if stored is None:
        admitted = _admit(merged)
        if namespace is not None:
            _require_namespace(store, namespace)
        created = _create_admitted(
            request, resource, admitted.obj, manager=manager, managed=result.managed_fields
        )
        response = _object_response(created, status=201)
        response.headers.update(_warnings(admitted, checked.warnings))
        return response
    _metadata(merged)["managedFields"] = result.managed_fields
    response = _store_update(
        request,
        resource,
        namespace,
        name,
        merged,
        directive=field_validation.Directive.IGNORE,
        managed=result.managed_fields,
    )
    response.headers.update(field_validation.warning_header(checked.warnings))
    return response


def _store_update(
    request: web.Request,
    resource: discovery.Resource,
    namespace: str | None,
    name: str,
    raw: dict[str, Any],
    *,
    directive: field_validation.Directive,
    duplicates: tuple[str, ...] = (),
    managed: list[dict[str, Any]] | None = None,
) -> web.Response:
    """Update (PUT, or the result of a PATCH): field validation, admission, managedFields
    (an Update by the request's manager unless `managed` is given), optimistic concurrency;
    an object whose last finalizer goes while it is being deleted is removed."""
    store = _store(request)
    _check_kind(raw, resource)
    cls = decoding.KINDS[resource.kind]
    checked = field_validation.check(raw, cls, directive=directive, duplicates=duplicates)
    raw = checked.raw
    meta = _metadata(raw)
    _fill_namespace(meta, namespace)
    _check_name(meta, name)
    if resource.kind == "Pod":
        old = store.get(resource.kind, namespace or "", name)
        try:
            admitted = admission.admit_update(raw, old)
        except admission.InvalidError as exc:
            raise errors.from_invalid(exc) from None
        except admission.DecodeError as exc:
            raise errors.from_decode(exc) from None
    else:
        admitted = _admit(raw)
    obj = admitted.obj
    info = contract.info_for(resource.kind)
    stored = store.get(resource.kind, namespace or "", name)
    if info.has_status:  # the main resource ignores status changes (PrepareForUpdate)
        obj = msgspec.structs.replace(obj, status=stored.status)  # type: ignore[attr-defined]
    obj = _keep_deletion(obj, stored)
    if managed is None:
        body_managed = meta.get("managedFields") if isinstance(meta, dict) else None
        stored_wire = _wire(stored)
        managed = apply.record_update(
            old=stored_wire,
            new=_wire(obj),
            cls=cls,
            managed_fields=body_managed
            if body_managed
            else stored_wire.get("metadata", {}).get("managedFields"),
            manager=_field_manager(request),
            now=_now(request),
        )
    updated = store.update(_with_managed_fields(obj, managed))
    _remove_if_finalized(store, resource, updated)
    response = _object_response(updated)
    response.headers.update(_warnings(admitted, checked.warnings))
    return response


def _keep_deletion(obj: wire.Wire, stored: wire.Wire) -> wire.Wire:
    """deletionTimestamp and deletionGracePeriodSeconds are the server's: an update keeps the
    stored ones; a terminating object may lose finalizers but gains none (ValidateObjectMeta)."""
    old = stored.metadata  # type: ignore[attr-defined]
    meta = obj.metadata  # type: ignore[attr-defined]
    if old.deletion_timestamp is not None:
        added = [f for f in meta.finalizers if f not in old.finalizers]
        if added:
            raise errors.from_invalid(
                admission.InvalidError(
                    type(obj).__name__,
                    meta.name,
                    [
                        field.forbidden(
                            field.Path("metadata.finalizers"),
                            "no new finalizers can be added if the object is being deleted, "
                            "found new finalizers []string{"
                            + ", ".join(json.dumps(f) for f in added)
                            + "}",
                        )
                    ],
                )
            )
    return msgspec.structs.replace(
        obj,
        metadata=msgspec.structs.replace(
            meta,
            deletion_timestamp=old.deletion_timestamp,
            deletion_grace_period_seconds=old.deletion_grace_period_seconds,
        ),
    )


def _remove_if_finalized(
    store: contract.ObjectStore, resource: discovery.Resource, obj: wire.Wire
) -> None:
    """The registry's `ShouldDeleteDuringUpdate`: a deleted object (deletionTimestamp, grace
    period over: 0) with no finalizers left is removed; the watch sees MODIFIED, then DELETED."""
    meta = obj.metadata  # type: ignore[attr-defined]
    if meta.deletion_timestamp is None or meta.finalizers:
        return
    if meta.deletion_grace_period_seconds not in (None, 0):
        return  # a pod still stopping: the node removes it once its containers are gone
    with contextlib.suppress(contract.NotFound):
        store.delete(resource.kind, meta.namespace, meta.name, expected_uid=meta.uid)


async def _delete_options(request: web.Request) -> dict[str, Any]:
    if not await request.read():
        return {}  # DeleteOptions are optional
    return await _read_body(request)


async def _delete(
    request: web.Request, resource: discovery.Resource, namespace: str, name: str
) -> web.Response:
    options = await _delete_options(request)
    preconditions = options.get("preconditions") or {}
    if not isinstance(preconditions, dict):
        raise errors.bad_request("preconditions must be an object")
    if resource.kind == "Pod":
        marked = _mark_pod_deleted(request, namespace, name, options, preconditions)
        if marked is not None:
            return _object_response(marked)
    pending = _mark_finalizing(request, resource, namespace, name, preconditions)
    if pending is not None:
        return _object_response(pending)
    deleted = _store(request).delete(
        resource.kind,
        namespace,
        name,
        expected_uid=preconditions.get("uid") or None,
        expected_resource_version=preconditions.get("resourceVersion") or None,
    )
    if resource.kind in ("Pod", "Namespace"):
        return _object_response(deleted)
    meta = deleted.metadata  # type: ignore[attr-defined]
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": meta.name, "kind": resource.name, "uid": meta.uid},
    }
    return errors.json_response(body)


def _mark_pod_deleted(
    request: web.Request,
    namespace: str,
    name: str,
    options: dict[str, Any],
    preconditions: dict[str, Any],
) -> wire.Wire | None:
    """Graceful deletion, as the pod registry does it: a pod bound to the node and still running
    gets `deletionTimestamp` = now + grace and stays until the agent has stopped its containers
    (the agent then deletes it). Returns None when the pod is to be removed at once: not bound,
    already Succeeded or Failed, or a grace period of 0."""
    store = _store(request)
    pod = store.get("Pod", namespace, name)
    assert isinstance(pod, Pod)
    contract.check_preconditions(
        pod,
        kind="Pod",
        expected_uid=preconditions.get("uid") or None,
        expected_resource_version=preconditions.get("resourceVersion") or None,
    )
    grace = options.get("gracePeriodSeconds")
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int)):
        raise errors.bad_request("gracePeriodSeconds must be an integer")
    if grace is None:
        spec_grace = pod.spec.termination_grace_period_seconds
        grace = 30 if spec_grace is None else spec_grace
    grace = max(grace, 0)
    if not pod.spec.node_name or pod.status.phase in ("Succeeded", "Failed") or grace == 0:
        return None
    meta = pod.metadata
    if meta.deletion_timestamp is not None:
        current = meta.deletion_grace_period_seconds
        if current is not None and grace >= current:
            return pod  # deletion already under way with a grace no longer than asked
    deletion = _now(request).replace(microsecond=0) + datetime.timedelta(seconds=grace)
    marked = msgspec.structs.replace(
        pod,
        metadata=msgspec.structs.replace(
            meta, deletion_timestamp=deletion, deletion_grace_period_seconds=grace
        ),
    )
    return store.update(marked)


def _mark_finalizing(
    request: web.Request,
    resource: discovery.Resource,
    namespace: str,
    name: str,
    preconditions: dict[str, Any],
) -> wire.Wire | None:
    """An object with finalizers is not removed: it gets `deletionTimestamp` (grace 0) and
    stays until its last finalizer goes (`_remove_if_finalized`). None: remove it now."""
    store = _store(request)
    obj = store.get(resource.kind, namespace, name)
    meta = obj.metadata  # type: ignore[attr-defined]
    if not meta.finalizers:
        return None
    contract.check_preconditions(
        obj,
        kind=resource.kind,
        expected_uid=preconditions.get("uid") or None,
        expected_resource_version=preconditions.get("resourceVersion") or None,
    )
    if meta.deletion_timestamp is not None and meta.deletion_grace_period_seconds == 0:
        return obj
    marked = msgspec.structs.replace(
        obj,
        metadata=msgspec.structs.replace(
            meta,
            deletion_timestamp=meta.deletion_timestamp or _now(request).replace(microsecond=0),
            deletion_grace_period_seconds=0,
        ),
    )
    return store.update(marked)


# --- status subresource ----------------------------------------------------------------------


async def namespaced_subresource(request: web.Request) -> web.StreamResponse:
    resource = _resource(request, namespaced_url=True)
    sub = request.match_info["subresource"]
    if sub not in dict(resource.subresources):
        raise errors.not_found_path()
    namespace = request.match_info["namespace"]
    name = request.match_info["name"]
    if sub == "log":
        if request.method != "GET":
            raise errors.method_not_allowed()
        store = _store(request)
        pod = store.get("Pod", namespace, name)
        assert isinstance(pod, Pod)

        def current() -> Pod | None:
            try:
                found = store.get("Pod", namespace, name)
            except contract.NotFound:
                return None
            return found if isinstance(found, Pod) else None

        return await logs.serve_log(request, pod, now=_now(request), pod_getter=current)
    if request.method == "GET":
        return _object_response(_store(request).get(resource.kind, namespace, name))
    if request.method == "PUT":
        return await _update_status(request, resource, namespace, name)
    raise errors.method_not_allowed()


async def _update_status(
    request: web.Request, resource: discovery.Resource, namespace: str, name: str
) -> web.Response:
    store = _store(request)
    raw = await _read_body(request)
    _check_kind(raw, resource)
    meta = _metadata(raw)
    _fill_namespace(meta, namespace)
    _check_name(meta, name)
    try:
        obj = decoding.decode(raw)
    except decoding.DecodeError as exc:
        raise errors.bad_request(str(exc)) from None
    stored = store.get(resource.kind, namespace, name)
    contract.check_preconditions(
        stored,
        kind=resource.kind,
        expected_uid=obj.metadata.uid or None,  # type: ignore[attr-defined]
        expected_resource_version=obj.metadata.resource_version or None,  # type: ignore[attr-defined]
    )
    written = store.update_status(resource.kind, namespace, name, obj.status)  # type: ignore[attr-defined]
    return _object_response(written if written is not None else stored)


def add_routes(app: web.Application) -> None:
    router = app.router
    base = "/api/v1/namespaces/{namespace}/{resource}"
    router.add_route("*", base, namespaced_collection)
    router.add_route("*", base + "/{name}", namespaced_item)
    router.add_route("*", base + "/{name}/{subresource}", namespaced_subresource)
    router.add_route("*", "/api/v1/{resource}", collection)
    router.add_route("*", "/api/v1/{resource}/{name}", cluster_item)
