"""Resource quantities (`100m`, `1.5Gi`, `1e3`) with Kubernetes' `resource.Quantity` semantics.

Pure and exact. A `Quantity` is an immutable decimal `coef * 10**exp` (Python ints, never floats)
plus the `Format` it was written in. It reproduces the observable behaviour of
`k8s.io/apimachinery/pkg/api/resource` (quantity.go, amount.go, suffix.go, math.go):

- `parse_quantity(text)` follows `ParseQuantity`: the same scanner, the same three error messages,
  values rounded up to whole nanos, BinarySI capped at 2^63-1, exponents wrapped to int32.
- `str(q)` is `String()`: the canonical form (`1024Mi` -> `1Gi`, `0.5` -> `500m`, `1.5Gi` ->
  `1536Mi`), except that, like Kubernetes, a parsed string that the fast path judges canonical
  is kept verbatim (so `+1`, `0100m`, `1.500`, `1E3` print as written).
- Comparisons, `==` and `hash` use the value only (Kubernetes' `Cmp`/`Equal`), so `1Gi == 1024Mi`.
- `a + b` / `a - b` keep `a`'s format unless `a` is zero (Kubernetes' `Add`/`Sub`).
- `value()` / `milli_value()` round away from zero and saturate at int64, as the int64 fast path
  of `Value()` / `MilliValue()` does.

`wire.py` and `decoding.py` call `parse_wire` for every quantity on the wire; parsed strings are
cached, so decoding the usual `100m` / `64Mi` is a dictionary lookup.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Final

__all__ = [
    "ERR_FORMAT_WRONG",
    "ERR_NUMERIC",
    "ERR_SUFFIX",
    "SPLIT_PATTERN",
    "Format",
    "Quantity",
    "parse_quantity",
    "parse_wire",
]

SPLIT_PATTERN: Final = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG: Final = f"quantities must match the regular expression '{SPLIT_PATTERN}'"
ERR_NUMERIC: Final = "unable to parse numeric part of quantity"
ERR_SUFFIX: Final = "unable to parse quantity's suffix"


class Format(enum.StrEnum):
    """How a quantity is written; kept from parsing and used again to print it."""

    DECIMAL_EXPONENT = "DecimalExponent"  # 12e6
    BINARY_SI = "BinarySI"  # 12Mi (12 * 2^20)
    DECIMAL_SI = "DecimalSI"  # 12M  (12 * 10^6)


_DECIMAL_SI: Final = Format.DECIMAL_SI
_BINARY_SI: Final = Format.BINARY_SI
_DECIMAL_EXPONENT: Final = Format.DECIMAL_EXPONENT
_MAX_INT64: Final = (1 << 63) - 1
_MIN_INT64: Final = -(1 << 63)
_NANO: Final = -9
_MAX_INT64_FACTORS: Final = 18  # decimal digits the int64 fast path accepts

# suffix -> (base, exponent, format): suffix.go's tables.
_SUFFIXES: Final[dict[str, tuple[int, int, Format]]] = {
    "": (10, 0, Format.DECIMAL_SI),
    "n": (10, -9, Format.DECIMAL_SI),
    "u": (10, -6, Format.DECIMAL_SI),
    "m": (10, -3, Format.DECIMAL_SI),
    "k": (10, 3, Format.DECIMAL_SI),
    "M": (10, 6, Format.DECIMAL_SI),
    "G": (10, 9, Format.DECIMAL_SI),
    "T": (10, 12, Format.DECIMAL_SI),
    "P": (10, 15, Format.DECIMAL_SI),
    "E": (10, 18, Format.DECIMAL_SI),
    "Ki": (2, 10, Format.BINARY_SI),
    "Mi": (2, 20, Format.BINARY_SI),
    "Gi": (2, 30, Format.BINARY_SI),
    "Ti": (2, 40, Format.BINARY_SI),
    "Pi": (2, 50, Format.BINARY_SI),
    "Ei": (2, 60, Format.BINARY_SI),
}
# Printing: a power of ten (or of 1024) without a suffix prints bare digits, as in Go, where
# the failed suffix lookup is ignored (so 1e21 in DecimalSI prints as "1").
_DECIMAL_SUFFIX: Final = {e: s for s, (b, e, _) in _SUFFIXES.items() if b == 10}
_BINARY_SUFFIX: Final = {e // 10: s for s, (b, e, _) in _SUFFIXES.items() if b == 2}

# The scanner of parseQuantityString, as one expression: sign, leading zeros, integer digits,
# optional fraction, then suffix letters, an optional sign and digits.
_SCAN: Final = re.compile(r"([+-]?)(0*)([0-9]*)(?:(\.)([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)")

# Go's unicode.IsSpace, which strings.TrimSpace strips around a JSON quantity.
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_BIG_DIGITS: Final = 4000  # below CPython's int <-> str conversion limit


class Quantity:
    """A Kubernetes resource quantity: the exact value `coef * 10**exp` and its `Format`.

    Immutable and hashable. `str()` gives what Kubernetes prints; equality and ordering compare
    values only. Build one with `parse_quantity`, `Quantity.of`, `Quantity.milli` or the
    constructor (which takes the value as a decimal `coef`, `exp`).
    """

    __slots__ = ("_coef", "_exp", "_format", "_text")

    _coef: int
    _exp: int
    _format: Format
    _text: str | None

    def __init__(
        self,
        coef: int = 0,
        exp: int = 0,
        format: Format = Format.DECIMAL_SI,
    ) -> None:
        if coef % 10 == 0:
            coef, exp = _normalize(coef, exp)
        _set_coef(self, coef)
        _set_exp(self, exp)
        _set_format(self, format)
        _set_text(self, None)

    # --- constructors (NewQuantity / NewMilliQuantity / NewScaledQuantity) -----------------

    @classmethod
    def of(cls, value: int, format: Format = Format.DECIMAL_SI) -> Quantity:
        """`value` units, like Kubernetes' `NewQuantity(value, format)`."""
        return cls(value, 0, format)

    @classmethod
    def milli(cls, value: int, format: Format = Format.DECIMAL_SI) -> Quantity:
        """`value / 1000` units, like Kubernetes' `NewMilliQuantity(value, format)`."""
        return cls(value, -3, format)

    @classmethod
    def scaled(cls, value: int, scale: int) -> Quantity:
        """`value * 10**scale` in DecimalSI, like Kubernetes' `NewScaledQuantity`."""
        return cls(value, scale, Format.DECIMAL_SI)

    # --- immutability ----------------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Quantity is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Quantity is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[object, tuple[int, int, Format, str | None]]:
        return (_restore, (self._coef, self._exp, self._format, self._text))

    def __copy__(self) -> Quantity:
        return self

    def __deepcopy__(self, memo: object) -> Quantity:
        return self

    # --- accessors -------------------------------------------------------------------------

    @property
    def format(self) -> Format:
        """The format the quantity is printed in (from its suffix, or from the left operand)."""
        return self._format

    def as_decimal(self) -> tuple[int, int]:
        """The exact value as `(coef, exp)`, meaning `coef * 10**exp`, with no trailing zeros."""
        return (self._coef, self._exp)

    def sign(self) -> int:
        """-1, 0 or 1 (Kubernetes' `Sign`)."""
        return (self._coef > 0) - (self._coef < 0)

    def is_zero(self) -> bool:
        """Whether the value is zero, whatever its suffix (Kubernetes' `IsZero`)."""
        return self._coef == 0

    def value(self) -> int:
        """The value in units, rounded away from zero, saturating at int64 (Kubernetes' `Value`)."""
        return _scaled_int(self._coef, self._exp)

    def milli_value(self) -> int:
        """The value in thousandths, rounded away from zero, saturating at int64 (`MilliValue`)."""
        return _scaled_int(self._coef, self._exp + 3)

    # --- printing --------------------------------------------------------------------------

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = _canonical(self._coef, self._exp, self._format)
            _set_text(self, text)
        return text

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r})"

    # --- comparison ------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._coef == other._coef and self._exp == other._exp

    def __hash__(self) -> int:
        return hash((self._coef, self._exp))

    def cmp(self, other: Quantity) -> int:
        """-1, 0 or 1 as `self` is less than, equal to or greater than `other` (`Cmp`)."""
        return _compare(self._coef, self._exp, other._coef, other._exp)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) < 0

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) <= 0

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) > 0

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) >= 0

    # --- arithmetic ------------------------------------------------------------------------

    def __add__(self, other: object) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._combine(other._coef, other._exp, other._format)

    def __sub__(self, other: object) -> Quantity:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self._combine(-other._coef, other._exp, other._format)

    def __neg__(self) -> Quantity:
        return Quantity(-self._coef, self._exp, self._format)

    def _combine(self, coef: int, exp: int, other_format: Format) -> Quantity:
        # Kubernetes' Add/Sub: the receiver's format wins unless the receiver is zero.
        fmt = other_format if self._coef == 0 else self._format
        low = min(self._exp, exp)
        total = self._coef * 10 ** (self._exp - low) + coef * 10 ** (exp - low)
        return Quantity(total, low, fmt)


