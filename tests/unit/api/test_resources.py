"""Effective pod requests/limits and QoS class.

Cases from Kubernetes' staging/src/k8s.io/component-helpers/resource/helpers_test.go
(TestPodRequestsAndLimits, TestPodRequestsAndLimitsWithoutOverhead, TestPodResourceRequests,
TestPodResourceLimits, TestPodLevelResourceRequests), pkg/apis/core/v1/helper/qos/qos_test.go
(TestComputePodQOS) and the examples of k8s-semantics.md §6. Where Kubernetes' test feeds an
undefaulted pod, the expectation here is what the apiserver computes after defaulting (noted).
"""

from __future__ import annotations

import pytest

from tinykube.api import pod as pod_model
from tinykube.api import resources
from tinykube.api.quantity import Quantity, parse_quantity

Amounts = dict[str, str]


def _list(amounts: Amounts | None) -> dict[str, Quantity]:
    return {name: parse_quantity(text) for name, text in (amounts or {}).items()}


def _req(
    amounts: Amounts | None = None, limits: Amounts | None = None
) -> pod_model.ResourceRequirements:
    return pod_model.ResourceRequirements(requests=_list(amounts), limits=_list(limits))


def ctr(name: str, req: Amounts | None = None, lim: Amounts | None = None) -> pod_model.Container:
    return pod_model.Container(name=name, image="busybox", resources=_req(req, lim))


def sidecar(
    name: str, req: Amounts | None = None, lim: Amounts | None = None
) -> pod_model.Container:
    return pod_model.Container(
        name=name, image="busybox", resources=_req(req, lim), restart_policy="Always"
    )


def spec(
    containers: tuple[pod_model.Container, ...] = (),
    init: tuple[pod_model.Container, ...] = (),
    *,
    overhead: Amounts | None = None,
    pod_req: Amounts | None = None,
    pod_lim: Amounts | None = None,
    pod_level: bool = False,
) -> pod_model.PodSpec:
    level = _req(pod_req, pod_lim) if (pod_level or pod_req or pod_lim) else None
    return pod_model.PodSpec(
        containers=containers or (ctr("app"),),
        init_containers=init,
        overhead=_list(overhead),
        resources=level,
    )


def as_text(amounts: dict[str, Quantity]) -> Amounts:
    return {name: str(amount) for name, amount in amounts.items()}


BIG_APPS = (
    ctr("foobar", {"cpu": "1", "memory": "5"}, {"cpu": "2", "memory": "10"}),
    ctr("foobar2", {"cpu": "4", "memory": "12"}, {"cpu": "8", "memory": "24"}),
)

# --- requests ------------------------------------------------------------------------------

