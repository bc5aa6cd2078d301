"""Template rendering: substitutions, defaults, files, escapes and strict errors."""

from __future__ import annotations

import pytest

from tinykube.toolbox import errors, render

FILES = {"/secrets/password": "s3cret\n\n", "/etc/motd": "hello"}


def read_file(path: str) -> str:
    if path not in FILES:
        raise FileNotFoundError(2, "No such file or directory", path)
    return FILES[path]


def fill(template: str, env: dict[str, str] | None = None, *, strict: bool = True) -> str:
    return render.render_text(template, env=env or {}, read_file=read_file, strict=strict)


def test_variables_defaults_files_and_escapes() -> None:
    template = (
        "host=${DB_HOST}\nport=${DB_PORT:-5432}\npassword=${file:/secrets/password}\n"
        "price=$$5 and $HOME stays\n"
    )
    assert fill(template, {"DB_HOST": "10.0.0.5"}) == (
        "host=10.0.0.5\nport=5432\npassword=s3cret\nprice=$5 and $HOME stays\n"
    )


def test_a_default_replaces_an_empty_value_too() -> None:
    assert fill("${A:-x}|${B}", {"A": "", "B": ""}) == "x|"


def test_every_problem_is_named_with_its_line() -> None:
    template = "a=${DB_HOST}\nb=${file:/nope}\nc=${DB_PORT}\nd=${1BAD}\ne=${OPEN"
    with pytest.raises(errors.RenderFailed) as caught:
        fill(template)
    assert str(caught.value) == (
        "undefined variable DB_HOST (line 1); cannot read /nope (line 2): No such file or "
        "directory; undefined variable DB_PORT (line 3); invalid reference '${1BAD}' on line 4; "
        "unterminated '${' on line 5"
    )


def test_allow_missing_leaves_undefined_names_empty() -> None:
    assert fill("[${NOPE}]", strict=False) == "[]"
