"""Making sure a container's image is on this machine before it is created (the kubelet's
image manager, `pkg/kubelet/images/image_manager.go`).

`ensure_image` applies the container's imagePullPolicy (Always, IfNotPresent, Never; the
default from the tag was applied by API defaulting), a per-pod, per-image pull back-off
(client-go's `flowcontrol.Backoff`, with the crash-loop back-off's initial and maximum delays,
as the kubelet's `imageBackOff`), the credentials of the pod's imagePullSecrets, and records
the kubelet's events: Pulling, Pulled, Failed, BackOff, ErrImageNeverPull, InspectFailed.
A failure is an `ImageError` whose reason becomes the container's waiting reason
(ErrImagePull, ImagePullBackOff, ErrImageNeverPull, ImageInspectError).

Only runtimes that run images have an image service; the process runtime has none, and then
nothing here runs.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Mapping

import msgspec

from tinykube.agent.clock import Clock
from tinykube.agent.recorder import Recorder
from tinykube.api import field as api_field
from tinykube.api.objects import Secret
from tinykube.api.pod import Container, Pod
from tinykube.core import restart
from tinykube.core.observed import BackoffEntry
from tinykube.runtime import contract

DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset({"index.docker.io", "registry-1.docker.io", "docker.io"})


class ImageError(Exception):
    """The image is not there and will not be now; `reason` is the waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class PullSecrets(msgspec.Struct, frozen=True, kw_only=True):
    """Credentials from the pod's imagePullSecrets, and the names that could not be used."""

    auths: tuple[contract.RegistryAuth, ...] = ()
    missing: tuple[str, ...] = ()


def format_pull_duration(seconds: float) -> str:
    """Go's `Duration.String()` of a duration truncated to milliseconds: 116ms, 1.594s, 1m2s."""
    millis = int(seconds * 1000)
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    minutes, rest = divmod(millis, 60_000)
    hours, minutes = divmod(minutes, 60)
    second_text = f"{rest // 1000}.{rest % 1000:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{second_text}"
    if minutes:
        return f"{minutes}m{second_text}"
    return second_text


def registry_of(image: str) -> str:
    """The registry host an image reference names (docker.io when it names none)."""
    name = image.split("@", 1)[0]
    first, slash, _ = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return DOCKER_HUB if first in _DOCKER_HUB_ALIASES else first
    return DOCKER_HUB


def _registry_key(key: str) -> str:
    host = key.removeprefix("https://").removeprefix("http://").split("/", 1)[0]
    return DOCKER_HUB if host in _DOCKER_HUB_ALIASES else host


def _decode(text: str) -> bytes:
    return base64.b64decode(text, validate=False)


def _docker_config(secret: Secret) -> Mapping[str, object]:
    """The registries of a kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg secret."""
    data = secret.data
    try:
        if ".dockerconfigjson" in data:
            config = json.loads(_decode(data[".dockerconfigjson"]))
            auths = config.get("auths", {}) if isinstance(config, dict) else {}
            return auths if isinstance(auths, dict) else {}
        if ".dockercfg" in data:
            config = json.loads(_decode(data[".dockercfg"]))
            return config if isinstance(config, dict) else {}
    except (ValueError, binascii.Error):
        return {}
    return {}


def _registry_auth(server: str, entry: object) -> contract.RegistryAuth | None:
    if not isinstance(entry, dict):
        return None
    username = str(entry.get("username", "") or "")
    password = str(entry.get("password", "") or "")
    auth = str(entry.get("auth", "") or "")
    if auth and not username:
        try:
            username, _, password = _decode(auth).decode().partition(":")
        except (ValueError, binascii.Error):
            return None
    return contract.RegistryAuth(
        server_address=server,
        username=username,
        password=password,
        auth=auth,
        identity_token=str(entry.get("identitytoken", "") or ""),
        registry_token=str(entry.get("registrytoken", "") or ""),
    )


