"""`render TEMPLATE DEST`: fill a configuration template from the environment and from files.

    ${NAME}            the environment variable NAME; an error if it is not set (strict)
    ${NAME:-default}   NAME, or `default` when NAME is unset or empty
    ${file:/path}      the content of a file (a mounted Secret key…), trailing newlines removed
    $$                 a literal `$`; any other `$` is left as it is

Every undefined name and unreadable file is reported at once, with its line, in one line.
`render_text` is pure; `render_file` reads TEMPLATE and writes DEST atomically.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from tinykube.toolbox import errors, files

_REFERENCE = re.compile(r"\$(\$|\{[^}]*\}?)")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def render_text(
    template: str,
    *,
    env: Mapping[str, str],
    read_file: Callable[[str], str],
    strict: bool = True,
) -> str:
    """The filled template; RenderFailed listing every problem (strict: undefined names too)."""
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match[1]
        if token == "$":
            return "$"
        line = template.count("\n", 0, match.start()) + 1
        if not token.endswith("}"):
            problems.append(f"unterminated '${{' on line {line}")
            return match[0]
        inner = token[1:-1]
        if inner.startswith("file:"):
            path = inner[len("file:") :]
            try:
                return read_file(path).rstrip("\n")
            except OSError as exc:
                problems.append(f"cannot read {path} (line {line}): {exc.strerror or exc}")
                return ""
        name, has_default, default = inner.partition(":-")
        if not _NAME.match(name):
            problems.append(f"invalid reference {match[0]!r} on line {line}")
            return match[0]
        value = env.get(name)
        if has_default and not value:
            return default
        if value is None:
            if strict:
                problems.append(f"undefined variable {name} (line {line})")
            return ""
        return value

    result = _REFERENCE.sub(replace, template)
    if problems:
        raise errors.RenderFailed("; ".join(problems))
    return result


def _read_text(path: str) -> str:
    return Path(path).read_text()


def render_file(
    template: Path,
    dest: str,
    *,
    env: Mapping[str, str],
    strict: bool = True,
    mode: int | None = None,
) -> str:
    """Render TEMPLATE ("-": stdin) into DEST ("-": stdout); returns a summary."""
    try:
        text = sys.stdin.read() if str(template) == "-" else template.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise errors.RenderFailed(f"cannot read the template {template}: {reason}") from None
    try:
        output = render_text(text, env=env, read_file=_read_text, strict=strict)
    except errors.RenderFailed as exc:
        raise errors.RenderFailed(f"{template}: {exc}") from None
    if dest == "-":
        sys.stdout.write(output)
        sys.stdout.flush()
        return f"{template} rendered"
    target = Path(dest)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        files.write_atomically(target, output.encode(), mode=mode)
    except OSError as exc:
        raise errors.RenderFailed(f"cannot write {dest}: {exc.strerror or exc}") from None
    return f"{template} -> {dest}"
