"""`kubectl explain`, server-side apply, field validation, imperative commands and finalizers,
through the real `kubectl` (v1.32) against the in-process API server.

The outputs asserted are kubectl's own renderings of what the server answers, as against a
real cluster: explain's KIND/VERSION/FIELD/FIELDS layout with `<[]Container>` types and
`-required-` marks, the `Apply failed with 1 conflict` error, `Warning: unknown field` lines,
and the MODIFIED-then-DELETED life of an object held by a finalizer.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import ssl
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import RunningServer

KUBECTL = shutil.which("kubectl")
DEADLINE = 30.0  # seconds per kubectl command

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: app
    image: {image}
"""


@pytest.fixture
def kubectl(api_server: RunningServer, tmp_path: Path) -> Kubectl:
    config = tmp_path / "kubeconfig"
    config.write_text(api_server.kubeconfig())
    cache = tmp_path / "cache"

    def run(
        *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        assert KUBECTL is not None
        return subprocess.run(
            [KUBECTL, "--kubeconfig", str(config), "--cache-dir", str(cache), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
            env={**os.environ, **(env or {})},
        )

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def get_json(kubectl: Kubectl, *what: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        ok(kubectl("get", *what, "-o", "json", "--show-managed-fields"))
    )
    return data


# --- explain ---------------------------------------------------------------------------------


def test_explain_init_containers(kubectl: Kubectl) -> None:
    out = ok(kubectl("explain", "pod.spec.initContainers"))
    lines = out.splitlines()
    assert lines[0].split() == ["KIND:", "Pod"]
    assert lines[1].split() == ["VERSION:", "v1"]
    assert "FIELD: initContainers <[]Container>" in out
    assert "DESCRIPTION:" in out and "FIELDS:" in out
    assert "  name\t<string> -required-" in out
    assert "  image\t<string>" in out
    assert "  env\t<[]EnvVar>" in out
    assert "  resources\t<ResourceRequirements>" in out
    assert "  restartPolicy\t<string>" in out


def test_explain_nested_types_and_recursive(kubectl: Kubectl) -> None:
    resources = ok(kubectl("explain", "pod.spec.initContainers.resources"))
    assert "  limits\t<map[string]Quantity>" in resources
    probe = ok(kubectl("explain", "pod.spec.containers.livenessProbe.httpGet"))
    assert "  port\t<IntOrString> -required-" in probe
    pod = ok(kubectl("explain", "pod"))
    assert "  spec\t<PodSpec>" in pod and "  status\t<PodStatus>" in pod
    recursive = ok(kubectl("explain", "pod", "--recursive"))
    assert "    initContainers\t<[]Container>" in recursive
    assert "      name\t<string> -required-" in recursive
    configmap = ok(kubectl("explain", "configmap"))
    assert "KIND:       ConfigMap" in configmap and "  data\t<map[string]string>" in configmap
    missing = kubectl("explain", "pod.spec.nope")
    assert missing.returncode != 0
    assert 'field "nope" does not exist' in missing.stderr


# --- server-side apply -----------------------------------------------------------------------


def test_server_side_apply_creates_updates_and_records_managers(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD.format(image="busybox:1.35"))
    assert ok(kubectl("apply", "--server-side", "-f", str(manifest))) == (
        "pod/web serverside-applied\n"
    )
    manifest.write_text(POD.format(image="busybox:1.36").replace("app: web", "app: web2"))
    assert ok(kubectl("apply", "--server-side", "-f", str(manifest))) == (
        "pod/web serverside-applied\n"
    )
    pod = get_json(kubectl, "pod", "web")
    assert pod["spec"]["containers"][0]["image"] == "busybox:1.36"  # type: ignore[index]
    assert pod["metadata"]["labels"] == {"app": "web2"}  # type: ignore[index]
    (entry,) = pod["metadata"]["managedFields"]  # type: ignore[index]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply"
    assert entry["fieldsV1"]["f:spec"]["f:containers"]['k:{"name":"app"}'] == {
        ".": {},
        "f:image": {},
        "f:name": {},
    }


def test_server_side_apply_conflicts_with_client_side_apply_unless_forced(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD.format(image="busybox:1.35"))
    assert ok(kubectl("apply", "-f", str(manifest))) == "pod/web created\n"
    manifest.write_text(POD.format(image="busybox:1.36"))
    conflict = kubectl("apply", "--server-side", "-f", str(manifest))
    assert conflict.returncode == 1
    assert conflict.stderr.startswith(
        'error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" '
        'using v1: .spec.containers[name="app"].image\n'
    )
    forced = kubectl("apply", "--server-side", "--force-conflicts", "-f", str(manifest))
    assert ok(forced) == "pod/web serverside-applied\n"
    pod = get_json(kubectl, "pod", "web")
    assert pod["spec"]["containers"][0]["image"] == "busybox:1.36"  # type: ignore[index]


def test_server_side_apply_of_configmaps_and_secrets(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "objects.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: '1'\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  t: x\n"
    )
    assert ok(kubectl("apply", "--server-side", "-f", str(manifest))) == (
        "configmap/settings serverside-applied\nsecret/token serverside-applied\n"
    )
    manifest.write_text(manifest.read_text().replace("a: '1'", "b: '2'"))
    ok(kubectl("apply", "--server-side", "-f", str(manifest)))
    assert get_json(kubectl, "configmap", "settings")["data"] == {"b": "2"}
    assert get_json(kubectl, "secret", "token")["data"] == {"t": "eA=="}


# --- field validation ------------------------------------------------------------------------

TYPO = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: typo
data:
  a: b
datta:
  c: d
"""


def test_strict_validation_rejects_unknown_fields(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "typo.yaml"
    manifest.write_text(TYPO)
    result = kubectl("create", "-f", str(manifest), "--validate=strict")
    assert result.returncode == 1
    assert result.stderr == (
        f'Error from server (BadRequest): error when creating "{manifest}": ConfigMap in '
        'version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "datta"\n'
    )


def test_warn_validation_accepts_and_warns(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "typo.yaml"
    manifest.write_text(TYPO)
    result = kubectl("create", "-f", str(manifest), "--validate=warn")
    assert ok(result) == "configmap/typo created\n"
    assert result.stderr == 'Warning: unknown field "datta"\n'
    assert get_json(kubectl, "configmap", "typo")["data"] == {"a": "b"}
    ignored = kubectl("replace", "-f", str(manifest), "--validate=false")
    assert ok(ignored) == "configmap/typo replaced\n"
    assert ignored.stderr == ""


# --- imperative commands ---------------------------------------------------------------------


def test_imperative_creates_labels_and_annotations(kubectl: Kubectl) -> None:
    assert ok(kubectl("create", "configmap", "cm", "--from-literal=a=b")) == (
        "configmap/cm created\n"
    )
    assert ok(kubectl("create", "secret", "generic", "sec", "--from-literal=p=q")) == (
        "secret/sec created\n"
    )
    assert ok(kubectl("create", "namespace", "team")) == "namespace/team created\n"
    assert ok(kubectl("label", "configmap", "cm", "tier=db")) == "configmap/cm labeled\n"
    assert ok(kubectl("annotate", "configmap", "cm", "note=hi")) == "configmap/cm annotated\n"
    cm = get_json(kubectl, "configmap", "cm")
    assert cm["data"] == {"a": "b"}
    meta = cm["metadata"]
    assert meta["labels"] == {"tier": "db"}  # type: ignore[index]
    assert meta["annotations"] == {"note": "hi"}  # type: ignore[index]
    managers = {e["manager"]: e["operation"] for e in meta["managedFields"]}  # type: ignore[index]
    assert managers == {
        "kubectl-create": "Update",
        "kubectl-label": "Update",
        "kubectl-annotate": "Update",
    }
    assert get_json(kubectl, "secret", "sec")["data"] == {"p": "cQ=="}
    assert get_json(kubectl, "namespace", "team")["status"] == {"phase": "Active"}


def test_edit_with_an_editor_script(kubectl: Kubectl, tmp_path: Path) -> None:
    ok(kubectl("create", "configmap", "cm", "--from-literal=a=b"))
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^  a: b$/  a: edited/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    result = kubectl("edit", "configmap", "cm", env={"EDITOR": str(editor)})
    assert ok(result) == "configmap/cm edited\n"
    assert get_json(kubectl, "configmap", "cm")["data"] == {"a": "edited"}


# --- finalizers ------------------------------------------------------------------------------


def test_finalizer_holds_a_deleted_configmap_until_removed(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "held.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n"
        "  finalizers: [example.com/hold]\ndata:\n  a: b\n"
    )
    ok(kubectl("create", "-f", str(manifest)))
    assert ok(kubectl("delete", "configmap", "held", "--wait=false")) == (
        'configmap "held" deleted\n'
    )
    held = get_json(kubectl, "configmap", "held")
    meta = held["metadata"]
    assert meta["deletionTimestamp"]  # type: ignore[index]
    assert meta["deletionGracePeriodSeconds"] == 0  # type: ignore[index]
    adding = kubectl(
        "patch",
        "configmap",
        "held",
        "--type=merge",
        "-p",
        '{"metadata":{"finalizers":["example.com/hold","example.com/more"]}}',
    )
    assert adding.returncode == 1
    assert "no new finalizers can be added if the object is being deleted" in adding.stderr
    patched = kubectl("patch", "configmap", "held", "-p", '{"metadata":{"finalizers":null}}')
    assert ok(patched) == "configmap/held patched\n"
    gone = kubectl("get", "configmap", "held")
    assert gone.returncode == 1
    assert 'configmaps "held" not found' in gone.stderr


def test_watch_sees_modified_then_deleted_for_a_finalized_pod(
    kubectl: Kubectl, api_server: RunningServer, tmp_path: Path
) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(
        POD.format(image="busybox").replace(
            "  labels:\n", "  finalizers: [example.com/hold]\n  labels:\n"
        )
    )
    ok(kubectl("create", "-f", str(manifest)))
    rv = str(get_json(kubectl, "pod", "web")["metadata"]["resourceVersion"])  # type: ignore[index]
    events: list[dict[str, object]] = []
    done = threading.Event()

    def watch() -> None:
        host, port = api_server.url.removeprefix("https://").split(":")
        context = ssl.create_default_context(cafile=str(api_server.ca_file))
        connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=20)
        connection.request(
            "GET",
            f"/api/v1/namespaces/default/pods?watch=1&resourceVersion={rv}",
            headers={"Authorization": f"Bearer {api_server.token}"},
        )
        response = connection.getresponse()
        for line in response:
            event = json.loads(line)
            events.append(event)
            if event["type"] == "DELETED":
                break
        connection.close()
        done.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ok(kubectl("delete", "pod", "web", "--wait=false"))
    ok(kubectl("patch", "pod", "web", "-p", '{"metadata":{"finalizers":null}}'))
    assert done.wait(DEADLINE), f"no DELETED event: {events}"
    assert [event["type"] for event in events] == ["MODIFIED", "MODIFIED", "DELETED"]
    marked = events[0]["object"]["metadata"]  # type: ignore[index]
    assert marked["deletionTimestamp"] and marked["finalizers"] == ["example.com/hold"]
    assert "finalizers" not in events[1]["object"]["metadata"]  # type: ignore[index]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("apply", "--dry-run=server"), id="apply"),
        pytest.param(("create", "--dry-run=server"), id="create"),
        pytest.param(("apply", "--server-side", "--dry-run=server"), id="server-side-apply"),
    ],
)
def test_server_side_dry_run_is_refused_and_changes_nothing(
    kubectl: Kubectl, tmp_path: Path, args: tuple[str, ...]
) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(POD.format(image="busybox:1.35"))
    result = kubectl(*args, "-f", str(manifest))
    assert result.returncode == 1, result.stdout
    assert "not supported: dryRun (server-side dry run); nothing was changed" in result.stderr
    missing = kubectl("get", "pod", "web")
    assert missing.returncode == 1
    assert 'pods "web" not found' in missing.stderr
