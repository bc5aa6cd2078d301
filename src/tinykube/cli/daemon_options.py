"""The node daemon's own options: admission, retention, shutdown, and its logs.

`add_flags` puts them on `tinykube serve`; `settings_fields` turns the parsed flags into
`bootstrap.ServeSettings` fields; `configure_logging` sets up the daemon's logs, as text
(`TIME LEVEL LOGGER: message`) or as JSON, one object per line with `ts` (RFC 3339, UTC),
`level`, `logger`, `msg`, any extra fields the record carries, and `exc` for a traceback.
Verbosity is klog's `-v`: 0 logs INFO and above; 1 to 3 add tinykube's DEBUG lines; 4 and
above add every library's.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import sys
from typing import Any, Final

from tinykube.agent import draining, retention
from tinykube.api import quantity
from tinykube.cli import run as run_command
from tinykube.core import admission

LOG_FORMATS: Final = ("text", "json")
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD_FIELDS: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-pods",
        type=_positive_int,
        default=admission.DEFAULT_MAX_PODS,
        metavar="N",
        help=f"pods this node runs at once; more are rejected with OutOfpods (default "
        f"{admission.DEFAULT_MAX_PODS}, as the kubelet)",
    )
    parser.add_argument(
        "--allocatable",
        type=parse_allocatable,
        default={},
        metavar="cpu=Q,memory=Q",
        help="the cpu and memory pods are admitted against (default: the machine's cpus and "
        "MemTotal); a pod whose requests do not fit fails with OutOfcpu or OutOfmemory",
    )
    parser.add_argument(
        "--event-ttl",
        type=run_command.parse_duration,
        default=retention.DEFAULT_EVENT_TTL.total_seconds(),
        metavar="DURATION",
        help="how long an event is kept after its last update (default 1h, as the apiserver)",
    )
    parser.add_argument(
        "--gc-interval",
        type=run_command.parse_duration,
        default=retention.DEFAULT_GC_PERIOD.total_seconds(),
        metavar="DURATION",
        help="how often exited containers, expired events and what deleted pods left are "
        "collected (default 1m, the kubelet's container GC period)",
    )
    parser.add_argument(
        "--drain-on-exit",
        action="store_true",
        help="on SIGTERM/SIGINT, delete every running pod gracefully (preStop hooks, grace "
        "periods, sidecars last) and wait for them before exiting; by default pods keep "
        "running and the next start adopts them",
    )
    parser.add_argument(
        "--shutdown-grace-period",
        type=run_command.parse_duration,
        default=draining.DEFAULT_SHUTDOWN_GRACE.total_seconds(),
        metavar="DURATION",
        help="with --drain-on-exit: the longest grace period a pod gets (default 30s); "
        f"anything still running {draining.DRAIN_MARGIN:.0f}s later is killed",
    )
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="the daemon's log lines on stderr: text, or one JSON object per line",
    )
    parser.add_argument(
        "-v",
        "--v",
        dest="verbosity",
        type=_non_negative_int,
        default=0,
        metavar="LEVEL",
        help="log verbosity: 0 (default) info, 1-3 tinykube's debug lines, 4+ everything",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'invalid number "{text}"') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'invalid number "{text}": must be at least 1')
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'invalid level "{text}"') from None
    if value < 0:
        raise argparse.ArgumentTypeError(f'invalid level "{text}": must not be negative')
    return value


def parse_allocatable(text: str) -> dict[str, int]:
    """`cpu=2,memory=4Gi` as {"cpu": milli-cpus, "memory": bytes} (either may be left out)."""
    found: dict[str, int] = {}
    for item in text.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or name not in ("cpu", "memory"):
            raise argparse.ArgumentTypeError(
                f'invalid --allocatable "{text}": use cpu=QUANTITY,memory=QUANTITY, '
                "e.g. cpu=2,memory=4Gi"
            )
        try:
            parsed = quantity.parse_quantity(value.strip())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                f'invalid --allocatable {name} "{value}": {exc}'
            ) from None
        amount = parsed.milli_value() if name == "cpu" else parsed.value()
        if amount < 0:
            raise argparse.ArgumentTypeError(
                f'invalid --allocatable {name} "{value}": must not be negative'
            )
        found[name] = amount
    return found


def settings_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The `bootstrap.ServeSettings` fields these flags set."""
    allocatable: dict[str, int] = args.allocatable
    return {
        "max_pods": args.max_pods,
        "allocatable_milli_cpu": allocatable.get("cpu"),
        "allocatable_memory": allocatable.get("memory"),
        "retention": retention.RetentionSettings(
            event_ttl=datetime.timedelta(seconds=args.event_ttl),
            gc_period=datetime.timedelta(seconds=args.gc_interval),
        ),
        "drain_on_exit": args.drain_on_exit,
        "shutdown_grace": datetime.timedelta(seconds=args.shutdown_grace_period),
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, msg, the record's extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        line: dict[str, Any] = {
            "ts": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_FIELDS and not key.startswith("_") and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["exc"] = record.stack_info
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(*, log_format: str, verbosity: int) -> None:
    """The daemon's logging on stderr (see the module docstring)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 4 else logging.INFO)
    logging.getLogger("tinykube").setLevel(logging.DEBUG if verbosity >= 1 else logging.NOTSET)
