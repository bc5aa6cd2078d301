"""What the client commands share: resource names, Go durations, and kubectl's error lines.

`resource_for` maps what a user types (`pods`, `po`, `pod`, `ev`, `cm`, ...) to the API
resource; `parse_duration` reads Go durations (`30s`, `1m30s`, `-1`); `error_text` renders an
error exactly as kubectl's `CheckErr` prints it (`Error from server (NotFound): ...`, `The Pod
"x" is invalid: ...`, `error: ...`).
"""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from tinykube.cli import client_http


class Resource(msgspec.Struct, frozen=True):
    plural: str
    kind: str
    namespaced: bool

    @property
    def singular(self) -> str:
        return self.kind.lower()

    def collection(self, namespace: str | None) -> str:
        """The collection URL; `namespace` None lists every namespace."""
        if self.namespaced and namespace is not None:
            return f"/api/v1/namespaces/{namespace}/{self.plural}"
        return f"/api/v1/{self.plural}"

    def item(self, namespace: str, name: str) -> str:
        return f"{self.collection(namespace if self.namespaced else None)}/{name}"


PODS: Final = Resource("pods", "Pod", namespaced=True)
EVENTS: Final = Resource("events", "Event", namespaced=True)
RESOURCES: Final = (
    PODS,
    EVENTS,
    Resource("configmaps", "ConfigMap", namespaced=True),
    Resource("secrets", "Secret", namespaced=True),
    Resource("namespaces", "Namespace", namespaced=False),
)
_SHORT_NAMES: Final = {"po": "pods", "ev": "events", "cm": "configmaps", "ns": "namespaces"}


def resource_for(text: str) -> Resource:
    """The resource a user names by plural, singular, kind or short name."""
    wanted = text.lower().split(".", 1)[0]
    wanted = _SHORT_NAMES.get(wanted, wanted)
    for resource in RESOURCES:
        if wanted in (resource.plural, resource.singular):
            return resource
    raise client_http.ClientError(f'the server doesn\'t have a resource type "{text}"')


def resource_for_kind(kind: str) -> Resource | None:
    return next((r for r in RESOURCES if r.kind == kind), None)


_DURATION_PART: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS: Final = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_duration(text: str, *, flag: str) -> float:
    """Go's `time.ParseDuration` (and a bare number of seconds, as kubectl's `--timeout`
    accepts): seconds as a float."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body.lstrip("+-")
    if body == "0" or re.fullmatch(r"\d+", body):
        return sign * float(body)
    position = 0
    total = 0.0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None:
            raise client_http.ClientError(
                f'invalid argument "{text}" for "{flag}" flag: time: invalid duration "{text}"'
            )
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not body:
        raise client_http.ClientError(
            f'invalid argument "{text}" for "{flag}" flag: time: invalid duration "{text}"'
        )
    return sign * total


def _causes(details: dict[str, Any]) -> list[str]:
    lines = []
    for cause in details.get("causes") or ():
        if not isinstance(cause, dict):
            continue
        field = str(cause.get("field") or "")
        message = str(cause.get("message") or "")
        lines.append(f"{field}: {message}" if field else message)
    return lines


def error_text(error: Exception, *, aggregated: bool = False) -> str:
    """The line(s) kubectl prints for `error`, without the trailing newline.

    `aggregated`: one of several errors kubectl reports together, which it prints with
    `StandardErrorMessage` alone (no field list for an Invalid error).
    """
    if isinstance(error, client_http.ApiStatusError):
        details = error.details
        if error.reason == "Invalid" and details and not aggregated:
            prefix = "The request is invalid"
            if details.get("kind") or details.get("name"):
                prefix = f'The {details.get("kind", "")} "{details.get("name", "")}" is invalid'
            causes = _causes(details)
            if len(causes) == 1:
                return f"{prefix}: {causes[0]}"
            if causes:
                return f"{prefix}: \n" + "\n".join(f"* {cause}" for cause in causes)
            return f"{prefix}: {error.message}" if error.message else prefix
        if error.reason == "Unauthorized":
            return f"error: You must be logged in to the server ({error.message})"
        if error.reason:
            return f"Error from server ({error.reason}): {error.message}"
        return f"Error from server: {error.message}"
    message = str(error)
    if isinstance(error, client_http.Unreachable) and message.startswith("The connection"):
        return message
    return message if message.startswith("error: ") else f"error: {message}"


def with_source(error: client_http.ApiStatusError, text: str) -> client_http.ApiStatusError:
    """kubectl's `AddSourceToErr`: the Status message prefixed (`error when creating "f": `)."""
    status = dict(error.status)
    status["message"] = f"{text}{error.message}"
    return client_http.ApiStatusError(status, error.code)


def name_of(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, dict) else ""
