"""A container's environment and command line, as the kubelet builds them.

`container_environment` resolves `envFrom` then `env` (later entries win), with `valueFrom`
(configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef) and `$(VAR)` expansion of values
against the variables defined before them; `expand_command` expands `command` and `args` against
the result. Missing ConfigMaps, Secrets or keys give a `ConfigError` whose message is the
kubelet's (the container then waits with reason CreateContainerConfigError), unless `optional`.
"""

from __future__ import annotations

import base64
import binascii
import fractions
import math
import re
from collections.abc import Mapping

import msgspec

from tinykube.api.objects import ConfigMap, Secret
from tinykube.api.pod import Container, EnvVarSource, Pod
from tinykube.api.quantity import Quantity, parse_quantity


class ConfigError(Exception):
    """The environment cannot be built; the message is the kubelet's."""


class EnvSources(msgspec.Struct, frozen=True, kw_only=True):
    """What a container's environment may refer to."""

    config_maps: Mapping[str, ConfigMap]  # by name, in the pod's namespace
    secrets: Mapping[str, Secret]
    host_ip: str = "127.0.0.1"
    pod_ip: str = ""
    node_name: str = ""
    node_allocatable: Mapping[str, Quantity] = msgspec.field(default_factory=dict)


_REFERENCE = re.compile(r"\$\$|\$\(([^)]*)\)")


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` escapes a `$`,
    undefined references stay as written."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if name in variables:
            return variables[name]
        return match.group(0)

    if "$" not in text:
        return text
    return _REFERENCE.sub(replace, text)


def container_environment(
    pod: Pod, container: Container, sources: EnvSources
) -> tuple[tuple[str, str], ...]:
    """The ordered environment of `container` (names unique, last definition wins)."""
    namespace = pod.metadata.namespace
    env: dict[str, str] = {}
    for source in container.env_from:
        if source.config_map_ref is not None:
            ref = source.config_map_ref
            config_map = sources.config_maps.get(ref.name)
            if config_map is None:
                if ref.optional:
                    continue
                raise ConfigError(f'configmap "{ref.name}" not found')
            for key, value in config_map.data.items():
                env[source.prefix + key] = value
        if source.secret_ref is not None:
            secret_ref = source.secret_ref
            secret = sources.secrets.get(secret_ref.name)
            if secret is None:
                if secret_ref.optional:
                    continue
                raise ConfigError(f'secret "{secret_ref.name}" not found')
            for key, raw in secret_data(secret).items():
                env[source.prefix + key] = raw.decode("utf-8", "replace")
    for variable in container.env:
        if variable.value_from is not None:
            resolved = _value_from(pod, container, variable.value_from, sources, namespace)
            if resolved is None:
                continue
            env[variable.name] = resolved
        else:
            env[variable.name] = expand(variable.value, env)
    return tuple(env.items())


def expand_command(
    container: Container, env: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`command` and `args` with `$(VAR)` references expanded."""
    variables = dict(env)
    return (
        tuple(expand(part, variables) for part in container.command),
        tuple(expand(part, variables) for part in container.args),
    )


def secret_data(secret: Secret) -> dict[str, bytes]:
    """A Secret's data decoded from base64 (stringData merged as the apiserver does)."""
    data: dict[str, bytes] = {}
    for key, value in secret.data.items():
        try:
            data[key] = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            data[key] = b""
    for key, text in secret.string_data.items():
        data[key] = text.encode()
    return data


def _value_from(
    pod: Pod,
    container: Container,
    source: EnvVarSource,
    sources: EnvSources,
    namespace: str,
) -> str | None:
    if source.config_map_key_ref is not None:
        ref = source.config_map_key_ref
        config_map = sources.config_maps.get(ref.name)
        if config_map is None:
            if ref.optional:
                return None
            raise ConfigError(f'configmap "{ref.name}" not found')
        if ref.key in config_map.data:
            return config_map.data[ref.key]
        if ref.key in config_map.binary_data:
            return base64.b64decode(config_map.binary_data[ref.key]).decode("utf-8", "replace")
        if ref.optional:
            return None
        raise ConfigError(f"couldn't find key {ref.key} in ConfigMap {namespace}/{ref.name}")
    if source.secret_key_ref is not None:
        secret_ref = source.secret_key_ref
        secret = sources.secrets.get(secret_ref.name)
        if secret is None:
            if secret_ref.optional:
                return None
            raise ConfigError(f'secret "{secret_ref.name}" not found')
        data = secret_data(secret)
        if secret_ref.key not in data:
            if secret_ref.optional:
                return None
            raise ConfigError(
                f"couldn't find key {secret_ref.key} in Secret {namespace}/{secret_ref.name}"
            )
        return data[secret_ref.key].decode("utf-8", "replace")
    if source.field_ref is not None:
        return field_value(pod, source.field_ref.field_path, sources)
    if source.resource_field_ref is not None:
        field_ref = source.resource_field_ref
        target = container
        if field_ref.container_name:
            target = next(
                (
                    candidate
                    for candidate in (*pod.spec.init_containers, *pod.spec.containers)
                    if candidate.name == field_ref.container_name
                ),
                container,
            )
        return resource_value(target, field_ref.resource, field_ref.divisor, sources)
    return None


_LABEL_PATH = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


def field_value(pod: Pod, path: str, sources: EnvSources) -> str:
    """The value of a downward-API `fieldRef` path."""
    meta = pod.metadata
    simple = {
        "metadata.name": meta.name,
        "metadata.namespace": meta.namespace,
        "metadata.uid": meta.uid,
        "spec.nodeName": pod.spec.node_name or sources.node_name,
        "spec.serviceAccountName": pod.spec.service_account_name,
        "status.hostIP": sources.host_ip,
        "status.hostIPs": sources.host_ip,
        "status.podIP": sources.pod_ip,
        "status.podIPs": sources.pod_ip,
    }
    if path in simple:
        return simple[path]
    if path == "metadata.labels":
        return _format_map(meta.labels)
    if path == "metadata.annotations":
        return _format_map(meta.annotations)
    match = _LABEL_PATH.match(path)
    if match is not None:
        mapping = meta.labels if match.group(1) == "labels" else meta.annotations
        return mapping.get(match.group(2), "")
    raise ConfigError(f"unsupported fieldPath: {path}")


def _format_map(mapping: Mapping[str, str]) -> str:
    """The downward API's `key="value"` lines, sorted by key."""
    return "\n".join(f'{key}="{mapping[key]}"' for key in sorted(mapping))


def resource_value(
    container: Container, resource: str, divisor: Quantity | None, sources: EnvSources
) -> str:
    """A `resourceFieldRef` value: the container's request or limit (the node's allocatable
    when no limit is set), divided by the divisor and rounded up."""
    kind, _, name = resource.partition(".")
    if kind not in ("limits", "requests") or not name:
        raise ConfigError(f"unsupported container resource : {resource}")
    requirements = container.resources.limits if kind == "limits" else container.resources.requests
    value = requirements.get(name)
    if value is None:
        if kind == "requests" and name in ("cpu", "memory", "ephemeral-storage"):
            # requests default to 0 when unset
            value = parse_quantity("0")
        else:
            value = sources.node_allocatable.get(name) if sources.node_allocatable else None
    if value is None:
        return "0"
    unit = divisor if divisor is not None and not divisor.is_zero() else parse_quantity("1")
    return str(math.ceil(_fraction(value) / _fraction(unit)))


def _fraction(quantity: Quantity) -> fractions.Fraction:
    coef, exp = quantity.as_decimal()
    return fractions.Fraction(coef) * fractions.Fraction(10) ** exp
