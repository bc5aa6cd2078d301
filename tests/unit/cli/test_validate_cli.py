"""`tinykube validate`: what a user sees on stdout/stderr, and the exit status."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tinykube.cli.main import main

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: demo
spec:
  initContainers:
  - name: init
    image: busybox:1.35
    command: ["true"]
{extra_init}
  containers:
  - name: app
    image: busybox:1.35
    command: ["sleep", "1"]
{extra_spec}
"""


def _run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(text)
    code = main(["validate", "-f", str(manifest)])
    out, err = capsys.readouterr()
    return code, out, err


def _pod(extra_init: str = "", extra_spec: str = "") -> str:
    return POD.format(extra_init=extra_init, extra_spec=extra_spec)


def test_valid_pod(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, _pod(), capsys) == (0, "pod/demo valid\n", "")


@pytest.mark.parametrize(
    ("extra_init", "extra_spec", "expected"),
    [
        pytest.param(
            "    readinessProbe: {exec: {command: ['true']}}",
            "",
            'The Pod "demo" is invalid: spec.initContainers[0].readinessProbe: Forbidden: may not '
            "be set for init containers without restartPolicy=Always\n",
            id="readiness-probe-on-init",
        ),
        pytest.param(
            "    restartPolicy: OnFailure",
            "",
            'The Pod "demo" is invalid: spec.initContainers[0].restartPolicy: Unsupported value: '
            '"OnFailure": supported values: "Always"\n',
            id="init-restart-policy",
        ),
        pytest.param(
            "  - name: app\n    image: busybox:1.35\n    command: ['true']",
            "",
            'The Pod "demo" is invalid: spec.initContainers[1].name: Duplicate value: "app"\n',
            id="duplicate-name",
        ),
        pytest.param(
            "    lifecycle: {preStop: {exec: {command: ['true']}}}\n"
            "    livenessProbe: {exec: {command: ['true']}}",
            "",
            'The Pod "demo" is invalid: \n'
            "* spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers "
            "without restartPolicy=Always\n"
            "* spec.initContainers[0].livenessProbe: Forbidden: may not be set for init "
            "containers without restartPolicy=Always\n",
            id="several-errors",
        ),
    ],
)
def test_invalid_pods_give_the_apiserver_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra_init: str,
    extra_spec: str,
    expected: str,
) -> None:
    assert _run(tmp_path, _pod(extra_init, extra_spec), capsys) == (2, "", expected)


def test_unknown_field_is_a_strict_decoding_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _pod().replace('command: ["true"]', 'comand: ["true"]')
    code, out, err = _run(tmp_path, text, capsys)
    assert (code, out) == (2, "")
    assert err == (
        f'error: error validating "{tmp_path / "pod.yaml"}": Pod in version "v1" cannot be '
        'handled as a Pod: strict decoding error: unknown field "spec.initContainers[0].comand"\n'
    )


def test_unimplemented_field_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(tmp_path, _pod(extra_spec="  hostIPC: true"), capsys)
    assert (code, out, err) == (2, "", 'The Pod "demo" is invalid: not supported: spec.hostIPC\n')


def test_scheduling_fields_are_accepted_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(tmp_path, _pod(extra_spec="  nodeSelector: {disk: ssd}"), capsys)
    assert (code, out) == (0, "pod/demo valid\n")
    assert err.startswith("Warning: spec.nodeSelector: ")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x00\x01\x02\xff", id="binary"),
        pytest.param(b"\xff\xfe not utf-8", id="not-utf8"),
        pytest.param(b"a: [unclosed", id="bad-yaml"),
        pytest.param(b"- just\n- a list\n", id="not-an-object"),
        pytest.param(b"kind: Deployment\napiVersion: apps/v1\n", id="other-kind"),
        pytest.param(b"[" * 100_000, id="deep"),
        pytest.param(b"apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: 5\n", id="wrong-type"),
    ],
)
def test_bad_input_gives_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_bytes(data)
    code = main(["validate", "-f", str(manifest)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith(("error: ", "The ")), err
    assert "Traceback" not in err


def test_large_file_gives_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "big.yaml"
    with manifest.open("w") as file:
        file.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n")
        line = "  k{}: " + "x" * 100 + "\n"
        for index in range(500_000):
            file.write(line.format(index))
    code = main(["validate", "-f", str(manifest)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err


def test_stdin_and_missing_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_pod().encode())))
    assert main(["validate", "-f", "-"]) == 0
    assert capsys.readouterr().out == "pod/demo valid\n"
    assert main(["validate", "-f", str(tmp_path / "missing.yaml")]) == 2
    missing = tmp_path / "missing.yaml"
    assert capsys.readouterr().err == f'error: the path "{missing}" does not exist\n'
