"""The protobuf wire format by hand, against the encoding guide's own examples."""

from __future__ import annotations

import pytest

from tinykube.api import protowire


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param(0, b"\x00", id="zero"),
        pytest.param(1, b"\x01", id="one"),
        pytest.param(150, b"\x96\x01", id="150-from-the-encoding-guide"),
        pytest.param(300, b"\xac\x02", id="300"),
        pytest.param(2**63, b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", id="ten-bytes"),
    ],
)
def test_varints_encode_and_decode(value: int, encoded: bytes) -> None:
    assert protowire.varint(value) == encoded
    assert protowire.read_varint(encoded, 0) == (value, len(encoded))


def test_fields_come_back_in_order_with_their_values() -> None:
    message = (
        b"\x08\x96\x01"  # field 1, varint 150 (the guide's Test1)
        + protowire.length_delimited(2, b"testing")  # the guide's Test2: 12 07 74 65 73 74 ...
        + b"\x1d\x01\x02\x03\x04"  # field 3, fixed32
        + b"\x08\x02"  # field 1 again
    )
    assert message[3:5] == b"\x12\x07"
    assert protowire.read_fields(message) == [
        (1, 150),
        (2, b"testing"),
        (3, b"\x01\x02\x03\x04"),
        (1, 2),
    ]
    assert protowire.first_fields(message) == {1: 150, 2: b"testing", 3: b"\x01\x02\x03\x04"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"\x96", "truncated varint", id="truncated-varint"),
        pytest.param(b"\x12\x05ab", "truncated length-delimited field", id="short-string"),
        pytest.param(b"\x1d\x01", "truncated fixed-width field", id="short-fixed32"),
        pytest.param(b"\x0b", "unsupported wire type 3", id="group-start"),
        pytest.param(b"\x00\x01", "field number 0", id="field-zero"),
        pytest.param(b"\xff" * 11, "truncated varint", id="varint-over-64-bits"),
    ],
)
def test_malformed_messages_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(protowire.WireFormatError, match=message):
        protowire.read_fields(data)
