"""The protobuf wire format, by hand: varints and the fields of one message (pure).

tinykube reads and writes a few small protobuf messages without generated code: kubectl's
protobuf request bodies, containerd's task events, the gRPC health check. They share these
primitives. Fields come back as `(number, value)` pairs in order: an int for a varint, bytes
for a length-delimited or fixed-width value.
"""

from __future__ import annotations

from typing import Final

VARINT: Final = 0
FIXED64: Final = 1
LENGTH_DELIMITED: Final = 2
FIXED32: Final = 5
_FIXED_SIZES: Final = {FIXED64: 8, FIXED32: 4}

FieldValue = int | bytes


class WireFormatError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """The varint at `pos` and the position after it."""
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise WireFormatError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def read_fields(data: bytes) -> list[tuple[int, FieldValue]]:
    """Every field of one message, in order."""
    out: list[tuple[int, FieldValue]] = []
    pos = 0
    while pos < len(data):
        tag, pos = read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise WireFormatError("field number 0")
        value: FieldValue
        if wire_type == VARINT:
            value, pos = read_varint(data, pos)
        elif wire_type == LENGTH_DELIMITED:
            length, pos = read_varint(data, pos)
            if pos + length > len(data):
                raise WireFormatError("truncated length-delimited field")
            value, pos = data[pos : pos + length], pos + length
        elif wire_type in _FIXED_SIZES:
            end = pos + _FIXED_SIZES[wire_type]
            if end > len(data):
                raise WireFormatError("truncated fixed-width field")
            value, pos = data[pos:end], end
        else:
            raise WireFormatError(f"unsupported wire type {wire_type}")
        out.append((number, value))
    return out


def first_fields(data: bytes) -> dict[int, FieldValue]:
    """The first value of each field number of one message."""
    found: dict[int, FieldValue] = {}
    for number, value in read_fields(data):
        found.setdefault(number, value)
    return found


def varint(value: int) -> bytes:
    """`value` (not negative) as a varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def length_delimited(number: int, payload: bytes) -> bytes:
    """Field `number` holding `payload` (a string, bytes or an embedded message)."""
    return varint(number << 3 | LENGTH_DELIMITED) + varint(len(payload)) + payload
