"""Pod volume validation: each case is one volume list and the exact errors Kubernetes reports.

Messages and paths come from `pkg/apis/core/validation/validation.go` (`ValidateVolumes`,
`validateVolumeSource` and the per-source functions), including its quirks: the `downwarAPI`
typo on a second source, item errors of downward API files on the source path, and the
projected volume's `conflicting duplicate paths` on the volume path.
"""

from __future__ import annotations

import pytest

from tinykube.api import quantity
from tinykube.api.field import Path
from tinykube.api.pod import (
    ConfigMapProjection,
    ConfigMapVolumeSource,
    DownwardAPIProjection,
    DownwardAPIVolumeFile,
    DownwardAPIVolumeSource,
    EmptyDirVolumeSource,
    HostPathVolumeSource,
    KeyToPath,
    ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource,
    ProjectedVolumeSource,
    ResourceFieldSelector,
    SecretProjection,
    SecretVolumeSource,
    ServiceAccountTokenProjection,
    Volume,
    VolumeProjection,
)
from tinykube.api.validation import volumes

LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"


def empty(name: str = "v") -> Volume:
    return Volume(name=name, empty_dir=EmptyDirVolumeSource())


def field_file(path: str, field_path: str, api_version: str = "v1") -> DownwardAPIVolumeFile:
    return DownwardAPIVolumeFile(
        path=path, field_ref=ObjectFieldSelector(api_version=api_version, field_path=field_path)
    )


