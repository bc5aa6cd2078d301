"""The progress view of `tinykube run` on stderr: live on a terminal, plain lines otherwise.

Plain mode prints one line whenever a pod's kubectl columns change (and, with `--events`, one
per event). Live mode redraws a compact table with rich: per pod its STATUS, READY and
RESTARTS, then one line per container with its state, restarts and back-off countdown.
"""

from __future__ import annotations

import datetime
import sys
from types import TracebackType
from typing import Any

import msgspec

from tinykube.agent.clock import Clock
from tinykube.api import printers
from tinykube.api.objects import Event
from tinykube.api.pod import Pod
from tinykube.api.status import ContainerStatus
from tinykube.store.memory import MemoryStore


def container_line(status: ContainerStatus, *, now: datetime.datetime, init: bool) -> str:
    """One container's state in a few words (pure)."""
    kind = "init " if init else ""
    state = status.state
    if state.running is not None:
        what = "running" + (", ready" if status.ready else "")
    elif state.terminated is not None:
        term = state.terminated
        what = f"{term.reason or 'terminated'} (exit {term.exit_code})"
    elif state.waiting is not None:
        what = state.waiting.reason or "waiting"
        if state.waiting.reason == "CrashLoopBackOff" and status.last_state.terminated:
            last = status.last_state.terminated
            what += f" (last exit {last.exit_code})"
    else:
        what = "unknown"
    restarts = f", {status.restart_count} restarts" if status.restart_count else ""
    return f"{kind}{status.name}: {what}{restarts}"


class Progress(msgspec.Struct):
    store: MemoryStore
    clock: Clock
    show_events: bool = False
    live: bool = False
    _started: float = 0.0
    _rows: dict[str, tuple[str, str, str]] = msgspec.field(default_factory=dict)
    _live: Any = None

    def __enter__(self) -> Progress:
        self._started = self.clock.monotonic()
        if self.live:
            from rich.console import Console  # noqa: PLC0415 - only on a terminal
            from rich.live import Live  # noqa: PLC0415

            self._live = Live(
                self._render(),
                console=Console(stderr=True),
                refresh_per_second=10,
                transient=False,
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(kind, value, traceback)
            self._live = None

    def _elapsed(self) -> str:
        return f"[{self.clock.monotonic() - self._started:8.3f}s]"

    def on_change(self, kind: str, obj: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            if kind == "event" and self.show_events and isinstance(obj, Event):
                self._live.console.print(self._event_line(obj))
            return
        if kind == "pod" and isinstance(obj, Pod):
            row = printers.pod_row(obj, now=self.clock.now())
            key = (row.status, row.ready, row.restarts.split(" ")[0])
            if self._rows.get(obj.metadata.uid) != key:
                self._rows[obj.metadata.uid] = key
                print(
                    f"{self._elapsed()} pod/{row.name}  {row.status}  ready {row.ready}  "
                    f"restarts {key[2]}",
                    file=sys.stderr,
                    flush=True,
                )
        elif kind == "event" and self.show_events and isinstance(obj, Event):
            print(self._event_line(obj), file=sys.stderr, flush=True)

    def _event_line(self, event: Event) -> str:
        path = event.involved_object.field_path
        where = f" {path}" if path else ""
        count = f" (x{event.count})" if event.count > 1 else ""
        # one line per event: a probe's output may end with (or hold) newlines
        message = event.message.rstrip("\n").replace("\n", "\\n")
        return (
            f"{self._elapsed()} pod/{event.involved_object.name}{where}  {event.type}  "
            f"{event.reason}: {message}{count}"
        )

    def _render(self) -> Any:
        from rich.table import Table  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415

        now = self.clock.now()
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        for column in ("NAME", "READY", "STATUS", "RESTARTS", "AGE"):
            table.add_column(column)
        for pod in self.store.pods.values():
            row = printers.pod_row(pod, now=now)
            table.add_row(row.name, row.ready, row.status, row.restarts, row.age)
            for status in pod.status.init_container_statuses:
                table.add_row(Text("  " + container_line(status, now=now, init=True), "dim"))
            for status in pod.status.container_statuses:
                table.add_row(Text("  " + container_line(status, now=now, init=False), "dim"))
        return table