REQUEST_CASES = [
    pytest.param(
        # Kubernetes' helpers_test expects {} here because it passes an undefaulted pod; the
        # apiserver defaults the request to the limit first, and so do we.
        spec((ctr("c", lim={"cpu": "9"}),)),
        True,
        {"cpu": "9"},
        id="just-limit-no-overhead-defaulted",
    ),
    pytest.param(
        spec(overhead={"cpu": "5", "memory": "5"}),
        True,
        {"cpu": "5", "memory": "5"},
        id="just-overhead",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "1", "memory": "10"}),), overhead={"cpu": "5", "memory": "5"}),
        True,
        {"cpu": "6", "memory": "15"},
        id="req-and-overhead",
    ),
    pytest.param(
        spec(
            (ctr("c", {"cpu": "1", "memory": "10"}, {"cpu": "2", "memory": "12"}),),
            overhead={"cpu": "5", "memory": "5"},
        ),
        True,
        {"cpu": "6", "memory": "15"},
        id="all-req-lim-and-overhead",
    ),
    pytest.param(spec(BIG_APPS), True, {"cpu": "5", "memory": "17"}, id="two-containers-summed"),
    pytest.param(
        spec(BIG_APPS, overhead={"cpu": "3", "memory": "8"}),
        False,
        {"cpu": "5", "memory": "17"},
        id="overhead-excluded",
    ),
    pytest.param(
        spec(
            BIG_APPS,
            (
                ctr("small-init", {"cpu": "1", "memory": "5"}, {"cpu": "1", "memory": "5"}),
                ctr("big-init", {"cpu": "40", "memory": "120"}, {"cpu": "80", "memory": "240"}),
            ),
            overhead={"cpu": "3", "memory": "8"},
        ),
        False,
        {"cpu": "40", "memory": "120"},
        id="massive-init-wins",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "1"}),), (ctr("i", {"cpu": "4"}),)),
        True,
        {"cpu": "4"},
        id="larger-init-container",
    ),
    pytest.param(
        spec((ctr("a", {"cpu": "2"}), ctr("b", {"cpu": "3"})), (ctr("i", {"cpu": "2"}),)),
        True,
        {"cpu": "5"},
        id="larger-containers",
    ),
    pytest.param(
        spec(
            (ctr("a", {"cpu": "2"}), ctr("b", {"cpu": "3"})),
            (ctr("i", {"cpu": "2"}, {"cpu": "2"}),),
            overhead={"cpu": "1", "memory": "1Gi"},
        ),
        True,
        {"cpu": "6", "memory": "1Gi"},
        id="pod-overhead-included",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "1"}),), (sidecar("s", {"cpu": "1"}),)),
        True,
        {"cpu": "2"},
        id="restartable-init-container",
    ),
    pytest.param(
        spec(
            (ctr("c", {"cpu": "1"}),),
            (
                ctr("init-1", {"cpu": "5"}),
                sidecar("s1", {"cpu": "1"}),
                sidecar("s2", {"cpu": "2"}),
                sidecar("s3", {"cpu": "3"}),
            ),
        ),
        True,
        {"cpu": "7"},
        id="multiple-restartable-init-containers",
    ),
    pytest.param(
        spec(
            (ctr("c", {"cpu": "1"}),),
            (
                ctr("init-1", {"cpu": "5"}),
                sidecar("s1", {"cpu": "1"}),
                sidecar("s2", {"cpu": "2"}),
                ctr("init-2", {"cpu": "5"}),
                sidecar("s3", {"cpu": "3"}),
            ),
        ),
        True,
        {"cpu": "8"},
        id="restartable-and-regular-init-containers",
    ),
    pytest.param(
        spec(
            (ctr("c", {"cpu": "100"}),),
            (sidecar("s1", {"cpu": "10"}), ctr("init-1", {"cpu": "200"})),
        ),
        True,
        {"cpu": "210"},
        id="sidecar-then-init-then-regular",
    ),
    pytest.param(
        spec(
            (ctr("app", {"cpu": "300m"}),),
            (
                ctr("init1", {"cpu": "500m"}),
                sidecar("s1", {"cpu": "100m"}),
                ctr("init2", {"cpu": "200m"}),
            ),
        ),
        True,
        {"cpu": "500m"},
        id="semantics-6.1-example-1",
    ),
    pytest.param(
        spec(
            (ctr("app", {"memory": "1Gi"}),),
            (sidecar("s1", {"memory": "1Gi"}), ctr("init1", {"memory": "2Gi"})),
        ),
        True,
        {"memory": "3Gi"},
        id="semantics-6.1-example-2",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "100m"}),), (sidecar("s", {"cpu": "1"}),)),
        True,
        {"cpu": "1100m"},
        id="sum-prints-in-first-format",
    ),
    pytest.param(
        spec((ctr("c", {"memory": "1Gi"}),), (sidecar("s", {"memory": "512Mi"}),)),
        True,
        {"memory": "1536Mi"},
        id="binary-sum",
    ),
    pytest.param(spec(pod_level=True), True, {}, id="pod-level-empty"),
    pytest.param(spec(pod_req={"memory": "2Mi"}), True, {"memory": "2Mi"}, id="pod-level-memory"),
    pytest.param(
        spec((ctr("c", {"cpu": "2m"}),), pod_req={"memory": "2Mi"}),
        True,
        {"memory": "2Mi", "cpu": "2m"},
        id="pod-level-memory-container-cpu",
    ),
    pytest.param(
        spec((ctr("c", {"storage": "3Mi"}),), pod_req={"storage": "2Mi"}),
        True,
        {"storage": "3Mi"},
        id="pod-level-unsupported-resource-ignored",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "2", "memory": "2Gi"}),), pod_req={"cpu": "1", "memory": "1Gi"}),
        True,
        {"cpu": "1", "memory": "1Gi"},
        id="pod-level-overrides-containers",
    ),
    pytest.param(
        spec(pod_lim={"cpu": "1", "memory": "1Gi"}),
        True,
        {"cpu": "1", "memory": "1Gi"},
        id="pod-level-requests-default-to-pod-limits",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "500m"}),), pod_lim={"cpu": "1", "memory": "1Gi"}),
        True,
        {"cpu": "500m", "memory": "1Gi"},
        id="pod-level-requests-default-to-container-sum",
    ),
    pytest.param(
        spec(pod_req={"cpu": "1"}, overhead={"cpu": "250m"}),
        True,
        {"cpu": "1250m"},
        id="pod-level-plus-overhead",
    ),
]


