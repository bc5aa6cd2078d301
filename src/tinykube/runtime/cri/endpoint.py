"""Where the CRI runtime is reached unless told otherwise: containerd's socket.

Its own module so that commands and settings can name it without importing the gRPC stack,
which only `--runtime cri` needs.
"""

from __future__ import annotations

from typing import Final

DEFAULT_ENDPOINT: Final = "unix:///run/containerd/containerd.sock"