CASES = [
    pytest.param([empty("a"), empty("b")], [], id="valid-empty-dirs"),
    pytest.param(
        [Volume(name="v")],
        ["spec.volumes[0]: Required value: must specify a volume type"],
        id="no-source",
    ),
    pytest.param(
        [Volume(empty_dir=EmptyDirVolumeSource())],
        ["spec.volumes[0].name: Required value"],
        id="name-required",
    ),
    pytest.param(
        [empty("Data")],
        [f'spec.volumes[0].name: Invalid value: "Data": {LABEL_MSG}'],
        id="name-not-dns-label",
    ),
    pytest.param(
        [empty("a.b")],
        ['spec.volumes[0].name: Invalid value: "a.b": must not contain dots'],
        id="name-with-dots",
    ),
    pytest.param(
        [empty("data"), empty("data")],
        ['spec.volumes[1].name: Duplicate value: "data"'],
        id="duplicate-name",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                empty_dir=EmptyDirVolumeSource(),
                host_path=HostPathVolumeSource(path="/tmp"),
                config_map=ConfigMapVolumeSource(name="c"),
            )
        ],
        [
            "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
            "spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type",
        ],
        id="three-sources",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                secret=SecretVolumeSource(secret_name="s"),
                downward_api=DownwardAPIVolumeSource(),
            )
        ],
        ["spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type"],
        id="second-source-downward-api-typo",
    ),
    pytest.param(
        [Volume(name="v", host_path=HostPathVolumeSource())],
        ["spec.volumes[0].hostPath.path: Required value"],
        id="host-path-required",
    ),
    pytest.param(
        [Volume(name="v", host_path=HostPathVolumeSource(path="/a/../etc"))],
        ["spec.volumes[0].hostPath.path: Invalid value: \"/a/../etc\": must not contain '..'"],
        id="host-path-backsteps",
    ),
    pytest.param(
        [Volume(name="v", host_path=HostPathVolumeSource(path="/run/x", type="Pipe"))],
        [
            'spec.volumes[0].hostPath.type: Unsupported value: "Pipe": supported values: "", '
            '"BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", '
            '"FileOrCreate", "Socket"'
        ],
        id="host-path-type",
    ),
    pytest.param(
        [Volume(name="v", host_path=HostPathVolumeSource(path="/run/x", type=""))],
        [],
        id="host-path-type-empty-is-unset",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                empty_dir=EmptyDirVolumeSource(size_limit=quantity.parse_quantity("-1Gi")),
            )
        ],
        [
            "spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid "
            "resource quantity"
        ],
        id="empty-dir-negative-size",
    ),
    pytest.param(
        [Volume(name="v", empty_dir=EmptyDirVolumeSource(medium="Anything"))],
        [],
        id="empty-dir-medium-not-validated",
    ),
    pytest.param(
        [Volume(name="v", secret=SecretVolumeSource(default_mode=0o1000))],
        [
            "spec.volumes[0].secret.secretName: Required value",
            f"spec.volumes[0].secret.defaultMode: Invalid value: 512: {MODE_MSG}",
        ],
        id="secret-name-and-mode",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                config_map=ConfigMapVolumeSource(
                    name="c",
                    items=(
                        KeyToPath(key="a", path="/abs"),
                        KeyToPath(path="../up"),
                        KeyToPath(key="c", path="..data", mode=-1),
                    ),
                ),
            )
        ],
        [
            'spec.volumes[0].configMap.items[0].path: Invalid value: "/abs": must be a relative '
            "path",
            "spec.volumes[0].configMap.items[1].key: Required value",
            'spec.volumes[0].configMap.items[1].path: Invalid value: "../up": must not '
            "contain '..'",
            'spec.volumes[0].configMap.items[2].path: Invalid value: "..data": must not start '
            "with '..'",
            f"spec.volumes[0].configMap.items[2].mode: Invalid value: -1: {MODE_MSG}",
        ],
        id="config-map-items",
    ),
    pytest.param(
        [Volume(name="v", config_map=ConfigMapVolumeSource(items=(KeyToPath(key="k"),)))],
        [
            "spec.volumes[0].configMap.name: Required value",
            "spec.volumes[0].configMap.items[0].path: Required value",
        ],
        id="config-map-name-and-item-path-required",
    ),
    pytest.param(
        [Volume(name="v", persistent_volume_claim=PersistentVolumeClaimVolumeSource())],
        ["spec.volumes[0].persistentVolumeClaim.claimName: Required value"],
        id="claim-name-required",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                downward_api=DownwardAPIVolumeSource(
                    items=(
                        field_file("labels", "metadata.labels"),
                        field_file("node", "spec.nodeName"),
                        DownwardAPIVolumeFile(path="x"),
                    )
                ),
            )
        ],
        [
            'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": '
            'supported values: "metadata.annotations", "metadata.labels", "metadata.name", '
            '"metadata.namespace", "metadata.uid"',
            "spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef "
            "is required",
        ],
        id="downward-api-field-paths",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                downward_api=DownwardAPIVolumeSource(
                    items=(
                        field_file("a", "metadata.bogus"),
                        field_file("b", "metadata.name", api_version="v2"),
                        field_file("c", "metadata.labels['Bad Key']"),
                    )
                ),
            )
        ],
        [
            'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.bogus": '
            "error converting fieldPath: field label not supported: metadata.bogus",
            'spec.volumes[0].downwardAPI.fieldRef.fieldPath: Invalid value: "metadata.name": '
            "error converting fieldPath: unsupported pod version: v2",
            'spec.volumes[0].downwardAPI.fieldRef: Invalid value: "Bad Key": name part must '
            "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        ],
        id="downward-api-conversion-and-subscript",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                downward_api=DownwardAPIVolumeSource(
                    items=(
                        DownwardAPIVolumeFile(
                            path="cpu",
                            resource_field_ref=ResourceFieldSelector(resource="limits.cpu"),
                        ),
                        DownwardAPIVolumeFile(
                            path="gpu",
                            resource_field_ref=ResourceFieldSelector(
                                container_name="app", resource="limits.gpu"
                            ),
                        ),
                    )
                ),
            )
        ],
        [
            "spec.volumes[0].downwardAPI.resourceFieldRef.containerName: Required value",
            "spec.volumes[0].downwardAPI.resourceFieldRef.resource: Unsupported value: "
            '"limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", '
            '"limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"',
        ],
        id="downward-api-resource-field-ref",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                downward_api=DownwardAPIVolumeSource(
                    items=(
                        DownwardAPIVolumeFile(
                            path="cpu",
                            resource_field_ref=ResourceFieldSelector(
                                container_name="app",
                                resource="limits.cpu",
                                divisor=quantity.parse_quantity("10m"),
                            ),
                        ),
                    )
                ),
            )
        ],
        [
            'spec.volumes[0].downwardAPI.resourceFieldRef.divisor: Invalid value: "limits.cpu": '
            "only divisor's values 1m and 1 are supported with the cpu resource"
        ],
        id="downward-api-cpu-divisor",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                projected=ProjectedVolumeSource(
                    sources=(
                        VolumeProjection(
                            secret=SecretProjection(name="s", items=(KeyToPath(key="a", path="p"),))
                        ),
                        VolumeProjection(
                            config_map=ConfigMapProjection(
                                name="c", items=(KeyToPath(key="b", path="p"),)
                            )
                        ),
                        VolumeProjection(
                            downward_api=DownwardAPIProjection(
                                items=(field_file("p", "metadata.name"),)
                            )
                        ),
                    )
                ),
            )
        ],
        [
            'spec.volumes[0].projected: Invalid value: "c": conflicting duplicate paths',
            'spec.volumes[0].projected: Invalid value: "p": conflicting duplicate paths',
        ],
        id="projected-duplicate-paths",
    ),
    pytest.param(
        [
            Volume(
                name="v",
                projected=ProjectedVolumeSource(
                    default_mode=0o7777,
                    sources=(
                        VolumeProjection(
                            secret=SecretProjection(), config_map=ConfigMapProjection(name="c")
                        ),
                        VolumeProjection(
                            service_account_token=ServiceAccountTokenProjection(
                                expiration_seconds=60
                            )
                        ),
                    ),
                ),
            )
        ],
        [
            f"spec.volumes[0].projected.defaultMode: Invalid value: 4095: {MODE_MSG}",
            "spec.volumes[0].projected.sources[0].secret.name: Required value",
            "spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume "
            "type per source",
            "spec.volumes[0].projected.sources[1].serviceAccountToken.expirationSeconds: Invalid "
            "value: 60: may not specify a duration less than 10 minutes",
            "spec.volumes[0].projected.path: Required value",
        ],
        id="projected-sources",
    ),
]


@pytest.mark.parametrize(("given", "expected"), CASES)
def test_validate_volumes(given: list[Volume], expected: list[str]) -> None:
    _, errors = volumes.validate_volumes(given, Path("spec").child("volumes"))
    assert [str(error) for error in errors] == expected


def test_invalid_volumes_are_left_out_of_the_map() -> None:
    """Mounts of an invalid volume must later fail with `Not found`, as in Kubernetes."""
    valid, _ = volumes.validate_volumes(
        [empty("good"), Volume(name="bad"), empty("good")], Path("spec").child("volumes")
    )
    assert list(valid) == ["good"]