@pytest.mark.parametrize(("pod_spec", "overhead", "expected"), REQUEST_CASES)
def test_pod_requests(pod_spec: pod_model.PodSpec, overhead: bool, expected: Amounts) -> None:
    got = resources.pod_requests(pod_spec, include_overhead=overhead)
    assert got == _list(expected)
    assert as_text(got) == expected


# --- limits --------------------------------------------------------------------------------

LIMIT_CASES = [
    pytest.param(
        spec((ctr("c", lim={"cpu": "1"}),), (ctr("i", lim={"cpu": "4"}),)),
        True,
        {"cpu": "4"},
        id="larger-init-container",
    ),
    pytest.param(
        spec(
            (ctr("a", lim={"cpu": "2"}), ctr("b", lim={"cpu": "3"})), (ctr("i", lim={"cpu": "2"}),)
        ),
        True,
        {"cpu": "5"},
        id="larger-containers",
    ),
    pytest.param(
        spec(
            (ctr("a", lim={"cpu": "2"}), ctr("b", lim={"cpu": "3"})),
            (ctr("i", lim={"cpu": "2"}),),
            overhead={"cpu": "1"},
        ),
        False,
        {"cpu": "5"},
        id="overhead-excluded",
    ),
    pytest.param(
        spec(
            (ctr("a", lim={"cpu": "2"}), ctr("b", lim={"cpu": "3"})),
            (ctr("i", lim={"cpu": "2"}),),
            overhead={"cpu": "1", "memory": "1Gi"},
        ),
        True,
        {"cpu": "6"},
        id="overhead-only-on-limited-resources",
    ),
    pytest.param(
        spec((ctr("c", {"cpu": "1"}, {"cpu": "0"}),), overhead={"cpu": "1"}),
        True,
        {"cpu": "0"},
        id="overhead-not-added-to-zero-limit",
    ),
    pytest.param(spec(), True, {}, id="no-limited-containers"),
    pytest.param(
        spec((ctr("a", lim={"cpu": "2", "memory": "2Gi"}), ctr("b"))),
        True,
        {"cpu": "2", "memory": "2Gi"},
        id="one-limited-one-unlimited",
    ),
    pytest.param(
        spec(
            (ctr("a", lim={"cpu": "1", "memory": "1Gi"}),),
            (ctr("i", lim={"cpu": "2", "memory": "2Gi"}), ctr("j")),
        ),
        True,
        {"cpu": "2", "memory": "2Gi"},
        id="one-limited-one-unlimited-init",
    ),
    pytest.param(
        spec((ctr("c", lim={"cpu": "1"}),), (sidecar("s", lim={"cpu": "1"}),)),
        True,
        {"cpu": "2"},
        id="restartable-init-container",
    ),
    pytest.param(
        spec(
            (ctr("c", lim={"cpu": "1"}),),
            (
                ctr("init-1", lim={"cpu": "5"}),
                sidecar("s1", lim={"cpu": "1"}),
                sidecar("s2", lim={"cpu": "2"}),
                sidecar("s3", lim={"cpu": "3"}),
            ),
        ),
        True,
        {"cpu": "7"},
        id="multiple-restartable-init-containers",
    ),
    pytest.param(
        spec(
            (ctr("c", lim={"cpu": "1"}),),
            (
                ctr("init-1", lim={"cpu": "5"}),
                sidecar("s1", lim={"cpu": "1"}),
                sidecar("s2", lim={"cpu": "2"}),
                ctr("init-2", lim={"cpu": "5"}),
                sidecar("s3", lim={"cpu": "3"}),
            ),
        ),
        True,
        {"cpu": "8"},
        id="restartable-and-regular-init-containers",
    ),
    pytest.param(
        spec(
            (ctr("c", lim={"cpu": "100"}),),
            (sidecar("s1", lim={"cpu": "10"}), ctr("init-1", lim={"cpu": "200"})),
        ),
        True,
        {"cpu": "210"},
        id="sidecar-then-init-then-regular",
    ),
    pytest.param(
        spec((ctr("c", lim={"cpu": "2", "memory": "1Gi"}),), pod_lim={"cpu": "1"}),
        True,
        {"cpu": "1", "memory": "1Gi"},
        id="pod-level-limit-overrides-container",
    ),
    pytest.param(
        spec((ctr("c", lim={"cpu": "2"}),), pod_req={"cpu": "1"}, overhead={"cpu": "1"}),
        True,
        {"cpu": "3"},
        id="pod-level-requests-only-keep-container-limits",
    ),
]