def pull_secrets(pod: Pod, image: str, secrets: Mapping[str, Secret]) -> PullSecrets:
    """The credentials of the pod's pull secrets that apply to `image`'s registry."""
    registry = registry_of(image)
    auths: list[contract.RegistryAuth] = []
    missing: list[str] = []
    for reference in pod.spec.image_pull_secrets:
        secret = secrets.get(reference.name)
        if secret is None:
            missing.append(reference.name)
            continue
        for key, entry in _docker_config(secret).items():
            if _registry_key(key) != registry:
                continue
            auth = _registry_auth(registry, entry)
            if auth is not None:
                auths.append(auth)
    return PullSecrets(auths=tuple(auths), missing=tuple(missing))


def _in_backoff(
    entry: BackoffEntry | None, now: datetime.datetime, settings: restart.BackoffSettings
) -> bool:
    """`IsInBackOffSinceUpdate`: less than the delay since the last failed pull."""
    if entry is None or now - entry.last_update > 2 * settings.maximum:
        return False
    return now - entry.last_update < entry.delay


def _next(
    entry: BackoffEntry | None, now: datetime.datetime, settings: restart.BackoffSettings
) -> BackoffEntry:
    return restart.next_backoff(entry, event_time=now, now=now, settings=settings)


def _should_pull(policy: str, present: bool) -> bool:
    """`shouldPullImage`."""
    if policy == "Never":
        return False
    return policy == "Always" or not present


def report_present(recorder: Recorder, pod: Pod, container: Container) -> None:
    """The kubelet's event for an image it need not pull."""
    quoted = api_field.go_quote(container.image)
    recorder.container_event(
        pod,
        container.name,
        type="Normal",
        reason="Pulled",
        message=f"Container image {quoted} already present on machine",
    )


async def ensure_image(
    service: contract.ImageService,
    pod: Pod,
    container: Container,
    *,
    secrets: Mapping[str, Secret],
    backoff: dict[str, BackoffEntry],
    settings: restart.BackoffSettings,
    recorder: Recorder,
    clock: Clock,
) -> contract.ImageInfo:
    """`EnsureImageExists`: the image, present or pulled now; raises `ImageError`."""
    image = container.image
    name = container.name
    quoted = api_field.go_quote(image)

    def event(kind: str, reason: str, message: str) -> None:
        recorder.container_event(pod, name, type=kind, reason=reason, message=message)

    try:
        present = await service.image_status(image)
    except contract.RuntimeFailure as exc:
        message = f"Failed to inspect image {quoted}: {exc}"
        event("Warning", "InspectFailed", message)
        raise ImageError("ImageInspectError", message) from exc
    if not _should_pull(container.image_pull_policy, present is not None):
        if present is not None:
            report_present(recorder, pod, container)
            return present
        message = f"Container image {quoted} is not present with pull policy of Never"
        event("Warning", "ErrImageNeverPull", message)
        raise ImageError("ErrImageNeverPull", message)

    if _in_backoff(backoff.get(image), clock.now(), settings):
        message = f"Back-off pulling image {quoted}"
        event("Normal", "BackOff", message)
        raise ImageError("ImagePullBackOff", message)

    credentials = pull_secrets(pod, image, secrets)
    if credentials.missing:
        recorder.pod_event(
            pod,
            type="Warning",
            reason="FailedToRetrieveImagePullSecret",
            message=f"Unable to retrieve some image pull secrets ({', '.join(credentials.missing)}"
            "); attempting to pull the image may not succeed.",
        )
    event("Normal", "Pulling", f"Pulling image {quoted}")
    started = clock.monotonic()
    failure: contract.RuntimeFailure | None = None
    for auth in credentials.auths or (None,):
        try:
            pulled = await service.pull_image(image, auth=auth)
        except contract.RuntimeFailure as exc:
            failure = exc
            continue
        took = format_pull_duration(clock.monotonic() - started)
        event(
            "Normal",
            "Pulled",
            f"Successfully pulled image {quoted} in {took} ({took} including waiting). "
            f"Image size: {pulled.size} bytes.",
        )
        return pulled
    assert failure is not None
    event("Warning", "Failed", f"Failed to pull image {quoted}: {failure}")
    backoff[image] = _next(backoff.get(image), clock.now(), settings)
    raise ImageError("ErrImagePull", str(failure))
