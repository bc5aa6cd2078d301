"""file:PATH — ready when the path exists (a file, directory or anything else)."""

from __future__ import annotations

import os

from tinykube.toolbox import errors, targets


def check(target: targets.FileTarget, *, timeout: float) -> str:
    del timeout
    try:
        os.stat(target.path)
    except FileNotFoundError:
        raise errors.NotReady("no such file or directory") from None
    except OSError as exc:
        raise errors.NotReady(exc.strerror or str(exc)) from None
    return "exists"