@pytest.mark.parametrize(("pod_spec", "overhead", "expected"), LIMIT_CASES)
def test_pod_limits(pod_spec: pod_model.PodSpec, overhead: bool, expected: Amounts) -> None:
    got = resources.pod_limits(pod_spec, include_overhead=overhead)
    assert got == _list(expected)
    assert as_text(got) == expected


# --- one container -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "requests", "limits"),
    [
        pytest.param(ctr("c"), {}, {}, id="none"),
        pytest.param(ctr("c", lim={"cpu": "1"}), {"cpu": "1"}, {"cpu": "1"}, id="limit-only"),
        pytest.param(
            ctr("c", {"cpu": "500m"}, {"cpu": "1", "memory": "1Gi"}),
            {"cpu": "500m", "memory": "1Gi"},
            {"cpu": "1", "memory": "1Gi"},
            id="request-kept-missing-one-defaulted",
        ),
    ],
)
def test_container_requests_and_limits(
    container: pod_model.Container, requests: Amounts, limits: Amounts
) -> None:
    assert as_text(resources.container_requests(container)) == requests
    assert as_text(resources.container_limits(container)) == limits


# --- QoS -----------------------------------------------------------------------------------


def cm(cpu: str = "", memory: str = "") -> Amounts:
    """qos_test.go's getResourceList."""
    out: Amounts = {}
    if cpu:
        out["cpu"] = cpu
    if memory:
        out["memory"] = memory
    return out


G = resources.QOSClass.GUARANTEED
B = resources.QOSClass.BURSTABLE
BE = resources.QOSClass.BEST_EFFORT

