"""The pure parts of the PostgreSQL probe: message encoding, MD5 passwords, error fields."""

from __future__ import annotations

import hashlib
import struct

from tinykube.toolbox.probes import postgres


def test_startup_message_layout() -> None:
    data = postgres.startup_message(user="app", database="orders")
    length, version = struct.unpack("!II", data[:8])
    assert length == len(data)
    assert version == 3 << 16
    pairs = data[8:].split(b"\0")
    assert pairs[:4] == [b"user", b"app", b"database", b"orders"]
    assert data.endswith(b"\0\0")


def test_md5_password_is_libpq_s() -> None:
    inner = hashlib.md5(b"secretapp").hexdigest()
    expected = "md5" + hashlib.md5(inner.encode() + b"\x01\x02\x03\x04").hexdigest()
    assert (
        postgres.md5_password(user="app", password="secret", salt=b"\x01\x02\x03\x04") == expected
    )


def test_error_fields_and_their_description() -> None:
    body = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0"
    fields = postgres.parse_error_fields(body)
    assert fields["C"] == "57P03"
    assert postgres.describe_error(fields) == (
        "the database system is starting up (SQLSTATE 57P03)"
    )


def test_sasl_mechanism_list() -> None:
    assert postgres.sasl_mechanisms(b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0") == [
        "SCRAM-SHA-256-PLUS",
        "SCRAM-SHA-256",
    ]


def test_message_framing() -> None:
    assert postgres.message(b"X", b"") == b"X\0\0\0\x04"