# Slot setters: Quantity refuses attribute assignment, so it fills its slots through these.
_set_coef = Quantity.__dict__["_coef"].__set__
_set_exp = Quantity.__dict__["_exp"].__set__
_set_format = Quantity.__dict__["_format"].__set__
_set_text = Quantity.__dict__["_text"].__set__
_new = object.__new__


def _make(coef: int, exp: int, fmt: Format, text: str | None = None) -> Quantity:
    """A Quantity without going through `__init__` (the parsing hot path)."""
    if coef % 10 == 0:
        coef, exp = _normalize(coef, exp)
    q: Quantity = _new(Quantity)
    _set_coef(q, coef)
    _set_exp(q, exp)
    _set_format(q, fmt)
    _set_text(q, text)
    return q


# --- parsing -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def parse_quantity(text: str) -> Quantity:
    """Parse `text` as Kubernetes' `ParseQuantity` does; `ValueError` carries its message."""
    if text == "0":
        return _make(0, 0, _DECIMAL_SI, "0")
    scanned = _SCAN.fullmatch(text) if text else None
    if scanned is None:
        raise ValueError(ERR_FORMAT_WRONG)
    sign, zeros, num, _dot, denom, suffix = scanned.groups("")
    found = _SUFFIXES.get(suffix) or _interpret_exponent(suffix)
    if found is None:
        raise ValueError(ERR_SUFFIX)
    base, exponent, fmt = found
    negative = sign == "-"
    fast = _parse_fast(text, negative, num or "0", denom, exponent, fmt)
    if fast is not None:
        return fast
    if not (zeros or num or denom):  # inf.Dec reads no digit from "." or "-."
        raise ValueError(ERR_NUMERIC)
    return _parse_exact(
        negative=negative,
        digits=num + denom,
        frac=len(denom),
        base=base,
        exponent=exponent,
        fmt=fmt,
    )


