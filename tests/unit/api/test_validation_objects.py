"""ConfigMap, Secret and Namespace validation with the apiserver's exact messages.

Expectations follow `ValidateConfigMap`, `ValidateSecret` and `ValidateNamespace` in
`pkg/apis/core/validation/validation.go`, apimachinery's `ValidateObjectMeta`, and Go's
`encoding/base64` / `encoding/json` error texts.
"""

from __future__ import annotations

import base64

import pytest

from tinykube.api.meta import ObjectMeta
from tinykube.api.objects import ConfigMap, Namespace, NamespaceSpec, Secret
from tinykube.api.validation import objects, validate_configmap, validate_namespace, validate_secret

KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
META = ObjectMeta(name="cfg", namespace="default")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


CONFIG_MAP_CASES = [
    pytest.param(ConfigMap(metadata=META, data={"a.txt": "x", "B_2": "y"}), [], id="valid"),
    pytest.param(
        ConfigMap(metadata=ObjectMeta(name="Cfg", namespace="default")),
        [f'metadata.name: Invalid value: "Cfg": {SUBDOMAIN_MSG}'],
        id="name-not-subdomain",
    ),
    pytest.param(
        ConfigMap(metadata=ObjectMeta(namespace="default")),
        ["metadata.name: Required value: name or generateName is required"],
        id="name-required",
    ),
    pytest.param(
        ConfigMap(metadata=ObjectMeta(generate_name="cfg-", namespace="default")),
        [],
        id="generate-name-stands-in-for-name",
    ),
    pytest.param(
        ConfigMap(metadata=ObjectMeta(name="cfg")),
        ["metadata.namespace: Required value"],
        id="namespace-required",
    ),
    pytest.param(
        ConfigMap(metadata=META, data={"a b": "x", "..x": "y"}),
        [
            "data[..x]: Invalid value: \"..x\": must not start with '..'",
            f'data[a b]: Invalid value: "a b": {KEY_MSG}',
        ],
        id="bad-keys-sorted",
    ),
    pytest.param(
        ConfigMap(metadata=META, data={"k": "x"}, binary_data={"k": b64(b"y")}),
        ['data[k]: Invalid value: "k": duplicate of key present in binaryData'],
        id="key-in-both-maps",
    ),
    pytest.param(
        ConfigMap(metadata=META, data={"a": "x" * (1024 * 1024)}, binary_data={"b": b64(b"y")}),
        [": Too long: may not be more than 1048576 bytes"],
        id="too-big",
    ),
    pytest.param(
        ConfigMap(metadata=META, data={"a": "x" * (1024 * 1024)}),
        [],
        id="exactly-one-mebibyte",
    ),
]


@pytest.mark.parametrize(("config_map", "expected"), CONFIG_MAP_CASES)
def test_validate_configmap(config_map: ConfigMap, expected: list[str]) -> None:
    assert [str(error) for error in validate_configmap(config_map)] == expected