QOS_CASES = [
    pytest.param(spec((ctr("g", cm("100m", "100Mi"), cm("100m", "100Mi")),)), G, id="guaranteed"),
    pytest.param(
        spec(
            (
                ctr("g1", cm("100m", "100Mi"), cm("100m", "100Mi")),
                ctr("g2", cm("100m", "100Mi"), cm("100m", "100Mi")),
            )
        ),
        G,
        id="guaranteed-guaranteed",
    ),
    pytest.param(spec((ctr("a"), ctr("b"))), BE, id="best-effort-best-effort"),
    pytest.param(spec((ctr("a"),)), BE, id="best-effort"),
    pytest.param(spec((ctr("a"), ctr("b", cm("1"), cm("2")))), B, id="best-effort-burstable"),
    pytest.param(
        spec((ctr("a"), ctr("b", cm("10m", "100Mi"), cm("10m", "100Mi")))),
        B,
        id="best-effort-guaranteed",
    ),
    pytest.param(
        spec((ctr("a", cm(memory="100Mi"), cm(memory="100Mi")),)),
        B,
        id="burstable-cpu-guaranteed-memory",
    ),
    pytest.param(spec((ctr("a", cm("100m", "100Mi")),)), B, id="burstable-no-limits"),
    pytest.param(
        spec(
            (
                ctr("a", cm("1", "100Mi"), cm("2", "100Mi")),
                ctr("b", cm("100m", "100Mi"), cm("100m", "100Mi")),
            )
        ),
        B,
        id="burstable-guaranteed",
    ),
    pytest.param(
        spec(
            (
                ctr("a", cm("100m", "100Mi"), cm("200m", "200Mi")),
                ctr("b", cm("100m", "100Mi")),
            )
        ),
        B,
        id="burstable-unbounded-but-requests-match-limits",
    ),
    pytest.param(spec((ctr("a", cm("10m", "100Mi"), cm("100m", "200Mi")),)), B, id="burstable-1"),
    pytest.param(spec((ctr("a", cm("0", "0"), cm("100m", "200Mi")),)), B, id="burstable-2"),
    pytest.param(
        spec(
            (
                ctr(
                    "a",
                    {**cm("0", "0"), "hugepages-2Mi": "1Gi"},
                    {**cm("0", "0"), "hugepages-2Mi": "1Gi"},
                ),
            )
        ),
        BE,
        id="best-effort-hugepages",
    ),
    pytest.param(
        spec((ctr("a"),), (ctr("i", cm("10m", "100Mi"), cm("100m", "200Mi")),)),
        B,
        id="init-container",
    ),
    pytest.param(
        spec((ctr("a"),), pod_req=cm("10m", "100Mi"), pod_lim=cm("10m", "100Mi")),
        G,
        id="guaranteed-with-pod-level-resources",
    ),
    pytest.param(
        spec(
            (ctr("a", cm("3m", "10Mi"), cm("5m", "20Mi")),),
            pod_req=cm("10m", "100Mi"),
            pod_lim=cm("10m", "100Mi"),
        ),
        G,
        id="guaranteed-with-pod-and-container-level-resources",
    ),
    pytest.param(
        spec((ctr("a"),), pod_req=cm("10m", "10Mi"), pod_lim=cm("20m", "50Mi")),
        B,
        id="burstable-with-pod-level-resources",
    ),
    pytest.param(
        spec(
            (ctr("a", cm("5m", "10Mi"), cm("5m", "10Mi")),),
            pod_req=cm("10m", "10Mi"),
            pod_lim=cm("20m", "50Mi"),
        ),
        B,
        id="burstable-with-pod-and-container-level-resources",
    ),
    pytest.param(
        spec((ctr("a", cm("5m", "10Mi")),), pod_req=cm("10m", "10Mi")),
        B,
        id="burstable-with-pod-and-container-level-requests",
    ),
    pytest.param(
        spec(
            (ctr("a", cm("5m", "10Mi")), ctr("b", cm("5m", "10Mi"), cm("5m", "10Mi"))),
            pod_req=cm("10m", "10Mi"),
            pod_lim=cm("5m"),
        ),
        B,
        id="burstable-with-pod-and-container-level-resources-2",
    ),
    # beyond qos_test.go: sidecars count, defaulting is applied, units do not matter
    pytest.param(
        spec(
            (ctr("a", cm("1", "1Gi"), cm("1", "1Gi")),),
            (sidecar("s", cm("100m", "64Mi"), cm("100m", "64Mi")),),
        ),
        G,
        id="guaranteed-with-sidecar",
    ),
    pytest.param(
        spec((ctr("a", cm("1", "1Gi"), cm("1", "1Gi")),), (sidecar("s"),)),
        B,
        id="best-effort-sidecar-makes-burstable",
    ),
    pytest.param(
        spec((ctr("a", lim=cm("1", "1Gi")),)), G, id="limits-only-defaulted-to-guaranteed"
    ),
    pytest.param(
        spec((ctr("a", cm("1000m", "1024Mi"), cm("1", "1Gi")),)),
        G,
        id="equal-values-in-different-units",
    ),
    pytest.param(
        spec((ctr("a"),), pod_lim=cm("1", "1Gi")),
        G,
        id="pod-level-limits-only-defaulted-to-guaranteed",
    ),
    pytest.param(
        spec((ctr("a", cm("500m")),), pod_lim=cm("1", "1Gi")),
        B,
        id="pod-level-request-defaulted-from-containers",
    ),
    pytest.param(
        spec((ctr("a", cm("1", "1Gi"), cm("1", "1Gi")),), pod_level=True),
        BE,
        id="empty-pod-level-resources-win",
    ),
    pytest.param(
        spec((ctr("a", {"ephemeral-storage": "1Gi"}, {"ephemeral-storage": "1Gi"}),)),
        BE,
        id="only-cpu-and-memory-count",
    ),
]


@pytest.mark.parametrize(("pod_spec", "expected"), QOS_CASES)
def test_qos_class(pod_spec: pod_model.PodSpec, expected: resources.QOSClass) -> None:
    assert resources.qos_class(pod_spec) == expected


def test_qos_class_is_the_status_string() -> None:
    assert resources.qos_class(spec()) == "BestEffort"
    assert [c.value for c in resources.QOSClass] == ["Guaranteed", "Burstable", "BestEffort"]


def test_ephemeral_containers_are_ignored() -> None:
    base = spec((ctr("a", cm("1", "1Gi"), cm("1", "1Gi")),))
    debug = pod_model.Container(name="debug", image="busybox", target_container_name="a")
    with_debug = pod_model.PodSpec(containers=base.containers, ephemeral_containers=(debug,))
    assert resources.qos_class(with_debug) == G
    assert resources.pod_requests(with_debug) == resources.pod_requests(base)
