"""The image manager: pull policy, pull back-off, pull secrets and the kubelet's events."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from tests.unit.core.builders import make_pod
from tinykube.agent import images
from tinykube.agent.recorder import Recorder
from tinykube.api.meta import ObjectMeta
from tinykube.api.objects import Event, Secret
from tinykube.api.pod import Pod
from tinykube.core import restart
from tinykube.core.observed import BackoffEntry
from tinykube.runtime import contract

SETTINGS = restart.BackoffSettings(
    initial=datetime.timedelta(seconds=10), maximum=datetime.timedelta(seconds=300)
)


class ManualClock:
    def __init__(self) -> None:
        self.at = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        self.mono = 100.0

    def now(self) -> datetime.datetime:
        return self.at

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.at += datetime.timedelta(seconds=seconds)
        self.mono += seconds


class Images:
    """An image service holding `present` images; pulls of `pullable` ones take 1.5 s."""

    def __init__(self, clock: ManualClock, *, present: set[str], pullable: set[str]) -> None:
        self.clock = clock
        self.present = present
        self.pullable = pullable
        self.pulls: list[tuple[str, contract.RegistryAuth | None]] = []

    async def image_status(self, image: str) -> contract.ImageInfo | None:
        return contract.ImageInfo(id=f"sha256:{image}", size=7) if image in self.present else None

    async def pull_image(
        self, image: str, *, auth: contract.RegistryAuth | None
    ) -> contract.ImageInfo:
        self.pulls.append((image, auth))
        self.clock.advance(1.5)
        if image not in self.pullable:
            raise contract.RuntimeFailure(f"rpc error: code = NotFound desc = {image}: not found")
        self.present.add(image)
        return contract.ImageInfo(id=f"sha256:{image}", size=7)


def _pod(image: str, policy: str, **spec: object) -> Pod:
    return make_pod(containers=[{"name": "app", "image": image, "imagePullPolicy": policy}], **spec)


async def _ensure(
    service: Images,
    pod: Pod,
    clock: ManualClock,
    backoff: dict[str, BackoffEntry],
    *,
    secrets: dict[str, Secret] | None = None,
) -> tuple[contract.ImageInfo | images.ImageError, list[tuple[str, str]]]:
    recorded: list[Event] = []
    recorder = Recorder(sink=recorded.append, clock=clock, node_name="n")
    try:
        result: contract.ImageInfo | images.ImageError = await images.ensure_image(
            service,
            pod,
            pod.spec.containers[0],
            secrets=secrets or {},
            backoff=backoff,
            settings=SETTINGS,
            recorder=recorder,
            clock=clock,
        )
    except images.ImageError as exc:
        result = exc
    recorder.flush()
    return result, [(event.reason, event.message) for event in recorded]


async def test_a_present_image_is_not_pulled_with_if_not_present() -> None:
    clock = ManualClock()
    service = Images(clock, present={"busybox:1.35"}, pullable=set())
    result, events = await _ensure(service, _pod("busybox:1.35", "IfNotPresent"), clock, {})
    assert isinstance(result, contract.ImageInfo)
    assert events == [("Pulled", 'Container image "busybox:1.35" already present on machine')]
    assert service.pulls == []


async def test_always_pulls_and_reports_the_time_and_size() -> None:
    clock = ManualClock()
    service = Images(clock, present={"busybox:1.35"}, pullable={"busybox:1.35"})
    result, events = await _ensure(service, _pod("busybox:1.35", "Always"), clock, {})
    assert isinstance(result, contract.ImageInfo)
    assert events == [
        ("Pulling", 'Pulling image "busybox:1.35"'),
        (
            "Pulled",
            'Successfully pulled image "busybox:1.35" in 1.5s (1.5s including waiting). '
            "Image size: 7 bytes.",
        ),
    ]


async def test_never_without_the_image_is_err_image_never_pull() -> None:
    clock = ManualClock()
    service = Images(clock, present=set(), pullable={"x:1"})
    result, events = await _ensure(service, _pod("x:1", "Never"), clock, {})
    assert isinstance(result, images.ImageError)
    message = 'Container image "x:1" is not present with pull policy of Never'
    assert (result.reason, result.message) == ("ErrImageNeverPull", message)
    assert events == [("ErrImageNeverPull", message)]
    assert service.pulls == []


async def test_a_failed_pull_backs_off_then_pulls_again() -> None:
    clock = ManualClock()
    service = Images(clock, present=set(), pullable=set())
    pod = _pod("x:1", "IfNotPresent")
    backoff: dict[str, BackoffEntry] = {}
    first, events = await _ensure(service, pod, clock, backoff)
    assert isinstance(first, images.ImageError) and first.reason == "ErrImagePull"
    assert first.message == "rpc error: code = NotFound desc = x:1: not found"
    assert events[-1] == ("Failed", f'Failed to pull image "x:1": {first.message}')

    clock.advance(9)  # within the 10 s back-off
    second, events = await _ensure(service, pod, clock, backoff)
    assert isinstance(second, images.ImageError)
    assert (second.reason, second.message) == ("ImagePullBackOff", 'Back-off pulling image "x:1"')
    assert events == [("BackOff", 'Back-off pulling image "x:1"')]
    assert len(service.pulls) == 1

    clock.advance(1)
    third, _ = await _ensure(service, pod, clock, backoff)
    assert isinstance(third, images.ImageError) and third.reason == "ErrImagePull"
    assert len(service.pulls) == 2
    assert backoff["x:1"].delay == datetime.timedelta(seconds=20)


def _docker_secret(name: str, registry: str) -> Secret:
    config = {"auths": {registry: {"auth": base64.b64encode(b"user:pw").decode()}}}
    encoded = base64.b64encode(json.dumps(config).encode()).decode()
    return Secret(
        metadata=ObjectMeta(name=name, namespace="ns"),
        type="kubernetes.io/dockerconfigjson",
        data={".dockerconfigjson": encoded},
    )


@pytest.mark.parametrize(
    ("image", "registry", "used"),
    [
        pytest.param("127.0.0.1:5000/app:1", "127.0.0.1:5000", True, id="same-host"),
        pytest.param("busybox:1.35", "https://index.docker.io/v1/", True, id="docker-hub"),
        pytest.param("quay.io/a/b:1", "127.0.0.1:5000", False, id="other-registry"),
    ],
)
async def test_pull_secrets_apply_to_their_registry(image: str, registry: str, used: bool) -> None:
    clock = ManualClock()
    service = Images(clock, present=set(), pullable={image})
    pod = _pod(image, "Always", imagePullSecrets=[{"name": "cred"}, {"name": "gone"}])
    _, events = await _ensure(
        service, pod, clock, {}, secrets={"cred": _docker_secret("cred", registry)}
    )
    ((_, auth),) = service.pulls
    if used:
        assert auth is not None and (auth.username, auth.password) == ("user", "pw")
    else:
        assert auth is None
    assert (
        "FailedToRetrieveImagePullSecret",
        "Unable to retrieve some image pull secrets (gone); attempting to pull the image may "
        "not succeed.",
    ) in events


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0004, "0s"), (0.116, "116ms"), (1.594, "1.594s"), (2.0, "2s"), (61.5, "1m1.5s")],
)
def test_pull_durations_print_as_go_does(seconds: float, text: str) -> None:
    assert images.format_pull_duration(seconds) == text
