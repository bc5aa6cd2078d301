"""`tinykube describe pod NAME...`: kubectl's pod describer against the daemon.

For each pod (named, or every pod of the namespace matching `-l`), GET it and list its events
(`fieldSelector=involvedObject.name=..,involvedObject.namespace=..,involvedObject.uid=..`), then
render with `api.describe` in the local time zone. Several pods are separated by a blank line,
as kubectl separates them.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from typing import Any

from tinykube.api import describe, wire
from tinykube.api.objects import Event
from tinykube.api.pod import Pod
from tinykube.cli import client_common, client_http


def _events(client: client_http.Client, pod: Pod) -> list[Event]:
    meta = pod.metadata
    selector = (
        f"involvedObject.name={meta.name},involvedObject.namespace={meta.namespace},"
        f"involvedObject.uid={meta.uid}"
    )
    try:
        listed = client.request(
            "GET",
            client_common.EVENTS.collection(meta.namespace),
            query={"fieldSelector": selector, "limit": "500"},
        )
    except client_http.ApiStatusError:
        return []  # kubectl describes the pod anyway
    return [wire.from_wire(item, Event) for item in listed.get("items") or []]


def _pods(
    client: client_http.Client, args: argparse.Namespace, namespace: str
) -> tuple[list[dict[str, Any]], list[client_http.ApiStatusError]]:
    pods: list[dict[str, Any]] = []
    failures: list[client_http.ApiStatusError] = []
    if args.names:
        for name in args.names:
            try:
                pods.append(client.request("GET", client_common.PODS.item(namespace, name)))
            except client_http.ApiStatusError as exc:
                failures.append(exc)
        return pods, failures
    query = {"limit": "500"}
    if args.selector:
        query["labelSelector"] = args.selector
    listed = client.request("GET", client_common.PODS.collection(namespace), query=query)
    return list(listed.get("items") or []), failures


def run(args: argparse.Namespace) -> int:
    resource = client_common.resource_for(args.resource)
    if resource is not client_common.PODS:
        raise client_http.ClientError(f"not supported: describing {resource.plural} (only pods)")
    endpoint = client_http.endpoint(args)
    client = client_http.Client(endpoint)
    namespace = client_http.namespace(args, endpoint)
    raw_pods, failures = _pods(client, args, namespace)
    if not raw_pods and not failures:
        print(f"No resources found in {namespace} namespace.", file=sys.stderr)
        return 0
    tz = datetime.datetime.now().astimezone().tzinfo or datetime.UTC
    first = True
    for raw in raw_pods:
        pod = wire.from_wire(raw, Pod)
        events = _events(client, pod) if args.show_events else None
        text = describe.describe_pod(pod, events, now=datetime.datetime.now(datetime.UTC), tz=tz)
        sys.stdout.write(text if first else "\n\n" + text)
        first = False
    sys.stdout.flush()
    for failure in failures:
        print(client_common.error_text(failure), file=sys.stderr)
    return 1 if failures else 0
