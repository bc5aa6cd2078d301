"""`tinykube wait pod/NAME --for=...`: kubectl's wait, and the deletion wait `delete` shares.

`--for=condition=Ready[=false]` compares a `status.conditions[]` entry (type and status
case-insensitively), `--for=jsonpath='{.status.phase}'=Running` a JSONPath value (or only its
presence without `=VALUE`), `--for=delete` waits until the object is gone (or replaced by one
with another uid). Each object is read once, then watched from that version with
`fieldSelector=metadata.name=NAME` and the remaining time as `timeoutSeconds`, until the
condition holds (`pod/x condition met`) or the timeout passes (`error: timed out waiting for
the condition on pods/x`, exit 1).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections.abc import Callable
from typing import Any, Final

import msgspec

from tinykube.cli import client_common, client_http

WEEK: Final = 7 * 24 * 3600.0
_NO_RESOURCES: Final = (
    "You must provide one or more resources by argument or filename.\n"
    "Example resource specifications include:\n"
    "   '-f rsrc.yaml'\n"
    "   '--filename=rsrc.json'\n"
    "   '<resource> <name>'\n"
    "   '<resource>'"
)


class TimedOut(client_http.ClientError):
    """The condition did not hold within the timeout."""


# --- JSONPath (the subset `kubectl wait` is used with) -----------------------------------------

_STEP: Final = re.compile(
    r"""\.(?P<field>[A-Za-z0-9_\-]+)
      | \[(?P<index>-?\d+)\]
      | \[['"](?P<key>[^'"]*)['"]\]
      | \[\?\(@\.(?P<filter>[A-Za-z0-9_.\-]+)\s*==\s*['"](?P<value>[^'"]*)['"]\)\]
      | \[\*\]
      | \.\*""",
    re.VERBOSE,
)


def parse_jsonpath(template: str) -> list[re.Match[str]]:
    """The steps of `{.a.b[0]}`; `ClientError` for what this subset does not read."""
    body = template.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    if body.startswith("$"):
        body = body[1:]
    steps = []
    position = 0
    while position < len(body):
        match = _STEP.match(body, position)
        if match is None:
            raise client_http.ClientError(
                f"not supported: the JSONPath expression {template} (fields, [n], [*] and "
                '[?(@.field=="value")] are)'
            )
        steps.append(match)
        position = match.end()
    return steps


def _walk(values: list[Any], step: re.Match[str]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if step.group("field") is not None or step.group("key") is not None:
            name = step.group("field") or step.group("key")
            if isinstance(value, dict) and name in value:
                out.append(value[name])
        elif step.group("index") is not None:
            index = int(step.group("index"))
            if isinstance(value, list) and -len(value) <= index < len(value):
                out.append(value[index])
        elif step.group("filter") is not None:
            for item in value if isinstance(value, list) else []:
                found: Any = item
                for part in step.group("filter").split("."):
                    found = found.get(part) if isinstance(found, dict) else None
                if found is not None and _text(found) == step.group("value"):
                    out.append(item)
        elif isinstance(value, list):
            out.extend(value)
        elif isinstance(value, dict):
            out.extend(value.values())
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def jsonpath_values(obj: Any, steps: list[re.Match[str]]) -> list[str]:
    values = [obj]
    for step in steps:
        values = _walk(values, step)
    return [_text(value) for value in values]


# --- conditions --------------------------------------------------------------------------------


class Condition(msgspec.Struct, frozen=True):
    """What `--for` asks: `check(obj)` tells whether a present object meets it."""

    delete: bool
    check: Callable[[dict[str, Any]], bool]


def _condition_check(name: str, value: str) -> Callable[[dict[str, Any]], bool]:
    def check(obj: dict[str, Any]) -> bool:
        for condition in (obj.get("status") or {}).get("conditions") or []:
            if str(condition.get("type", "")).lower() == name.lower():
                return str(condition.get("status", "")).lower() == value.lower()
        return False

    return check


def _jsonpath_check(template: str, value: str | None) -> Callable[[dict[str, Any]], bool]:
    steps = parse_jsonpath(template)

    def check(obj: dict[str, Any]) -> bool:
        found = jsonpath_values(obj, steps)
        if value is None:
            return bool(found)
        if len(found) > 1:
            raise client_http.ClientError(
                f"given jsonpath expression matches more than one value: {template}"
            )
        return bool(found) and found[0] == value

    return check


def parse_condition(text: str) -> Condition:
    lowered = text.lower()
    if lowered == "delete":
        return Condition(delete=True, check=lambda obj: False)
    if lowered.startswith("condition="):
        name, _, value = text[len("condition=") :].partition("=")
        return Condition(delete=False, check=_condition_check(name, value or "true"))
    if lowered.startswith("jsonpath="):
        expression = text[len("jsonpath=") :]
        end = expression.find("}")
        if expression.startswith("{") and end >= 0:
            template, rest = expression[: end + 1], expression[end + 1 :]
        else:
            template, _, rest = expression.partition("=")
            rest = "=" + rest if rest else ""
        if rest and not rest.startswith("="):
            raise client_http.ClientError(f'unrecognized condition: "{text}"')
        expected = rest[1:] if rest else None
        return Condition(delete=False, check=_jsonpath_check(template, expected))
    raise client_http.ClientError(f'unrecognized condition: "{text}"')


# --- waiting -----------------------------------------------------------------------------------


def _uid(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))


def wait_for(
    client: client_http.Client,
    resource: client_common.Resource,
    namespace: str,
    name: str,
    condition: Condition,
    *,
    timeout: float,
    uid: str = "",
) -> bool:
    """Block until `name` meets `condition` (True) or `timeout` seconds pass (`TimedOut`).

    For a deletion wait, returns False when the object was already gone at the first look
    (kubectl then prints nothing). A missing object otherwise raises its NotFound.
    """
    deadline = time.monotonic() + timeout
    first = True
    while True:
        try:
            obj = client.request("GET", resource.item(namespace, name))
        except client_http.ApiStatusError as exc:
            if condition.delete and exc.reason == "NotFound":
                return not first
            raise
        if condition.delete and uid and _uid(obj) != uid:
            return True
        uid = uid or _uid(obj)
        if not condition.delete and condition.check(obj):
            return True
        first = False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOut(f"timed out waiting for the condition on {resource.plural}/{name}")
        query = {
            "fieldSelector": f"metadata.name={name}",
            "resourceVersion": _version(obj),
            "timeoutSeconds": str(max(1, math.ceil(remaining))),
        }
        for kind, event_obj in client.watch(
            resource.collection(namespace), query=query, timeout=remaining + 5
        ):
            if condition.delete:
                if _uid(event_obj) != uid or kind == "DELETED":
                    return True
            elif kind != "DELETED" and condition.check(event_obj):
                return True
            if time.monotonic() >= deadline:
                break


def _targets(
    client: client_http.Client, args: argparse.Namespace, namespace: str
) -> list[tuple[client_common.Resource, str]]:
    targets: list[tuple[client_common.Resource, str]] = []
    words = list(args.targets)
    if not words:
        raise client_http.ClientError(_NO_RESOURCES)
    if all("/" in word for word in words):
        for word in words:
            kind, _, name = word.partition("/")
            targets.append((client_common.resource_for(kind), name))
        return targets
    resource = client_common.resource_for(words[0])
    names = words[1:]
    if names:
        return [(resource, name) for name in names]
    if not args.all and not args.selector:
        raise client_http.ClientError("resource(s) were provided, but no name was specified")
    query = {"labelSelector": args.selector} if args.selector else {}
    listed = client.request("GET", resource.collection(namespace), query=query)
    found = [(resource, client_common.name_of(item)) for item in listed.get("items") or []]
    if not found:
        raise client_http.ClientError("no matching resources found")
    return found


def timeout_seconds(text: str) -> float:
    seconds = client_common.parse_duration(text, flag="--timeout")
    return WEEK if seconds < 0 else seconds


def run(args: argparse.Namespace) -> int:
    condition = parse_condition(args.condition)
    timeout = timeout_seconds(args.timeout)
    endpoint = client_http.endpoint(args)
    client = client_http.Client(endpoint)
    namespace = client_http.namespace(args, endpoint)
    status = 0
    for resource, name in _targets(client, args, namespace):
        try:
            met = wait_for(client, resource, namespace, name, condition, timeout=timeout)
        except client_http.ClientError as exc:
            print(client_common.error_text(exc), file=sys.stderr)
            status = 1
            continue
        if met:
            print(f"{resource.singular}/{name} condition met", flush=True)
    return status
