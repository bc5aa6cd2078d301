"""Node admission as a table: the cases of the scheduler's `TestEnoughRequests` (fit_test.go)
and the kubelet's `TestGeneralPredicates` (predicate_test.go), on a node of 10 milli-cpus,
20 bytes of memory and 32 pods, plus sidecars (counted with Kubernetes' formula)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.core.builders import container, make_pod, sidecar
from tinykube.core import admission
from tinykube.core.admission import RejectionReason as R

NODE = admission.Allocatable(milli_cpu=10, memory=20, pods=32)


def asks(cpu: int, memory: int, name: str = "c") -> dict[str, Any]:
    """A container requesting `cpu` milli-cpus and `memory` bytes (fit_test's units)."""
    return container(name, resources={"requests": {"cpu": f"{cpu}m", "memory": str(memory)}})


def pod(*containers: dict[str, Any], init: tuple[dict[str, Any], ...] = ()) -> Any:
    return make_pod(containers=containers or ("c",), init=init)


def message(resource: str, requested: int, used: int, capacity: int) -> str:
    return (
        f"Node didn't have enough resource: {resource}, requested: {requested}, used: {used}, "
        f"capacity: {capacity}"
    )


CASES = [
    pytest.param(pod(), [pod(asks(10, 20))], None, id="no-resources-requested-always-fits"),
    pytest.param(
        pod(asks(1, 1)),
        [pod(asks(10, 20))],
        (R.OUT_OF_CPU, message("cpu", 1, 10, 10)),
        id="too-many-resources-fails-cpu-first",
    ),
    pytest.param(
        pod(asks(1, 1), init=(asks(3, 1, "i"),)),
        [pod(asks(8, 19))],
        (R.OUT_OF_CPU, message("cpu", 3, 8, 10)),
        id="init-container-cpu",
    ),
    pytest.param(
        pod(asks(1, 1), init=(asks(3, 1, "i"), asks(2, 1, "j"))),
        [pod(asks(8, 19))],
        (R.OUT_OF_CPU, message("cpu", 3, 8, 10)),
        id="highest-init-container-cpu",
    ),
    pytest.param(
        pod(asks(1, 1), init=(asks(1, 3, "i"),)),
        [pod(asks(9, 19))],
        (R.OUT_OF_MEMORY, message("memory", 3, 19, 20)),
        id="init-container-memory",
    ),
    pytest.param(
        pod(asks(1, 1), init=(asks(1, 1, "i"),)),
        [pod(asks(9, 19))],
        None,
        id="init-container-fits-as-max-not-sum",
    ),
    pytest.param(pod(asks(1, 1)), [pod(asks(5, 5))], None, id="both-resources-fit"),
    pytest.param(
        pod(asks(2, 1)),
        [pod(asks(9, 5))],
        (R.OUT_OF_CPU, message("cpu", 2, 9, 10)),
        id="one-resource-memory-fits",
    ),
    pytest.param(
        pod(asks(1, 2)),
        [pod(asks(5, 19))],
        (R.OUT_OF_MEMORY, message("memory", 2, 19, 20)),
        id="one-resource-cpu-fits",
    ),
    pytest.param(pod(asks(5, 1)), [pod(asks(5, 19))], None, id="equal-edge-case"),
    pytest.param(
        pod(asks(4, 1), init=(asks(5, 1, "i"),)),
        [pod(asks(5, 19))],
        None,
        id="equal-edge-case-for-init-container",
    ),
    pytest.param(
        pod(asks(3, 1), init=(sidecar("s", resources={"requests": {"cpu": "3m"}}),)),
        [pod(asks(5, 1))],
        (R.OUT_OF_CPU, message("cpu", 6, 5, 10)),
        id="sidecar-adds-to-the-app-containers",
    ),
    pytest.param(
        pod(
            asks(1, 1),
            init=(sidecar("s", resources={"requests": {"cpu": "2m"}}), asks(6, 1, "i")),
        ),
        [pod(asks(3, 1))],
        (R.OUT_OF_CPU, message("cpu", 8, 3, 10)),
        id="init-container-after-a-sidecar-adds-it",
    ),
    pytest.param(
        pod(asks(1, 1)),
        [pod() for _ in range(32)],
        (R.OUT_OF_PODS, message("pods", 1, 32, 32)),
        id="too-many-pods-first-even-when-resources-fit",
    ),
    pytest.param(
        pod(asks(11, 1)),
        [pod() for _ in range(32)],
        (R.OUT_OF_PODS, message("pods", 1, 32, 32)),
        id="too-many-pods-before-cpu",
    ),
    pytest.param(
        pod(asks(3000, 1)),
        [],
        (R.OUT_OF_CPU, message("cpu", 3000, 0, 10)),
        id="more-cpu-than-the-node-has",
    ),
]


@pytest.mark.parametrize(("new", "admitted", "expected"), CASES)
def test_admission(new: Any, admitted: list[Any], expected: tuple[R, str] | None) -> None:
    verdict = admission.admit_pod(new, admitted=admitted, allocatable=NODE)
    if expected is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert (verdict.reason, verdict.message) == expected
        assert verdict.status_message == "Pod was rejected: " + expected[1]


def test_no_room_for_one_more_pod_without_requests() -> None:
    """predicate_test: "even without specified resources, predicate fails when there's no
    space for additional pod"."""
    node = admission.Allocatable(milli_cpu=10, memory=20, pods=1)
    verdict = admission.admit_pod(pod(), admitted=[pod(asks(10, 20))], allocatable=node)
    assert verdict == admission.Rejection(
        reason=R.OUT_OF_PODS,
        message="Node didn't have enough resource: pods, requested: 1, used: 1, capacity: 1",
    )


def test_cpu_is_counted_in_millicores_and_memory_in_bytes() -> None:
    node = admission.Allocatable(milli_cpu=2000, memory=1024**3)
    big = make_pod(containers=[container("c", resources={"requests": {"cpu": "3"}})])
    verdict = admission.admit_pod(big, admitted=[], allocatable=node)
    assert verdict is not None
    assert verdict.status_message == (
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 3000, used: 0, "
        "capacity: 2000"
    )
    hungry = make_pod(containers=[container("c", resources={"requests": {"memory": "2Gi"}})])
    verdict = admission.admit_pod(hungry, admitted=[], allocatable=node)
    assert verdict is not None
    assert verdict.reason is R.OUT_OF_MEMORY
    assert verdict.message.endswith("requested: 2147483648, used: 0, capacity: 1073741824")


def test_a_limit_alone_is_the_request() -> None:
    """The apiserver defaults a missing request to the limit, so a limit-only pod asks it."""
    node = admission.Allocatable(milli_cpu=500, memory=1024**3)
    limited = make_pod(containers=[container("c", resources={"limits": {"cpu": "1"}})])
    verdict = admission.admit_pod(limited, admitted=[], allocatable=node)
    assert verdict is not None
    assert verdict.message == message("cpu", 1000, 0, 500)


def test_a_node_shutting_down_admits_nothing_that_fits() -> None:
    verdict = admission.admit_pod(pod(), admitted=[], allocatable=NODE, node_shutting_down=True)
    assert verdict == admission.Rejection(
        reason=R.NODE_SHUTDOWN, message="Pod was rejected as the node is shutting down."
    )
    assert verdict.status_message == (
        "Pod was rejected: Pod was rejected as the node is shutting down."
    )


def test_usage_adds_and_removes_pods() -> None:
    one = admission.compute_requests(pod(asks(3, 4)))
    usage = admission.NodeUsage().plus(one).plus(one).minus(one)
    assert usage == admission.NodeUsage(pods=1, requested=admission.Requests(milli_cpu=3, memory=4))
