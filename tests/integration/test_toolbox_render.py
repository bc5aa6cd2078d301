"""`tinykube toolbox render` as a container runs it: environment, Secret-like files, defaults,
and the one-line error naming every undefined variable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.conftest import TINYKUBE


def render(tmp_path: Path, template: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "app.conf.tmpl"
    source.write_text(template)
    return subprocess.run(
        [str(TINYKUBE), "toolbox", "render", str(source), str(tmp_path / "conf" / "app.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
    )


def test_render_from_env_and_files(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    completed = render(
        tmp_path,
        "host=${DB_HOST}\nport=${DB_PORT:-5432}\npassword=${file:" + str(secret) + "}\ncost=$$3\n",
        {"DB_HOST": "10.0.0.7"},
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "conf" / "app.conf").read_text() == (
        "host=10.0.0.7\nport=5432\npassword=s3cret\ncost=$3\n"
    )


def test_undefined_variables_fail_with_one_line(tmp_path: Path) -> None:
    completed = render(tmp_path, "a=${A}\nb=${B}\n", {})
    assert completed.returncode == 1
    assert completed.stderr == (
        f"render: {tmp_path / 'app.conf.tmpl'}: undefined variable A (line 1); "
        "undefined variable B (line 2)\n"
    )
    assert not (tmp_path / "conf" / "app.conf").exists()
