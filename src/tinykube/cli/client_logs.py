"""`tinykube logs POD [-c C]`: a container's log through the pods/log subresource, as kubectl.

The pod is read first and the container chosen on the client, as kubectl 1.32 does: `-c` must
name one of the pod's containers (`error: container x is not valid for pod y`); without it the
`kubectl.kubernetes.io/default-container` annotation names it, else the first app container is
used and `Defaulted container "a" out of: a, b, i (init)` goes to stderr when the pod has
others. The flags become the log request's query (`tailLines`, `previous`, `follow`,
`timestamps`, `sinceSeconds`, `sinceTime`, `limitBytes`); the bytes are copied to stdout as they
come (`-f` until the server ends the stream).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from tinykube.cli import client_common, client_http

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


def _names(spec: dict[str, Any], field: str) -> list[str]:
    return [str(c.get("name", "")) for c in spec.get(field) or [] if isinstance(c, dict)]


def choose_container(pod: dict[str, Any], requested: str) -> tuple[str, str]:
    """(container, warning line or ""); `ClientError` when there is no such container."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    name = str(meta.get("name", ""))
    containers = _names(spec, "containers")
    init = _names(spec, "initContainers")
    ephemeral = _names(spec, "ephemeralContainers")
    every = [*containers, *init, *ephemeral]
    if requested:
        if requested not in every:
            raise client_http.ClientError(f"container {requested} is not valid for pod {name}")
        return requested, ""
    warning = ""
    annotated = str((meta.get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION, ""))
    if annotated:
        if annotated in every:
            return annotated, ""
        warning = f'Default container name "{annotated}" not found in pod {name}\n'
    if not containers:
        namespace = meta.get("namespace", "")
        raise client_http.ClientError(f"pod {namespace}/{name} does not have any containers")
    chosen = containers[0]
    if len(every) > 1:
        described = ", ".join(
            [*containers, *(f"{n} (init)" for n in init), *(f"{n} (ephem)" for n in ephemeral)]
        )
        warning += f'Defaulted container "{chosen}" out of: {described}\n'
    return chosen, warning


def _pod_name(text: str) -> str:
    kind, slash, name = text.partition("/")
    if not slash:
        return text
    if client_common.resource_for(kind) is not client_common.PODS:
        raise client_http.ClientError(f"cannot get the logs of {kind}: not supported (pods only)")
    return name


def _query(args: argparse.Namespace, container: str) -> dict[str, str]:
    query = {"container": container}
    if args.follow:
        query["follow"] = "true"
    if args.previous:
        query["previous"] = "true"
    if args.timestamps:
        query["timestamps"] = "true"
    if args.tail >= 0:
        query["tailLines"] = str(args.tail)
    if args.limit_bytes > 0:
        query["limitBytes"] = str(args.limit_bytes)
    if args.since and args.since_time:
        raise client_http.ClientError(
            "at most one of `sinceTime` or `sinceSeconds` may be specified"
        )
    if args.since:
        seconds = client_common.parse_duration(args.since, flag="--since")
        if seconds <= 0:
            raise client_http.ClientError("--since must be greater than 0")
        query["sinceSeconds"] = str(max(1, math.floor(seconds + 0.5)))
    if args.since_time:
        query["sinceTime"] = args.since_time
    return query


def run(args: argparse.Namespace) -> int:
    endpoint = client_http.endpoint(args)
    client = client_http.Client(endpoint)
    namespace = client_http.namespace(args, endpoint)
    name = _pod_name(args.pod)
    path = client_common.PODS.item(namespace, name)
    try:
        pod = client.request("GET", path, accept="application/json, */*")
    except client_http.ApiStatusError as exc:
        if exc.reason == "NotFound":
            raise client_http.ClientError(
                f'error from server (NotFound): {exc.message} in namespace "{namespace}"'
            ) from exc
        raise
    container, warning = choose_container(pod, args.container)
    query = _query(args, container)
    if warning:
        sys.stderr.write(warning)
        sys.stderr.flush()
    out = sys.stdout.buffer
    if args.follow:
        for chunk in client.stream(path + "/log", query=query, accept="application/json, */*"):
            out.write(chunk)
            out.flush()
        return 0
    out.write(client.text(path + "/log", query=query))
    out.flush()
    return 0
