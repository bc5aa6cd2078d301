"""`tinykube get TYPE [NAME...]`: kubectl's `get` against the daemon.

Human-readable output asks the server for `meta.k8s.io/v1` Tables and prints them as kubectl's
table printer does (`api.printers.tabulate`: upper-cased headers, 3-space gaps; priority-1
columns only with `-o wide`; NAMESPACE first with `-A`, LABELS last with `--show-labels`, both
read from each row's object). `-o json|yaml` print the objects (a `v1` List for several) with
kubectl's printers, `-o name` prints `pod/x`. `-w` prints the list, then one line per watch event
(each flushed on its own, as kubectl's tabwriter does), until the server ends the stream.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from tinykube.api import printers
from tinykube.cli import client_common, client_http

_LIST_CHUNK = "500"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _TableView:
    """Which columns of the server's Tables to print, and how."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.wide = args.output == "wide"
        self.all_namespaces = bool(args.all_namespaces)
        self.show_labels = bool(args.show_labels)
        self.no_headers = bool(args.no_headers)
        self.columns: list[int] = []
        self.header: list[str] = []

    def set_columns(self, definitions: Iterable[dict[str, Any]]) -> None:
        self.columns = []
        self.header = []
        for index, column in enumerate(definitions):
            if self.wide or int(column.get("priority") or 0) == 0:
                self.columns.append(index)
                self.header.append(str(column.get("name", "")).upper())
        if self.all_namespaces:
            self.header.insert(0, "NAMESPACE")
        if self.show_labels:
            self.header.append("LABELS")

    def row(self, row: dict[str, Any]) -> list[str]:
        cells = row.get("cells") or []
        line = [_cell(cells[i]) if i < len(cells) else "" for i in self.columns]
        meta = (row.get("object") or {}).get("metadata") or {}
        if self.all_namespaces:
            line.insert(0, str(meta.get("namespace", "")))
        if self.show_labels:
            line.append(printers.format_labels(meta.get("labels") or {}))
        return line

    def render(self, rows: list[list[str]], *, header: bool) -> str:
        if header and not self.no_headers:
            return printers.tabulate(self.header, rows)
        if not rows:
            return ""
        # no header: align the rows among themselves only (a tabwriter flush of these lines)
        return printers.tabulate(["" for _ in rows[0]], rows).split("\n", 1)[1]


def _list_pages(
    client: client_http.Client,
    path: str,
    query: dict[str, str],
    accept: str,
) -> Iterator[dict[str, Any]]:
    """Every page of a list (`limit=500` and `continue`, as kubectl's chunked lists)."""
    token = ""
    while True:
        page_query = {**query, "limit": _LIST_CHUNK}
        if token:
            page_query["continue"] = token
        page = client.request("GET", path, query=page_query, accept=accept)
        yield page
        token = str((page.get("metadata") or {}).get("continue") or "")
        if not token:
            return


def _selectors(args: argparse.Namespace) -> dict[str, str]:
    query = {}
    if args.selector:
        query["labelSelector"] = args.selector
    if args.field_selector:
        query["fieldSelector"] = args.field_selector
    return query


def _print_no_resources(namespace: str | None) -> None:
    print(printers.no_resources_found(namespace), file=sys.stderr)


def _get_tables(
    client: client_http.Client,
    args: argparse.Namespace,
    resource: client_common.Resource,
    namespace: str | None,
) -> tuple[int, str]:
    """Print the Tables; returns (exit status, resourceVersion to watch from)."""
    view = _TableView(args)
    rows: list[list[str]] = []
    failures: list[client_http.ApiStatusError] = []
    version = ""
    have_columns = False
    if args.names:
        for name in args.names:
            try:
                table = client.request(
                    "GET",
                    resource.item(namespace or "", name),
                    accept=client_http.TABLE_ACCEPT,
                )
            except client_http.ApiStatusError as exc:
                failures.append(exc)
                continue
            if not have_columns:
                view.set_columns(table.get("columnDefinitions") or [])
                have_columns = True
            rows.extend(view.row(row) for row in table.get("rows") or [])
            version = str((table.get("metadata") or {}).get("resourceVersion") or version)
    else:
        path = resource.collection(namespace)
        for table in _list_pages(client, path, _selectors(args), client_http.TABLE_ACCEPT):
            if not have_columns:
                view.set_columns(table.get("columnDefinitions") or [])
                have_columns = True
            rows.extend(view.row(row) for row in table.get("rows") or [])
            version = str((table.get("metadata") or {}).get("resourceVersion") or "")
    if rows:
        sys.stdout.write(view.render(rows, header=True))
        sys.stdout.flush()
    elif not failures and not args.watch:
        _print_no_resources(namespace)
    for failure in failures:
        print(client_common.error_text(failure), file=sys.stderr)
    if args.watch and not failures:
        _watch_tables(client, args, resource, namespace, view, version, header=not rows)
    return (1 if failures else 0), version


