"""Admission of one raw object: decode, default, validate — what the apiserver does on create.

`admit(raw)` is the single entry point shared by `tinykube validate`, `tinykube run` and the
HTTP API. It returns the defaulted object and any warnings, or raises one of:

    AdmissionError
    ├── DecodeError      400 BadRequest: not decodable (unknown kind, unknown field, wrong type)
    └── InvalidError     422 Invalid: decodable, but breaks validation rules (field errors)

Pure: no I/O; `now` is not needed here because creation timestamps are the store's business.
"""

from __future__ import annotations

from typing import Any

import msgspec

from tinykube.api import decoding, defaults, support, validation
from tinykube.api.field import FieldError, aggregate_message, kubectl_message
from tinykube.api.objects import ConfigMap, Event, Namespace, Secret
from tinykube.api.pod import Pod
from tinykube.api.wire import Wire


class AdmissionError(Exception):
    """Base of the admission errors (see the module docstring)."""


class DecodeError(AdmissionError):
    """Not decodable; the message is the apiserver's."""


class InvalidError(AdmissionError):
    """Decoded but invalid; carries the field errors."""

    def __init__(self, kind: str, name: str, errors: list[FieldError]) -> None:
        super().__init__(aggregate_message(kind, name, errors))
        self.kind = kind
        self.name = name
        self.errors = errors

    def kubectl_message(self) -> str:
        """The text kubectl prints for this error."""
        return kubectl_message(self.kind, self.name, self.errors)


class Admitted(msgspec.Struct, frozen=True):
    obj: Wire
    warnings: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return type(self.obj).__name__

    @property
    def name(self) -> str:
        meta = getattr(self.obj, "metadata", None)
        return str(getattr(meta, "name", "") or getattr(meta, "generate_name", ""))


def admit(raw: Any) -> Admitted:
    """Decode, default and validate one raw `v1` object (see the module docstring)."""
    try:
        obj = decoding.decode(raw)
    except decoding.DecodeError as exc:
        raise DecodeError(str(exc)) from exc
    return admit_object(obj)


def admit_object(obj: Wire) -> Admitted:
    """Default and validate an already decoded object."""
    if isinstance(obj, Pod):
        pod = defaults.apply_pod_defaults(obj)
        errors = validation.validate_pod(pod)
        report = support.check_support(pod)
        errors.extend(report.errors)
        _raise_if_invalid("Pod", pod.metadata.name, errors)
        return Admitted(obj=pod, warnings=report.warnings)
    if isinstance(obj, ConfigMap):
        config_map = defaults.apply_configmap_defaults(obj)
        _raise_if_invalid(
            "ConfigMap", config_map.metadata.name, validation.validate_configmap(config_map)
        )
        return Admitted(obj=config_map)
    if isinstance(obj, Secret):
        secret = defaults.apply_secret_defaults(obj)
        _raise_if_invalid("Secret", secret.metadata.name, validation.validate_secret(secret))
        return Admitted(obj=secret)
    if isinstance(obj, Namespace):
        namespace = defaults.apply_namespace_defaults(obj)
        _raise_if_invalid(
            "Namespace", namespace.metadata.name, validation.validate_namespace(namespace)
        )
        return Admitted(obj=namespace)
    if isinstance(obj, Event):
        return Admitted(obj=obj)
    raise DecodeError(f'no matches for kind {type(obj).__name__!r} in version "v1"')


def _raise_if_invalid(kind: str, name: str, errors: list[FieldError]) -> None:
    if errors:
        raise InvalidError(kind, name, errors)


def admit_update(raw: Any, old: Wire) -> Admitted:
    """Decode, default and validate `raw` as an update of `old` (`ValidatePodUpdate` for pods:
    only images, activeDeadlineSeconds, tolerations... may change). System metadata the client
    may leave out (uid, creationTimestamp, resourceVersion...) is taken from `old`."""
    try:
        obj = decoding.decode(raw)
    except decoding.DecodeError as exc:
        raise DecodeError(str(exc)) from exc
    if not isinstance(obj, Pod) or not isinstance(old, Pod):
        return admit_object(obj)
    old_meta = old.metadata
    meta = obj.metadata
    meta = msgspec.structs.replace(
        meta,
        uid=meta.uid or old_meta.uid,
        creation_timestamp=meta.creation_timestamp or old_meta.creation_timestamp,
        resource_version=meta.resource_version or old_meta.resource_version,
        generation=meta.generation or old_meta.generation,
        deletion_timestamp=meta.deletion_timestamp or old_meta.deletion_timestamp,
        deletion_grace_period_seconds=(
            meta.deletion_grace_period_seconds
            if meta.deletion_grace_period_seconds is not None
            else old_meta.deletion_grace_period_seconds
        ),
    )
    pod = defaults.set_pod_defaults(msgspec.structs.replace(obj, metadata=meta, status=old.status))
    errors = validation.validate_pod_update(pod, old)
    report = support.check_support(pod)
    errors.extend(report.errors)
    _raise_if_invalid("Pod", pod.metadata.name, errors)
    # The node's own binding is not the user's doing: no warning for an unchanged nodeName.
    warnings = tuple(
        warning
        for warning in report.warnings
        if not (warning.startswith("spec.nodeName:") and pod.spec.node_name == old.spec.node_name)
    )
    return Admitted(obj=pod, warnings=warnings)