def parse_wire(raw: object) -> Quantity:
    """Decode a quantity from decoded JSON/YAML, as `Quantity.UnmarshalJSON` does.

    Strings are trimmed of surrounding white space; numbers are parsed from their text (a float
    has lost the way it was written, so `1e3` arrives as `1000.0` and prints as `1k`, where
    Kubernetes keeps `1e3`). `null` is the zero quantity; anything else is a format error.
    """
    if isinstance(raw, str):
        return parse_quantity(raw.strip(_GO_SPACE))
    if raw is None:
        return Quantity()
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(ERR_FORMAT_WRONG)
    return parse_quantity(repr(raw))


def _interpret_exponent(suffix: str) -> tuple[int, int, Format] | None:
    """`e<int>` / `E<int>`, the DecimalExponent suffixes."""
    if len(suffix) > 1 and suffix[0] in "eE":
        # strconv.ParseInt(suffix[1:], 10, 64): one optional sign, then ASCII digits.
        rest = suffix[1:]
        body = rest[1:] if rest[0] in "+-" else rest
        if not body.isdigit() or len(body.lstrip("0")) > 19:
            return None
        parsed = int(rest)
        if not _MIN_INT64 <= parsed <= _MAX_INT64:
            return None
        return (10, _wrap_int32(parsed), _DECIMAL_EXPONENT)
    return None


def _parse_fast(
    text: str, negative: bool, num: str, denom: str, exponent: int, fmt: Format
) -> Quantity | None:
    """The int64 fast path of ParseQuantity, which also decides whether `text` is kept."""
    if fmt is _BINARY_SI:
        if exponent < 0 or denom:
            return None
        mantissa = 1 << exponent
        if 15 - len(num) - exponent * 3 // 10 - 1 < 0:
            return None
        scale = 0
    else:
        if _MAX_INT64_FACTORS - len(num) - len(denom) < 0:
            return None
        mantissa = 1
        scale = _wrap_int32(exponent - len(denom)) if denom else exponent
    if scale < _NANO:
        return None
    shifted = num + denom if denom else num
    value = int(shifted)
    result = value * mantissa
    if result > _MAX_INT64:
        return None
    if fmt is _BINARY_SI:
        keep = exponent % 10 == 0 and value & 0x07 != 0
    else:
        keep = scale % 3 == 0 and shifted[0] != "0" and not shifted.endswith("000")
    return _make(-result if negative else result, scale, fmt, text if keep else None)


