"""`tinykube apply -f FILE|DIR|- [-R]`: kubectl's client-side apply against the daemon.

For each object of the manifests (read with `cli.sources`): GET it; if absent, POST it with the
`kubectl.kubernetes.io/last-applied-configuration` annotation (`pod/x created`); else compute
the three-way strategic merge patch (`cli.client_patch`) between that annotation, the manifest
and the live object, and PATCH it (`configured`) unless it is empty (`unchanged`). The server
validates (`fieldValidation=Strict`); its errors are printed as kubectl prints them, with the
manifest's name (`error when creating "f.yaml": ...`), and apply goes on with the next object,
exiting 1 at the end.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from typing import Any

from tinykube.api import manifests
from tinykube.cli import client_common, client_http, client_patch, sources

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
FIELD_MANAGER = "kubectl-client-side-apply"
MISSING_ANNOTATION = (
    "Warning: resource {plural}/{name} is missing the "
    "kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl "
    "apply. kubectl apply should only be used on resources created declaratively by either "
    "kubectl create --save-config or kubectl apply. The missing annotation will be patched "
    "automatically."
)


def with_last_applied(obj: dict[str, Any]) -> dict[str, Any]:
    """The manifest with its `last-applied-configuration` annotation set, as kubectl's
    `GetModifiedConfiguration`: the object without that annotation, in Go's JSON, plus `\\n`."""
    modified = copy.deepcopy(obj)
    meta = modified.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    applied = client_patch.go_json(modified) + "\n"
    meta["annotations"] = {**annotations, LAST_APPLIED: applied}
    return modified


def _info(resource: client_common.Resource, name: str, namespace: str) -> str:
    """cli-runtime's `Info.String()`, which kubectl puts in patch errors."""
    return (
        f'Resource: "/v1, Resource={resource.plural}", GroupVersionKind: "/v1, '
        f'Kind={resource.kind}"\nName: "{name}", Namespace: "{namespace}"'
    )


class _Applier:
    def __init__(self, client: client_http.Client, namespace: str, explicit: bool) -> None:
        self.client = client
        self.namespace = namespace
        self.explicit = explicit
        self.query = {"fieldManager": FIELD_MANAGER, "fieldValidation": "Strict"}

    def apply(self, raw: manifests.RawObject) -> None:
        obj = raw.raw
        if not isinstance(obj, dict):
            raise client_http.ClientError(f'error validating "{raw.source}": not an object')
        kind = str(obj.get("kind") or "")
        version = str(obj.get("apiVersion") or "")
        name = client_common.name_of(obj)
        resource = client_common.resource_for_kind(kind) if version == "v1" else None
        if resource is None:
            raise client_http.ClientError(
                f'resource mapping not found for name: "{name}" namespace: '
                f'"{(obj.get("metadata") or {}).get("namespace", "")}" from "{raw.source}": no '
                f'matches for kind "{kind}" in version "{version}"\n'
                "ensure CRDs are installed first"
            )
        if not name:
            raise client_http.ClientError(
                f"error when retrieving current configuration of:\n{_info(resource, '', '')}\n"
                f'from server for: "{raw.source}": resource name may not be empty'
            )
        namespace = self._namespace(obj, resource)
        modified = with_last_applied(obj)
        path = resource.item(namespace, name)
        try:
            current = self.client.request("GET", path)
        except client_http.ApiStatusError as exc:
            if exc.reason != "NotFound":
                raise client_common.with_source(
                    exc,
                    f"error when retrieving current configuration of:\n"
                    f"{_info(resource, name, namespace)}\nfrom server for: "
                    f'"{raw.source}": ',
                ) from exc
            self._create(raw, resource, namespace, modified)
            return
        self._patch(raw, resource, namespace, name, modified, current)

    def _namespace(self, obj: dict[str, Any], resource: client_common.Resource) -> str:
        meta = obj.setdefault("metadata", {})
        if not resource.namespaced:
            meta.pop("namespace", None)
            return ""
        given = str(meta.get("namespace") or "")
        if given and self.explicit and given != self.namespace:
            raise client_http.ClientError(
                f'the namespace from the provided object "{given}" does not match the '
                f"namespace \"{self.namespace}\". You must pass '--namespace={given}' to "
                "perform this operation."
            )
        namespace = given or self.namespace
        meta["namespace"] = namespace
        return namespace

    def _create(
        self,
        raw: manifests.RawObject,
        resource: client_common.Resource,
        namespace: str,
        modified: dict[str, Any],
    ) -> None:
        try:
            self.client.request(
                "POST",
                resource.collection(namespace if resource.namespaced else None),
                query=self.query,
                body=modified,
            )
        except client_http.ApiStatusError as exc:
            raise client_common.with_source(exc, f'error when creating "{raw.source}": ') from exc
        print(f"{resource.singular}/{client_common.name_of(modified)} created", flush=True)

    def _patch(
        self,
        raw: manifests.RawObject,
        resource: client_common.Resource,
        namespace: str,
        name: str,
        modified: dict[str, Any],
        current: dict[str, Any],
    ) -> None:
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        original_text = annotations.get(LAST_APPLIED)
        if original_text is None:
            print(
                MISSING_ANNOTATION.format(plural=resource.plural, name=name),
                file=sys.stderr,
                flush=True,
            )
        original = None
        if original_text:
            try:
                original = json.loads(original_text)
            except ValueError:
                original = None
        patch = client_patch.three_way_patch(original, modified, current)
        if not patch:
            print(f"{resource.singular}/{name} unchanged", flush=True)
            return
        try:
            self.client.request(
                "PATCH",
                resource.item(namespace, name),
                query=self.query,
                body=patch,
                content_type="application/strategic-merge-patch+json",
            )
        except client_http.ApiStatusError as exc:
            raise client_common.with_source(
                exc,
                f"error when applying patch:\n{client_patch.go_json(patch)}\nto:\n"
                f'{_info(resource, name, namespace)}\nfor: "{raw.source}": error when patching '
                f'"{raw.source}": ',
            ) from exc
        print(f"{resource.singular}/{name} configured", flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        objects = sources.read_sources(args.filename, recursive=args.recursive)
    except manifests.ManifestError as exc:
        raise client_http.ClientError(str(exc)) from exc
    if not objects:
        raise client_http.ClientError("no objects passed to apply")
    endpoint = client_http.endpoint(args)
    client = client_http.Client(endpoint)
    namespace = client_http.namespace(args, endpoint)
    applier = _Applier(client, namespace, explicit=bool(args.namespace))
    failures: list[client_http.ClientError] = []
    for raw in objects:
        try:
            applier.apply(raw)
        except client_http.Unreachable:
            raise
        except client_http.ClientError as exc:
            failures.append(exc)
    for failure in failures:  # kubectl reports them together, at the end
        text = client_common.error_text(failure, aggregated=len(failures) > 1)
        print(text, file=sys.stderr, flush=True)
    return 1 if failures else 0
