"""The toolbox command line: usage errors exit 2 with one line, files are written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinykube.toolbox import command


def test_usage_errors_exit_2_with_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert command.main(["wait-for", "db:5432"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wait-for: invalid target 'db:5432': expected tcp://HOST:PORT")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["wait-for", "file:/x", "--timeout", "soon"], "invalid --timeout 'soon'"),
        (["wait-for", "http://h", "--http-status", "ok"], "invalid --http-status 'ok'"),
        (["fetch", "http://h/f", "/tmp/f", "--sha256", "abc"], "invalid --sha256 'abc'"),
        (["fetch", "ftp://h/f", "/tmp/f"], "invalid URL 'ftp://h/f'"),
        (["fetch", "http://h/f", "/tmp/f", "--mode", "rw"], "invalid --mode 'rw'"),
        (["fetch", "http://h/f", "/tmp/f", "--retries", "-1"], "invalid --retries -1"),
    ],
)
def test_bad_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert command.main(argv) == 2
    assert message in capsys.readouterr().err


def test_without_a_command_it_says_how(capsys: pytest.CaptureFixture[str]) -> None:
    assert command.main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_wait_for_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ready = tmp_path / "ready"
    assert command.main(["wait-for", f"file:{ready}", "--timeout", "0"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"wait-for: not ready after 0.0s (1 attempt): file:{ready}: no such file or directory"
    )
    ready.touch()
    assert command.main(["wait-for", f"file:{ready}", "--timeout", "0"]) == 0


def test_render_writes_dest_with_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    template = tmp_path / "app.conf.tmpl"
    template.write_text("listen=${PORT}\n")
    dest = tmp_path / "out" / "app.conf"
    monkeypatch.setenv("PORT", "8080")
    assert command.main(["render", str(template), str(dest), "--mode", "0600"]) == 0
    assert dest.read_text() == "listen=8080\n"
    assert dest.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in dest.parent.iterdir()) == ["app.conf"]
    monkeypatch.delenv("PORT")
    assert command.main(["render", str(template), str(dest)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"render: {template}: undefined variable PORT (line 1)"
    )
    assert dest.read_text() == "listen=8080\n"  # the previous file is left as it was
