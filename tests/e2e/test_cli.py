"""`tinykube run` as a user meets it: exit status 0/1/2, invalid input rejected before anything
runs, `-o json|yaml` output, and a crash loop seen through the progress lines, `--events`
(BackOff) and the final status (restartCount, lastState)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import (
    FAST_BACKOFF,
    LOG_DIR,
    TINYKUBE,
    Object,
    app_status,
    container,
    pod,
    run_tinykube,
    sh,
    terminated,
)

pytestmark = pytest.mark.e2e


def _marker_pod(root: Path, name: str = "marker") -> dict[str, object]:
    """A valid pod that leaves a file behind if it ever runs."""
    return pod(root, name, containers=[container("c", sh(f"touch {LOG_DIR}/ran"))])


def test_exit_status_0_when_every_pod_succeeded(tmp_path: Path) -> None:
    manifest = tmp_path / "pods.yaml"
    manifest.write_text(
        yaml.safe_dump_all([_marker_pod(tmp_path, "a"), _marker_pod(tmp_path, "b")])
    )
    completed = subprocess.run(
        [str(TINYKUBE), "run", "-f", str(manifest), "-o", "yaml"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    listing = yaml.safe_load(completed.stdout)
    assert (listing["apiVersion"], listing["kind"]) == ("v1", "List")
    assert [(p["metadata"]["name"], p["status"]["phase"]) for p in listing["items"]] == [
        ("a", "Succeeded"),
        ("b", "Succeeded"),
    ]
    assert (tmp_path / "a" / "ran").exists()


def test_exit_status_1_when_a_pod_failed(tmp_path: Path) -> None:
    result = run_tinykube(
        tmp_path,
        [
            _marker_pod(tmp_path),
            pod(tmp_path, "fails", containers=[container("c", sh("exit 4"))]),
        ],
    )
    assert result.code == 1
    assert result.pod("marker")["status"]["phase"] == "Succeeded"
    node = result.pod("marker")["spec"]["nodeName"]
    scheduled = result.events_of("marker", reason="Scheduled")
    assert [(e.type, e.field_path, e.message) for e in scheduled] == [
        ("Normal", "", f"Successfully assigned default/marker to {node}")
    ]
    failed = result.pod("fails")
    assert failed["status"]["phase"] == "Failed"
    state = terminated(app_status(failed, "c"))
    assert (state["exitCode"], state["reason"]) == (4, "Error")


INVALID_NAME = (  # one cause: kubectl prints it on the same line
    'The Pod "Bad_Name" is invalid: '
    'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of '
    "lower case alphanumeric characters, '-' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda p: p["metadata"].update(name="Bad_Name"), INVALID_NAME, id="invalid-name"
        ),
        pytest.param(
            lambda p: p["spec"]["containers"].append(container("c", ["true"])),
            'spec.containers[1].name: Duplicate value: "c"',
            id="duplicate-container",
        ),
        pytest.param(
            lambda p: p["spec"]["containers"][0].pop("command"),
            'error: pod "invalid": spec.containers[0].command: Required value: the process '
            "runtime runs the container's command on this host",
            id="container-without-command",
        ),
        pytest.param(
            lambda p: p["spec"].update(restartPolicy="Sometimes"),
            'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
            '"OnFailure", "Never"',
            id="unsupported-restart-policy",
        ),
        pytest.param(
            lambda p: p["spec"]["containers"][0].update(restartPolicy="Always"),
            "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers",
            id="restart-policy-on-app-container",
        ),
    ],
)
def test_invalid_pod_exits_2_and_runs_nothing(
    tmp_path: Path, mutate: Callable[[Object], object], expected: str
) -> None:
    invalid = pod(tmp_path, "invalid", containers=[container("c", sh(f"touch {LOG_DIR}/ran"))])
    mutate(invalid)
    result = run_tinykube(tmp_path, [_marker_pod(tmp_path), invalid])
    assert result.code == 2
    assert result.pods == []  # nothing on stdout
    assert expected in result.stderr
    assert not (tmp_path / "marker" / "ran").exists()
    assert not (tmp_path / "invalid" / "ran").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n", "error: ", id="broken-yaml"
        ),
        pytest.param("", "error: no objects passed to run", id="empty"),
    ],
)
def test_unreadable_manifest_exits_2(tmp_path: Path, text: str, expected: str) -> None:
    result = run_tinykube(tmp_path, text)
    assert result.code == 2
    assert result.stderr.startswith(expected)


def test_missing_file_exits_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    completed = subprocess.run(
        [str(TINYKUBE), "run", "-f", str(missing)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr == f'error: the path "{missing}" does not exist\n'


def test_crash_loop_back_off(tmp_path: Path) -> None:
    result = run_tinykube(
        tmp_path,
        [
            pod(
                tmp_path,
                "crash",
                restart_policy="Always",
                containers=[container("c", sh("echo boom; exit 3"))],
            )
        ],
        *FAST_BACKOFF,
        "--timeout",
        "2s",
    )
    assert result.code == 1
    item = result.pod("crash")
    uid = item["metadata"]["uid"]
    status = app_status(item, "c")
    assert status["restartCount"] >= 3
    last = status["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (3, "Error")
    assert terminated(status)["exitCode"] == 3
    # kubectl's STATUS column while it waits, and the restart counter moving up
    assert "pod/crash  CrashLoopBackOff  ready 0/1  restarts 1" in result.stderr
    assert "pod/crash  CrashLoopBackOff  ready 0/1  restarts 3" in result.stderr
    assert "pod/crash  Error  ready 0/1" in result.stderr
    events = result.events_of("crash", container="c")
    reasons = [e.reason for e in events]
    assert reasons[:2] == ["Created", "Started"]
    backoff = [e for e in events if e.reason == "BackOff"]
    assert backoff
    assert {(e.type, e.message) for e in backoff} == {
        ("Warning", f"Back-off restarting failed container c in pod crash_default({uid})")
    }
    assert backoff[-1].count >= 2  # aggregated as the event correlator does
    started = [e for e in events if e.reason == "Started"]
    assert started[-1].count == status["restartCount"] + 1
    # the first restart is immediate, later ones wait for the back-off
    first_runs = [e.at for e in events if e.reason == "Started"]
    assert first_runs[1] - first_runs[0] < 0.2
