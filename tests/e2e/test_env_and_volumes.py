"""What a container sees: its environment (value, `$(VAR)` expansion, fieldRef, resourceFieldRef,
configMapKeyRef/secretKeyRef, envFrom), its volumes (emptyDir shared between init and app
containers, medium Memory, readOnly, subPath, configMap/secret files with modes, downwardAPI,
projected), its working directory, and its termination message. Each container writes what it
sees into the hostPath directory the test reads afterwards."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    LOG_DIR,
    Object,
    Ran,
    app_status,
    container,
    pod,
    run_once,
    sh,
    terminated,
)

pytestmark = pytest.mark.e2e

PASSWORD = "s3cr3t p@ss"


def _config_objects() -> list[Object]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "app-config"},
            "data": {"mode": "fast", "level": "3"},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "app-secret"},
            "data": {"password": base64.b64encode(PASSWORD.encode()).decode()},
            "stringData": {"user": "admin"},
        },
    ]


def _env_pod(root: Path) -> Object:
    def field(name: str, path: str) -> Object:
        return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}}

    def resource(name: str, what: str, divisor: str | None = None) -> Object:
        ref: Object = {"resource": what}
        if divisor is not None:
            ref["divisor"] = divisor
        return {"name": name, "valueFrom": {"resourceFieldRef": ref}}

    script = (
        f"env > {LOG_DIR}/env; "
        f"echo '$(GREETING)' '$(UNDEFINED)' '$$(GREETING)' > {LOG_DIR}/expanded"
    )
    return pod(
        root,
        "env",
        metadata={"labels": {"app": "demo"}, "annotations": {"note": "hi"}},
        containers=[
            container(
                "main",
                sh(script),
                resources={
                    "requests": {"cpu": "100m", "memory": "32Mi"},
                    "limits": {"cpu": "250m", "memory": "64Mi"},
                },
                envFrom=[
                    {"configMapRef": {"name": "app-config"}, "prefix": "CM_"},
                    {"secretRef": {"name": "app-secret"}},
                ],
                env=[
                    {"name": "GREETING", "value": "hello"},
                    {"name": "COMPOSED", "value": "$(GREETING) world"},
                    {"name": "EARLY", "value": "$(LATE)"},
                    {"name": "LATE", "value": "late"},
                    {"name": "ESCAPED", "value": "$$(GREETING)"},
                    {"name": "CM_mode", "value": "overridden by env"},
                    field("POD_NAME", "metadata.name"),
                    field("POD_NAMESPACE", "metadata.namespace"),
                    field("POD_UID", "metadata.uid"),
                    field("NODE_NAME", "spec.nodeName"),
                    field("HOST_IP", "status.hostIP"),
                    field("APP_LABEL", "metadata.labels['app']"),
                    field("NOTE", "metadata.annotations['note']"),
                    resource("CPU_LIMIT", "limits.cpu"),
                    resource("CPU_LIMIT_MILLI", "limits.cpu", "1m"),
                    resource("MEMORY_REQUEST_MI", "requests.memory", "1Mi"),
                    {
                        "name": "MODE",
                        "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "mode"}},
                    },
                    {
                        "name": "PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "app-secret", "key": "password"}},
                    },
                    {
                        "name": "OPTIONAL_MISSING",
                        "valueFrom": {
                            "configMapKeyRef": {
                                "name": "app-config",
                                "key": "nope",
                                "optional": True,
                            }
                        },
                    },
                ],
            )
        ],
    )


def _volumes_pod(root: Path) -> Object:
    def out(name: str) -> str:
        return f"{LOG_DIR}/{name}"

    app_script = "; ".join(
        [
            f"cat /work/from-init > {out('shared')}",
            f"cat /sub/file > {out('subpath')}",
            f"cat /etc/app-mode > {out('subpath-configmap')}",
            f"stat -f -c %T /mem > {out('memory-fstype')}",
            f"(touch /ro/x 2>/dev/null && echo writable || echo read-only) > {out('readonly')}",
            f"(touch /cm/x 2>/dev/null && echo writable || echo read-only) > {out('cm-readonly')}",
            f"cat /cm/cfg/mode > {out('cm-item')}",
            f"stat -L -c %a /cm/cfg/mode > {out('cm-item-mode')}",
            f"ls /cm > {out('cm-listing')}",
            f"stat -L -c %a /cm-all/level > {out('cm-default-mode')}",
            f"cat /secret/password > {out('secret')}",
            f"cat /secret/user > {out('secret-string-data')}",
            f"stat -L -c %a /secret/password > {out('secret-mode')}",
            f"cat /downward/labels > {out('downward-labels')}",
            f"cat /downward/name > {out('downward-name')}",
            f"cat /downward/mem > {out('downward-mem')}",
            f"cat /projected/mode /projected/user /projected/ns > {out('projected')}",
            f"pwd > {out('workdir')}",
        ]
    )
    return pod(
        root,
        "volumes",
        metadata={"labels": {"app": "demo", "tier": "web"}},
        volumes=[
            {"name": "work", "emptyDir": {}},
            {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "8Mi"}},
            {
                "name": "cm",
                "configMap": {
                    "name": "app-config",
                    "items": [{"key": "mode", "path": "cfg/mode", "mode": 0o400}],
                },
            },
            {"name": "cm-all", "configMap": {"name": "app-config", "defaultMode": 0o640}},
            {"name": "secret", "secret": {"secretName": "app-secret", "defaultMode": 0o400}},
            {
                "name": "downward",
                "downwardAPI": {
                    "items": [
                        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                        {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
                        {
                            "path": "mem",
                            "resourceFieldRef": {
                                "containerName": "app",
                                "resource": "limits.memory",
                                "divisor": "1Mi",
                            },
                        },
                    ]
                },
            },
            {
                "name": "projected",
                "projected": {
                    "sources": [
                        {
                            "configMap": {
                                "name": "app-config",
                                "items": [{"key": "mode", "path": "mode"}],
                            }
                        },
                        {
                            "secret": {
                                "name": "app-secret",
                                "items": [{"key": "user", "path": "user"}],
                            }
                        },
                        {
                            "downwardAPI": {
                                "items": [
                                    {"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}
                                ]
                            }
                        },
                    ]
                },
            },
        ],
        init_containers=[
            container(
                "prepare",
                sh(
                    "echo from-init > /work/from-init; mkdir -p /work/sub; "
                    "echo in-sub > /work/sub/file"
                ),
                volumeMounts=[{"name": "work", "mountPath": "/work"}],
            )
        ],
        containers=[
            container(
                "app",
                sh(app_script),
                workingDir="/work",
                resources={"limits": {"memory": "48Mi"}},
                volumeMounts=[
                    {"name": "work", "mountPath": "/work"},
                    {"name": "work", "mountPath": "/sub", "subPath": "sub"},
                    {"name": "work", "mountPath": "/ro", "readOnly": True},
                    {"name": "mem", "mountPath": "/mem"},
                    {"name": "cm", "mountPath": "/cm"},
                    {"name": "cm-all", "mountPath": "/cm-all"},
                    {"name": "cm-all", "mountPath": "/etc/app-mode", "subPath": "mode"},
                    {"name": "secret", "mountPath": "/secret"},
                    {"name": "downward", "mountPath": "/downward"},
                    {"name": "projected", "mountPath": "/projected"},
                ],
            )
        ],
    )


def _termination_message_pods(root: Path) -> list[Object]:
    noisy = "for i in $(seq 1 100); do echo line-$i; done"
    return [
        pod(
            root,
            "termination-message",
            containers=[
                container("file", sh("printf bye > /dev/termination-log")),
                container(
                    "custom-path",
                    sh("printf custom > /tmp/msg; exit 2"),
                    terminationMessagePath="/tmp/msg",
                ),
                container(
                    "fallback",
                    sh(f"{noisy}; exit 1"),
                    terminationMessagePolicy="FallbackToLogsOnError",
                ),
                container(
                    "fallback-success",
                    sh(noisy),
                    terminationMessagePolicy="FallbackToLogsOnError",
                ),
                container(
                    "fallback-file-wins",
                    sh(f"{noisy}; printf from-file > /dev/termination-log; exit 1"),
                    terminationMessagePolicy="FallbackToLogsOnError",
                ),
            ],
        )
    ]


def _pods(root: Path) -> list[Object]:
    return [
        *_config_objects(),
        _env_pod(root),
        _volumes_pod(root),
        *_termination_message_pods(root),
    ]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    return run_once(tmp_path_factory, "env", _pods)


def _read(ran: Ran, pod_name: str, name: str) -> str:
    path = ran.root / pod_name / name
    assert path.exists(), f"{path} missing:\n{ran.result.stderr}"
    return path.read_text()


def _environment(ran: Ran) -> dict[str, str]:
    env = {}
    for line in _read(ran, "env", "env").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            env[key] = value
    return env


def test_the_pods_run_to_completion(ran: Ran) -> None:
    phases = {p["metadata"]["name"]: p["status"]["phase"] for p in ran.result.pods}
    assert phases == {"env": "Succeeded", "volumes": "Succeeded", "termination-message": "Failed"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("GREETING", "hello", id="value"),
        pytest.param("COMPOSED", "hello world", id="expansion"),
        pytest.param("EARLY", "$(LATE)", id="later-variable-not-expanded"),
        pytest.param("ESCAPED", "$(GREETING)", id="dollar-escape"),
        pytest.param("POD_NAME", "env", id="field-name"),
        pytest.param("POD_NAMESPACE", "default", id="field-namespace"),
        pytest.param("HOST_IP", "127.0.0.1", id="field-host-ip"),
        pytest.param("APP_LABEL", "demo", id="field-label"),
        pytest.param("NOTE", "hi", id="field-annotation"),
        pytest.param("CPU_LIMIT", "1", id="resource-rounded-up"),
        pytest.param("CPU_LIMIT_MILLI", "250", id="resource-divisor"),
        pytest.param("MEMORY_REQUEST_MI", "32", id="resource-request"),
        pytest.param("MODE", "fast", id="configmap-key"),
        pytest.param("PASSWORD", PASSWORD, id="secret-key"),
        pytest.param("CM_level", "3", id="env-from-configmap-prefix"),
        pytest.param("CM_mode", "overridden by env", id="env-wins-over-env-from"),
        pytest.param("user", "admin", id="env-from-secret-string-data"),
        pytest.param("password", PASSWORD, id="env-from-secret"),
    ],
)
def test_environment_variable(ran: Ran, name: str, value: str) -> None:
    assert _environment(ran).get(name) == value


def test_field_refs_match_the_pod(ran: Ran) -> None:
    env = _environment(ran)
    item = ran.pod("env")
    assert env["POD_UID"] == item["metadata"]["uid"]
    assert env["NODE_NAME"] == item["spec"]["nodeName"]
    assert "OPTIONAL_MISSING" not in env


def test_command_expansion(ran: Ran) -> None:
    assert _read(ran, "env", "expanded") == "hello $(UNDEFINED) $(GREETING)\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("shared", "from-init\n", id="emptydir-shared-by-init-and-app"),
        pytest.param("subpath", "in-sub\n", id="subpath"),
        pytest.param("subpath-configmap", "fast", id="subpath-of-configmap-key"),
        pytest.param("memory-fstype", "tmpfs\n", id="emptydir-medium-memory"),
        pytest.param("readonly", "read-only\n", id="readonly-mount-enforced"),
        pytest.param("cm-readonly", "read-only\n", id="configmap-always-readonly"),
        pytest.param("cm-item", "fast", id="configmap-item-path"),
        pytest.param("cm-item-mode", "400\n", id="configmap-item-mode"),
        pytest.param("cm-listing", "cfg\n", id="configmap-items-only"),
        pytest.param("cm-default-mode", "640\n", id="configmap-default-mode"),
        pytest.param("secret", PASSWORD, id="secret-file"),
        pytest.param("secret-string-data", "admin", id="secret-string-data-file"),
        pytest.param("secret-mode", "400\n", id="secret-default-mode"),
        pytest.param("downward-labels", 'app="demo"\ntier="web"', id="downward-labels"),
        pytest.param("downward-name", "volumes", id="downward-field"),
        pytest.param("downward-mem", "48", id="downward-resource"),
        pytest.param("projected", "fastadmindefault", id="projected"),
        pytest.param("workdir", "/work\n", id="working-dir"),
    ],
)
def test_volume_contents(ran: Ran, name: str, content: str) -> None:
    assert _read(ran, "volumes", name) == content


@pytest.mark.parametrize(
    ("name", "exit_code", "message"),
    [
        pytest.param("file", 0, "bye", id="termination-log"),
        pytest.param("custom-path", 2, "custom", id="custom-path"),
        pytest.param(
            "fallback",
            1,
            "".join(f"line-{i}\n" for i in range(21, 101)),
            id="fallback-last-80-lines",
        ),
        pytest.param("fallback-success", 0, "", id="no-fallback-on-success"),
        pytest.param("fallback-file-wins", 1, "from-file", id="file-wins-over-logs"),
    ],
)
def test_termination_message(ran: Ran, name: str, exit_code: int, message: str) -> None:
    state = terminated(app_status(ran.pod("termination-message"), name))
    assert state["exitCode"] == exit_code
    assert state.get("message", "") == message
