"""The CRI messages the runtime sends, built from the contract's configs."""

from __future__ import annotations

import pytest

from tinykube.core.ids import PodUID
from tinykube.runtime import contract
from tinykube.runtime.cri import convert

POD = contract.PodIdentity(uid=PodUID("u-1"), name="web", namespace="prod")


def _config(**fields: object) -> contract.ContainerConfig:
    base: dict[str, object] = {
        "pod": POD,
        "name": "app",
        "attempt": 2,
        "spec_hash": "h",
        "image": "busybox:1.35",
        "log_path": "/logs/prod_web_u-1/app/2.log",
    }
    base.update(fields)
    return contract.ContainerConfig(**base)  # type: ignore[arg-type]


def test_command_and_args_are_passed_apart_for_the_runtime_to_combine() -> None:
    message = convert.container_config(
        _config(args=("x",)),
        owner="o",
        log_directory="/logs/prod_web_u-1",
        termination_host_path="",
    )
    assert (list(message.command), list(message.args)) == ([], ["x"])
    assert message.log_path == "app/2.log"
    assert (message.metadata.name, message.metadata.attempt) == ("app", 2)


def test_labels_and_annotations_are_the_kubelets() -> None:
    message = convert.container_config(
        _config(), owner="o", log_directory="/logs/prod_web_u-1", termination_host_path=""
    )
    assert dict(message.labels) == {
        "io.kubernetes.pod.uid": "u-1",
        "io.kubernetes.pod.name": "web",
        "io.kubernetes.pod.namespace": "prod",
        "io.kubernetes.container.name": "app",
        "tinykube.io/owner": "o",
    }
    assert message.annotations["io.kubernetes.container.hash"] == "h"
    assert message.annotations["io.kubernetes.container.restartCount"] == "2"


def test_mounts_security_and_limits() -> None:
    config = _config(
        mounts=(contract.Mount(host_path="/v", container_path="/data", read_only=True),),
        termination_message_path="/dev/termination-log",
        run_as_user=1000,
        supplemental_groups=(5,),
        read_only_root=True,
        capabilities_add=("NET_ADMIN",),
        resources=contract.LinuxResources(cpu_shares=512, cpu_quota=50_000, memory_limit_bytes=64),
    )
    message = convert.container_config(
        config, owner="o", log_directory="/logs/prod_web_u-1", termination_host_path="/t/f"
    )
    assert [(m.host_path, m.container_path, m.readonly) for m in message.mounts] == [
        ("/v", "/data", True),
        ("/t/f", "/dev/termination-log", False),
    ]
    security = message.linux.security_context
    assert security.run_as_user.value == 1000
    assert not security.HasField("run_as_group")
    assert (list(security.supplemental_groups), security.readonly_rootfs) == ([5], True)
    assert list(security.capabilities.add_capabilities) == ["NET_ADMIN"]
    resources = message.linux.resources
    assert (resources.cpu_shares, resources.cpu_quota, resources.cpu_period) == (
        512,
        50_000,
        100_000,
    )
    assert resources.memory_limit_in_bytes == 64


def test_a_log_path_outside_the_sandbox_log_directory_is_a_config_error() -> None:
    with pytest.raises(contract.ConfigError):
        convert.container_config(
            _config(), owner="o", log_directory="/elsewhere", termination_host_path=""
        )


def test_host_network_sandboxes_have_no_hostname() -> None:
    config = contract.SandboxConfig(pod=POD, attempt=1, hostname="web", log_directory="/l")
    message = convert.sandbox_config(config, owner="o")
    assert message.hostname == ""
    assert message.linux.security_context.namespace_options.network == convert.pb.NODE
    assert message.metadata.attempt == 1
