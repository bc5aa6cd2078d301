"""`tinykube delete TYPE NAME... | --all | -l SEL`: kubectl's delete, waiting for the objects to go.

Each object gets a DELETE with `{"propagationPolicy": "Background"}` and the grace period kubectl
sends (`--grace-period=0` becomes 1 unless `--force`, `--now` is 1), and `pod "x" deleted` is
printed at once. Then, unless `--wait=false` or a deletion failed, the command waits for every
deleted object to be gone (a watch per object, `--timeout` 0 meaning a week, as kubectl).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tinykube.cli import client_common, client_http, client_wait

FORCE_WARNING = (
    "Warning: Immediate deletion does not wait for confirmation that the running resource has "
    "been terminated. The resource may continue to run on the cluster indefinitely."
)


def _grace_period(args: argparse.Namespace) -> int:
    grace = int(args.grace_period)
    if args.now:
        if grace != -1:
            raise client_http.ClientError("--now and --grace-period cannot be specified together")
        grace = 1
    if args.force and grace < 0:
        grace = 0
    if grace == 0 and not args.force:
        grace = 1  # kubectl turns --grace-period=0 into 1 unless --force
    return grace


def _names(
    client: client_http.Client,
    args: argparse.Namespace,
    resource: client_common.Resource,
    namespace: str,
) -> list[str] | None:
    if args.names:
        if args.all or args.selector:
            raise client_http.ClientError(
                "name cannot be provided when a selector is specified"
                if args.selector
                else "cannot set --all and resource names at the same time"
            )
        return list(args.names)
    if args.all and args.selector:
        raise client_http.ClientError("setting 'all' parameter but found a non empty selector. ")
    if not args.all and not args.selector:
        raise client_http.ClientError("resource(s) were provided, but no name was specified")
    query = {"labelSelector": args.selector} if args.selector else {}
    listed = client.request("GET", resource.collection(namespace), query=query)
    names = [client_common.name_of(item) for item in listed.get("items") or []]
    return names or None


def run(args: argparse.Namespace) -> int:
    resource = client_common.resource_for(args.resource)
    grace = _grace_period(args)
    timeout = client_common.parse_duration(args.timeout, flag="--timeout")
    endpoint = client_http.endpoint(args)
    client = client_http.Client(endpoint)
    namespace = client_http.namespace(args, endpoint)
    names = _names(client, args, resource, namespace)
    if names is None:
        print("No resources found", flush=True)
        return 0
    body: dict[str, Any] = {"propagationPolicy": "Background"}
    if grace >= 0:
        body["gracePeriodSeconds"] = grace
    force = args.force and grace == 0
    if force:
        print(FORCE_WARNING, file=sys.stderr, flush=True)
    deleted: list[tuple[str, str]] = []
    failures: list[client_http.ApiStatusError] = []
    for name in names:
        try:
            answer = client.request("DELETE", resource.item(namespace, name), body=body)
        except client_http.ApiStatusError as exc:
            failures.append(exc)
            continue
        uid = str(
            ((answer or {}).get("metadata") or (answer or {}).get("details") or {}).get("uid", "")
        )
        deleted.append((name, uid))
        verb = "force deleted" if force else "deleted"
        print(f'{resource.singular} "{name}" {verb}', flush=True)
    for failure in failures:
        print(client_common.error_text(failure), file=sys.stderr)
    if failures:
        return 1
    if not args.wait:
        return 0
    wait_timeout = client_wait.WEEK if timeout <= 0 else timeout
    gone = client_wait.Condition(delete=True, check=lambda obj: False)
    for name, uid in deleted:
        client_wait.wait_for(client, resource, namespace, name, gone, timeout=wait_timeout, uid=uid)
    return 0
