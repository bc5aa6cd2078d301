"""`tinykube serve`'s own options: the allocatable override, bad values, JSON log lines."""

from __future__ import annotations

import datetime
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tinykube.cli import daemon_options
from tinykube.cli.main import build_parser

TINYKUBE = str(Path(sys.executable).with_name("tinykube"))


def test_allocatable_is_read_as_quantities() -> None:
    assert daemon_options.parse_allocatable("cpu=1500m,memory=1Gi") == {
        "cpu": 1500,
        "memory": 1024**3,
    }
    assert daemon_options.parse_allocatable("memory=512Mi") == {"memory": 512 * 1024**2}


def test_flags_become_settings() -> None:
    args = build_parser().parse_args(
        [
            *("serve", "--allocatable", "cpu=2", "--max-pods", "5", "--event-ttl", "2s"),
            *("--gc-interval", "500ms", "--drain-on-exit", "--shutdown-grace-period", "1m"),
            *("-v", "2"),
        ]
    )
    fields = daemon_options.settings_fields(args)
    assert fields["allocatable_milli_cpu"] == 2000
    assert fields["allocatable_memory"] is None
    assert fields["max_pods"] == 5
    assert fields["retention"].event_ttl == datetime.timedelta(seconds=2)
    assert fields["retention"].gc_period == datetime.timedelta(milliseconds=500)
    assert fields["drain_on_exit"] is True
    assert fields["shutdown_grace"] == datetime.timedelta(minutes=1)
    assert args.verbosity == 2


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--allocatable", "gpu=1"],
            'argument --allocatable: invalid --allocatable "gpu=1": use '
            "cpu=QUANTITY,memory=QUANTITY, e.g. cpu=2,memory=4Gi",
        ),
        (
            ["--allocatable", "cpu=lots"],
            'argument --allocatable: invalid --allocatable cpu "lots": quantities must match '
            "the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (["--max-pods", "0"], 'argument --max-pods: invalid number "0": must be at least 1'),
        (
            ["--log-format", "xml"],
            "argument --log-format: invalid choice: 'xml' (choose from 'text', 'json')",
        ),
    ],
)
def test_bad_values_are_refused_with_exit_2(flags: list[str], message: str) -> None:
    result = subprocess.run(
        [TINYKUBE, "serve", *flags], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"tinykube serve: error: {message}"


def test_json_lines_carry_the_record_and_its_extras() -> None:
    record = logging.LogRecord(
        "tinykube.agent.controller", logging.WARNING, __file__, 1, "pod %s", ("web",), None
    )
    record.pod_uid = "u1"
    line = json.loads(daemon_options.JsonFormatter().format(record))
    assert line["level"] == "warning"
    assert line["logger"] == "tinykube.agent.controller"
    assert line["msg"] == "pod web"
    assert line["pod_uid"] == "u1"
    assert line["ts"].endswith("Z")
    assert set(line) == {"ts", "level", "logger", "msg", "pod_uid"}


def test_a_traceback_stays_on_its_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = daemon_options.JsonFormatter().format(record)
    assert "\n" not in text
    assert "RuntimeError: boom" in json.loads(text)["exc"]