def _parse_exact(
    *, negative: bool, digits: str, frac: int, base: int, exponent: int, fmt: Format
) -> Quantity:
    """The inf.Dec slow path: exact value, rounded up to nanos, BinarySI capped at 2^63-1."""
    coef = _int_from_digits(digits) if digits else 0
    exp = -frac
    if base == 10:
        exp += exponent
    else:
        coef <<= exponent
    if coef and exp < _NANO:
        coef = _ceil_shift(coef, _NANO - exp)
        exp = _NANO
    if fmt is Format.BINARY_SI:
        if _compare(coef, exp, _MAX_INT64, 0) > 0:
            coef, exp = _MAX_INT64, 0
        if coef and _compare(coef, exp, 1, 0) < 0:
            fmt = Format.DECIMAL_SI
    return Quantity(-coef if negative else coef, exp, fmt)


# --- printing ------------------------------------------------------------------------------


def _canonical(coef: int, exp: int, fmt: Format) -> str:
    """CanonicalizeBytes: the largest suffix that leaves an integer mantissa."""
    if coef == 0:
        return "0"
    if fmt is Format.BINARY_SI:
        small = _compare(abs(coef), exp, 1024, 0) < 0
        if not small and exp >= 0:  # an integer of at least 1024 in magnitude
            amount = abs(coef) * 10**exp
            times = 0
            while amount >= 1024 and amount % 1024 == 0:
                amount //= 1024
                times += 1
            number = _int_str(-amount if coef < 0 else amount)
            return number + _BINARY_SUFFIX.get(times, "")
        fmt = Format.DECIMAL_SI  # a fraction, or below 1Ki: do not round, print decimal
    shift = exp % 3
    if shift:
        coef *= 10**shift
        exp -= shift
    number = _int_str(coef)
    if fmt is Format.DECIMAL_EXPONENT:
        return f"{number}e{exp}" if exp else number
    return number + _DECIMAL_SUFFIX.get(exp, "")


# --- exact integer helpers -----------------------------------------------------------------


def _restore(coef: int, exp: int, fmt: Format, text: str | None) -> Quantity:
    return _make(coef, exp, fmt, text)


def _normalize(coef: int, exp: int) -> tuple[int, int]:
    if coef == 0:
        return (0, 0)
    while coef % 10 == 0:
        coef //= 10
        exp += 1
    return (coef, exp)


def _wrap_int32(value: int) -> int:
    return (value + 2**31) % 2**32 - 2**31


def _ndigits(n: int) -> int:
    """Decimal digits of `n > 0`."""
    if n < 10**18:
        return len(str(n))
    guess = int(n.bit_length() * 0.30102999566398120)
    return guess + 1 if n >= 10**guess else guess


def _compare(c1: int, e1: int, c2: int, e2: int) -> int:
    """Compare `c1 * 10**e1` with `c2 * 10**e2` without expanding huge exponents."""
    if e1 != e2:
        s1 = (c1 > 0) - (c1 < 0)
        s2 = (c2 > 0) - (c2 < 0)
        if s1 != s2 or s1 == 0:
            return (s1 > s2) - (s1 < s2)
        if abs(e1 - e2) > 40:
            d1 = _ndigits(abs(c1)) + e1
            d2 = _ndigits(abs(c2)) + e2
            if d1 != d2:
                return s1 if d1 > d2 else -s1
        low = min(e1, e2)
        c1 *= 10 ** (e1 - low)
        c2 *= 10 ** (e2 - low)
    return (c1 > c2) - (c1 < c2)


def _ceil_shift(n: int, places: int) -> int:
    """`ceil(n / 10**places)` for `n > 0`, `places > 0`."""
    if places > _ndigits(n):
        return 1
    divisor: int = 10**places
    quotient, remainder = divmod(n, divisor)
    return quotient + 1 if remainder else quotient


def _scaled_int(coef: int, exp: int) -> int:
    """`coef * 10**exp` rounded away from zero, saturating at the int64 rails."""
    if coef == 0:
        return 0
    negative = coef < 0
    magnitude = -coef if negative else coef
    if exp >= 0:
        result = magnitude * 10**exp if exp < 19 else _MAX_INT64 + 1
    else:
        result = _ceil_shift(magnitude, -exp)
    if negative:
        return max(-result, _MIN_INT64)
    return min(result, _MAX_INT64)


def _int_from_digits(digits: str) -> int:
    if len(digits) <= _BIG_DIGITS:
        return int(digits)
    head, tail = digits[:-_BIG_DIGITS], digits[-_BIG_DIGITS:]
    scale: int = 10**_BIG_DIGITS
    return _int_from_digits(head) * scale + int(tail)


def _int_str(n: int) -> str:
    if n.bit_length() < 13000:  # about 3900 decimal digits
        return str(n)
    if n < 0:
        return "-" + _int_str(-n)
    high, low = divmod(n, 10**_BIG_DIGITS)
    return _int_str(high) + str(low).rjust(_BIG_DIGITS, "0")