def _watch_query(args: argparse.Namespace, version: str) -> dict[str, str]:
    query = _selectors(args)
    if args.names:
        query["fieldSelector"] = f"metadata.name={args.names[0]}"
    query["resourceVersion"] = version
    return query


def _watch_tables(
    client: client_http.Client,
    args: argparse.Namespace,
    resource: client_common.Resource,
    namespace: str | None,
    view: _TableView,
    version: str,
    *,
    header: bool,
) -> None:
    path = resource.collection(namespace)
    for _, table in client.watch(
        path, query=_watch_query(args, version), accept=client_http.TABLE_ACCEPT
    ):
        if table.get("kind") != "Table":
            continue
        if table.get("columnDefinitions") and not view.columns:
            view.set_columns(table["columnDefinitions"])
        rows = [view.row(row) for row in table.get("rows") or []]
        sys.stdout.write(view.render(rows, header=header))
        sys.stdout.flush()
        header = False


def _with_type(obj: dict[str, Any], resource: client_common.Resource) -> dict[str, Any]:
    """The object as kubectl prints it: with its TypeMeta, without `managedFields`."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    obj.setdefault("apiVersion", "v1")
    obj.setdefault("kind", resource.kind)
    return {"apiVersion": obj.pop("apiVersion"), "kind": obj.pop("kind"), **obj}


def _render_objects(
    objects: list[dict[str, Any]], args: argparse.Namespace, resource: client_common.Resource
) -> str:
    if args.output == "name":
        return "".join(f"{resource.singular}/{client_common.name_of(obj)}\n" for obj in objects)
    single = len(objects) == 1 and len(args.names) == 1
    value: Any = objects[0] if single else printers.kubectl_list(objects)
    if args.output == "json":
        return printers.to_kubectl_json(value)
    return printers.to_kubectl_yaml(value)


def _get_objects(
    client: client_http.Client,
    args: argparse.Namespace,
    resource: client_common.Resource,
    namespace: str | None,
) -> int:
    objects: list[dict[str, Any]] = []
    failures: list[client_http.ApiStatusError] = []
    version = ""
    if args.names:
        for name in args.names:
            try:
                obj = client.request("GET", resource.item(namespace or "", name))
            except client_http.ApiStatusError as exc:
                failures.append(exc)
                continue
            objects.append(_with_type(obj, resource))
            version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
    else:
        for page in _list_pages(
            client, resource.collection(namespace), _selectors(args), client_http.JSON
        ):
            objects.extend(_with_type(item, resource) for item in page.get("items") or [])
            version = str((page.get("metadata") or {}).get("resourceVersion") or "")
    if objects or (args.names and not failures):
        sys.stdout.write(_render_objects(objects, args, resource))
    elif not failures and not args.watch:
        if args.output in ("json", "yaml"):
            sys.stdout.write(_render_objects([], args, resource))
        else:
            _print_no_resources(namespace)
    sys.stdout.flush()
    for failure in failures:
        print(client_common.error_text(failure), file=sys.stderr)
    if failures:
        return 1
    if args.watch:
        for _, obj in client.watch(
            resource.collection(namespace), query=_watch_query(args, version)
        ):
            one = argparse.Namespace(**{**vars(args), "names": ["x"]})
            text = _render_objects([_with_type(obj, resource)], one, resource)
            if args.output == "yaml":
                text = "---\n" + text
            sys.stdout.write(text)
            sys.stdout.flush()
    return 0


def run(args: argparse.Namespace) -> int:
    resource = client_common.resource_for(args.resource)
    endpoint = client_http.endpoint(args)
    client = client_http.Client(endpoint)
    namespace: str | None = client_http.namespace(args, endpoint)
    if args.all_namespaces or not resource.namespaced:
        namespace = None
    if args.names and namespace is None and resource.namespaced:
        raise client_http.ClientError(
            "a resource cannot be retrieved by name across all namespaces"
        )
    if args.output in ("json", "yaml", "name"):
        return _get_objects(client, args, resource, namespace)
    status, _ = _get_tables(client, args, resource, namespace)
    return status
