"""Reading CRI log files for `pods/log`: partial records, timestamps, since, tail."""

from __future__ import annotations

import datetime

import pytest

from tinykube.server import logs

LOG = (
    b"2026-01-01T00:00:01.000000001Z stdout F first line\n"
    b"2026-01-01T00:00:02.000000000Z stderr P a long li\n"
    b"2026-01-01T00:00:02.100000000Z stderr F ne, joined\n"
    b"2026-01-01T00:00:03.000000000Z stdout F last\n"
    b"2026-01-01T00:00:04.000000000Z stdout F being writ"
)


def _text(**options: object) -> bytes:
    return b"".join(text for text, _ in logs.render(LOG, **options))  # type: ignore[arg-type]


def test_partial_records_join_and_unfinished_lines_wait() -> None:
    assert _text(timestamps=False, since=None) == b"first line\na long line, joined\nlast\n"


def test_timestamps_prefix_each_record() -> None:
    assert _text(timestamps=True, since=None).splitlines()[0] == (
        b"2026-01-01T00:00:01.000000001Z first line"
    )


def test_since_drops_older_records() -> None:
    since = datetime.datetime(2026, 1, 1, 0, 0, 3, tzinfo=datetime.UTC)
    assert _text(timestamps=False, since=since) == b"last\n"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(0, b"", id="zero"),
        pytest.param(1, b"last\n", id="one"),
        pytest.param(2, b"a long line, joined\nlast\n", id="partial-record-counts-once"),
        pytest.param(10, b"first line\na long line, joined\nlast\n", id="more-than-there-are"),
    ],
)
def test_tail_counts_lines_not_records(lines: int, expected: bytes) -> None:
    pieces = [text for text, _ in logs.render(LOG, timestamps=False, since=None)]
    assert b"".join(logs._tail(pieces, lines)) == expected
