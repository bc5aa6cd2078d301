"""The toolbox's exceptions and exit codes.

ToolboxError        one line for the user: str(exc) says what failed and why; exit 1
 ├── UsageError     malformed arguments (a target, a duration, a mode); exit 2
 ├── NotReady       a dependency does not serve (yet): the reason, e.g. "connection refused"
 ├── FetchFailed    a download failed for good, or its checksum does not match
 └── RenderFailed   a template names an undefined variable or an unreadable file
"""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2


class ToolboxError(Exception):
    """A failure to report as one line; `exit_code` is the command's exit status."""

    exit_code: int = EXIT_FAILED


class UsageError(ToolboxError):
    exit_code = EXIT_USAGE


class NotReady(ToolboxError):
    """Raised by a probe: the dependency was reached or not, but does not serve yet."""


class FetchFailed(ToolboxError):
    pass


class RenderFailed(ToolboxError):
    pass