SECRET_CASES = [
    pytest.param(
        Secret(metadata=META, data={"password": b64(b"s3cr3t")}, type="Opaque"), [], id="opaque"
    ),
    pytest.param(
        Secret(metadata=META, data={"bad key": b64(b"x")}, string_data={"a/b": "y"}),
        [
            f'data[a/b]: Invalid value: "a/b": {KEY_MSG}',
            f'data[bad key]: Invalid value: "bad key": {KEY_MSG}',
        ],
        id="keys-of-data-and-string-data",
    ),
    pytest.param(
        Secret(metadata=META, data={"a": b64(b"x" * (1024 * 1024 + 1))}),
        ["data: Too long: may not be more than 1048576 bytes"],
        id="decoded-size-over-limit",
    ),
    pytest.param(
        Secret(metadata=META, type="kubernetes.io/dockerconfigjson"),
        ["data[.dockerconfigjson]: Required value"],
        id="dockerconfigjson-key-required",
    ),
    pytest.param(
        Secret(
            metadata=META,
            type="kubernetes.io/dockerconfigjson",
            data={".dockerconfigjson": b64(b'{"auths": ')},
        ),
        [
            'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end '
            "of JSON input"
        ],
        id="dockerconfigjson-truncated",
    ),
    pytest.param(
        Secret(
            metadata=META,
            type="kubernetes.io/dockercfg",
            data={".dockercfg": b64(b"nope")},
        ),
        [
            'data[.dockercfg]: Invalid value: "<secret contents redacted>": invalid character '
            "'o' in literal null (expecting 'u')"
        ],
        id="dockercfg-not-json",
    ),
    pytest.param(
        Secret(
            metadata=META,
            type="kubernetes.io/dockerconfigjson",
            data={".dockerconfigjson": b64(b"[1]")},
        ),
        [
            'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot '
            "unmarshal array into Go value of type map[string]interface {}"
        ],
        id="dockerconfigjson-not-an-object",
    ),
    pytest.param(
        Secret(
            metadata=META,
            type="kubernetes.io/dockerconfigjson",
            string_data={".dockerconfigjson": '{"auths": {}}'},
        ),
        [],
        id="dockerconfigjson-from-string-data",
    ),
    pytest.param(
        Secret(metadata=META, type="kubernetes.io/basic-auth"),
        ["data[username]: Required value", "data[password]: Required value"],
        id="basic-auth-needs-a-key",
    ),
    pytest.param(
        Secret(metadata=META, type="kubernetes.io/basic-auth", string_data={"password": ""}),
        [],
        id="basic-auth-password-alone",
    ),
    pytest.param(
        Secret(metadata=META, type="kubernetes.io/ssh-auth", data={"ssh-privatekey": ""}),
        ["data[ssh-privatekey]: Required value"],
        id="ssh-auth-key-empty",
    ),
    pytest.param(
        Secret(metadata=META, type="kubernetes.io/tls", data={"tls.key": b64(b"k")}),
        ["data[tls.crt]: Required value"],
        id="tls-cert-required",
    ),
    pytest.param(
        Secret(metadata=META, type="kubernetes.io/service-account-token"),
        ["metadata.annotations[kubernetes.io/service-account.name]: Required value"],
        id="service-account-token-annotation",
    ),
    pytest.param(Secret(metadata=META, type="example.com/custom"), [], id="custom-type"),
]


@pytest.mark.parametrize(("secret", "expected"), SECRET_CASES)
def test_validate_secret(secret: Secret, expected: list[str]) -> None:
    assert [str(error) for error in validate_secret(secret)] == expected


BASE64_CASES = [
    pytest.param("c2VjcmV0", None, id="valid"),
    pytest.param("c2VjcmV0\n", None, id="newline-ignored"),
    pytest.param("c2Vj*mV0", "illegal base64 data at input byte 4", id="bad-character"),
    pytest.param("abc", "illegal base64 data at input byte 0", id="short-quantum"),
    pytest.param("YQ=", "illegal base64 data at input byte 3", id="half-padding"),
    pytest.param("YQ==YQ==", "illegal base64 data at input byte 4", id="data-after-padding"),
    pytest.param("=", "illegal base64 data at input byte 0", id="padding-first"),
]


@pytest.mark.parametrize(("text", "expected"), BASE64_CASES)
def test_base64_problem_matches_go(text: str, expected: str | None) -> None:
    assert objects.base64_problem(text) == expected


NAMESPACE_CASES = [
    pytest.param(Namespace(metadata=ObjectMeta(name="team-a")), [], id="valid"),
    pytest.param(
        Namespace(metadata=ObjectMeta(name="team.a")),
        ['metadata.name: Invalid value: "team.a": must not contain dots'],
        id="name-must-be-a-label",
    ),
    pytest.param(
        Namespace(metadata=ObjectMeta(name="Team")),
        [f'metadata.name: Invalid value: "Team": {LABEL_MSG}'],
        id="name-uppercase",
    ),
    pytest.param(
        Namespace(metadata=ObjectMeta(name="a", namespace="b")),
        ["metadata.namespace: Forbidden: not allowed on this type"],
        id="cluster-scoped",
    ),
    pytest.param(
        Namespace(
            metadata=ObjectMeta(name="a"), spec=NamespaceSpec(finalizers=("kubernetes", "custom"))
        ),
        [
            'spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name '
            "nor is it fully qualified"
        ],
        id="spec-finalizers",
    ),
    pytest.param(
        Namespace(metadata=ObjectMeta(name="a", finalizers=("example.com/keep", "mine"))),
        [
            'metadata.finalizers[1]: Invalid value: "mine": name is neither a standard finalizer '
            "name nor is it fully qualified"
        ],
        id="metadata-finalizers",
    ),
]


@pytest.mark.parametrize(("namespace", "expected"), NAMESPACE_CASES)
def test_validate_namespace(namespace: Namespace, expected: list[str]) -> None:
    assert [str(error) for error in validate_namespace(namespace)] == expected
