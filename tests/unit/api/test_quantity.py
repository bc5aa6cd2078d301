"""Quantity parsing, printing, comparison and arithmetic.

Tables come from Kubernetes' staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go
(TestQuantityParse, TestQuantityString, TestQuantityParseEmit, TestQuantityCmp,
TestQuantityCmpInt64AndDec, TestJSONWhitespace, TestNewSet, TestMilliNewSet, TestNewScaledSet);
the "verbatim" and error-kind cases follow ParseQuantity's code path by path.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from tinykube.api import quantity
from tinykube.api.quantity import Format, Quantity, parse_quantity, parse_wire

DSI = Format.DECIMAL_SI
BSI = Format.BINARY_SI
DEX = Format.DECIMAL_EXPONENT
MOST_POSITIVE = 2**63 - 1
MOST_NEGATIVE = -(2**63)


def q(text: str) -> Quantity:
    return parse_quantity(text)


# --- TestQuantityParse ---------------------------------------------------------------------

PARSE_CASES = [
    ("0", 0, 0, DSI),
    ("0n", 0, 0, DSI),
    ("0u", 0, 0, DSI),
    ("0m", 0, 0, DSI),
    ("0Ki", 0, 0, BSI),
    ("0k", 0, 0, DSI),
    ("0Mi", 0, 0, BSI),
    ("0M", 0, 0, DSI),
    ("0Gi", 0, 0, BSI),
    ("0G", 0, 0, DSI),
    ("0Ti", 0, 0, BSI),
    ("0T", 0, 0, DSI),
    ("1", 1, 0, DSI),
    ("1Ki", 1024, 0, BSI),
    ("8Ki", 8 * 1024, 0, BSI),
    ("7Mi", 7 * 1024**2, 0, BSI),
    ("6Gi", 6 * 1024**3, 0, BSI),
    ("5Ti", 5 * 1024**4, 0, BSI),
    ("4Pi", 4 * 1024**5, 0, BSI),
    ("3Ei", 3 * 1024**6, 0, BSI),
    ("10Ti", 10 * 1024**4, 0, BSI),
    ("100Ti", 100 * 1024**4, 0, BSI),
    ("5n", 5, -9, DSI),
    ("4u", 4, -6, DSI),
    ("3m", 3, -3, DSI),
    ("9", 9, 0, DSI),
    ("8k", 8, 3, DSI),
    ("50k", 5, 4, DSI),
    ("7M", 7, 6, DSI),
    ("6G", 6, 9, DSI),
    ("5T", 5, 12, DSI),
    ("40T", 4, 13, DSI),
    ("300T", 3, 14, DSI),
    ("2P", 2, 15, DSI),
    ("1E", 1, 18, DSI),
    ("1E-3", 1, -3, DEX),
    ("1e3", 1, 3, DEX),
    ("1E6", 1, 6, DEX),
    ("1e9", 1, 9, DEX),
    ("1E12", 1, 12, DEX),
    ("1e15", 1, 15, DEX),
    ("1E18", 1, 18, DEX),
    ("1e14", 1, 14, DEX),
    ("1e13", 1, 13, DEX),
    ("100.035k", 100035, 0, DSI),
    ("0.001", 1, -3, DSI),
    ("0.0005k", 5, -1, DSI),
    ("0.005", 5, -3, DSI),
    ("0.05", 5, -2, DSI),
    ("0.5", 5, -1, DSI),
    ("0.00050k", 5, -1, DSI),
    ("0.00500", 5, -3, DSI),
    ("0.05000", 5, -2, DSI),
    ("0.50000", 5, -1, DSI),
    ("0.5e0", 5, -1, DEX),
    ("0.5e-1", 5, -2, DEX),
    ("0.5e-2", 5, -3, DEX),
    ("10.035M", 10035, 3, DSI),
    ("1.2e3", 12, 2, DEX),
    ("1.3E+6", 13, 5, DEX),
    ("1.40e9", 14, 8, DEX),
    ("1.53E12", 153, 10, DEX),
    ("1.6e15", 16, 14, DEX),
    ("1.7E18", 17, 17, DEX),
    ("9.01", 901, -2, DSI),
    ("8.1k", 81, 2, DSI),
    ("7.123456M", 7123456, 0, DSI),
    ("6.987654321G", 6987654321, 0, DSI),
    ("5.444T", 5444, 9, DSI),
    ("40.1T", 401, 11, DSI),
    ("300.2T", 3002, 11, DSI),
    ("2.5P", 25, 14, DSI),
    ("1.01E", 101, 16, DSI),
    # things that saturate or round
    ("3.001n", 4, -9, DSI),
    ("1.1E-9", 2, -9, DEX),
    ("0.0000000001", 1, -9, DSI),
    ("0.0000000005", 1, -9, DSI),
    ("0.00000000050", 1, -9, DSI),
    ("0.5e-9", 1, -9, DEX),
    ("0.9n", 1, -9, DSI),
    ("0.00000012345", 124, -9, DSI),
    ("0.00000012354", 124, -9, DSI),
    ("9Ei", MOST_POSITIVE, 0, BSI),
    ("9223372036854775807Ki", MOST_POSITIVE, 0, BSI),
    ("12E", 12, 18, DSI),
    # fractional binary
    ("100.035Ki", 10243584, -2, BSI),
    ("0.5Mi", 512 * 1024, 0, BSI),
    ("0.05Gi", 536870912, -1, BSI),
    ("0.025Ti", 274877906944, -1, BSI),
    # "things written by trolls"
    ("0.000000000001Ki", 2, -9, DSI),  # rounds up, changes format
    (".001", 1, -3, DSI),
    (".0001k", 100, -3, DSI),
    ("1.", 1, 0, DSI),
    ("1.G", 1, 9, DSI),
]


@pytest.mark.parametrize("sign", ["", "-", "+"], ids=["plain", "negative", "plus"])
@pytest.mark.parametrize(
    ("text", "coef", "exp", "fmt"), [pytest.param(*c, id=c[0]) for c in PARSE_CASES]
)
def test_parse_value_and_format(text: str, coef: int, exp: int, fmt: Format, sign: str) -> None:
    parsed = q(sign + text)
    expected = Quantity(-coef if sign == "-" else coef, exp, fmt)
    assert parsed == expected
    assert parsed.format is fmt


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", quantity.ERR_FORMAT_WRONG, id="empty"),
        pytest.param("1.1.M", quantity.ERR_FORMAT_WRONG, id="two-dots"),
        pytest.param("1+1.0M", quantity.ERR_FORMAT_WRONG, id="inner-sign"),
        pytest.param("0.1mi", quantity.ERR_SUFFIX, id="mi"),
        pytest.param("0.1am", quantity.ERR_FORMAT_WRONG, id="letter-outside-suffix-set"),
        pytest.param("aoeu", quantity.ERR_FORMAT_WRONG, id="word"),
        pytest.param(".5i", quantity.ERR_SUFFIX, id="bare-i"),
        pytest.param("1i", quantity.ERR_SUFFIX, id="1i"),
        pytest.param("-3.01i", quantity.ERR_SUFFIX, id="negative-i"),
        pytest.param("-3.01e-", quantity.ERR_SUFFIX, id="exponent-without-digits"),
        pytest.param(" 1", quantity.ERR_FORMAT_WRONG, id="leading-space"),
        pytest.param("1 ", quantity.ERR_FORMAT_WRONG, id="trailing-space"),
        pytest.param("1.5 Gi", quantity.ERR_FORMAT_WRONG, id="space-before-suffix"),
        pytest.param("1\n", quantity.ERR_FORMAT_WRONG, id="trailing-newline"),
        pytest.param("1e99999999999999999999", quantity.ERR_SUFFIX, id="exponent-beyond-int64"),
        pytest.param(".e-10", quantity.ERR_NUMERIC, id="no-digit-on-slow-path"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        q(text)
    assert str(caught.value) == message


def test_format_error_message_is_kubernetes_text() -> None:
    assert quantity.ERR_FORMAT_WRONG == (
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


# --- TestQuantityString --------------------------------------------------------------------

STRING_CASES = [
    (1024**3, 0, BSI, "1Gi", "1024Mi"),
    (300 * 1024**2, 0, BSI, "300Mi", "307200Ki"),
    (6 * 1024, 0, BSI, "6Ki", ""),
    (1001 * 1024**3, 0, BSI, "1001Gi", "1025024Mi"),
    (1024**4, 0, BSI, "1Ti", "1024Gi"),
    (5, 0, BSI, "5", "5000m"),
    (500, -3, BSI, "500m", "0.5"),
    (1, 9, DSI, "1G", "1000M"),
    (1000, 6, DSI, "1G", "0.001T"),
    (1000000, 3, DSI, "1G", ""),
    (1000000000, 0, DSI, "1G", ""),
    (1, -3, DSI, "1m", "1000u"),
    (80, -3, DSI, "80m", ""),
    (1080, -3, DSI, "1080m", "1.08"),
    (108, -2, DSI, "1080m", "1080000000n"),
    (10800, -4, DSI, "1080m", ""),
    (300, 6, DSI, "300M", ""),
    (1, 12, DSI, "1T", ""),
    (1234567, 6, DSI, "1234567M", ""),
    (1234567, -3, BSI, "1234567m", ""),
    (3, 3, DSI, "3k", ""),
    (1025, 0, BSI, "1025", ""),
    (0, 0, DSI, "0", ""),
    (0, 0, BSI, "0", ""),
    (1, 9, DEX, "1e9", ".001e12"),
    (1, -3, DEX, "1e-3", "0.001e0"),
    (1, -9, DEX, "1e-9", "1000e-12"),
    (80, -3, DEX, "80e-3", ""),
    (300, 6, DEX, "300e6", ""),
    (1, 12, DEX, "1e12", ""),
    (1, 3, DEX, "1e3", ""),
    (3, 3, DEX, "3e3", ""),
    (0, 0, DEX, "0", "00"),
    (1, -9, DSI, "1n", ""),
    (80, -9, DSI, "80n", ""),
    (1080, -9, DSI, "1080n", ""),
    (108, -8, DSI, "1080n", ""),
    (10800, -10, DSI, "1080n", ""),
    (1, -6, DSI, "1u", ""),
    (80, -6, DSI, "80u", ""),
    (1080, -6, DSI, "1080u", ""),
]


@pytest.mark.parametrize(
    ("coef", "exp", "fmt", "expect", "alternate"),
    [pytest.param(*c, id=f"{c[0]}e{c[1]}-{c[2].value}") for c in STRING_CASES],
)
def test_canonical_string(coef: int, exp: int, fmt: Format, expect: str, alternate: str) -> None:
    assert str(Quantity(coef, exp, fmt)) == expect
    assert str(q(expect)) == expect
    if alternate:
        assert str(q(alternate)) == expect
    if coef:
        assert str(-Quantity(coef, exp, fmt)) == "-" + expect


# --- TestQuantityParseEmit and the brief's examples ----------------------------------------


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        pytest.param("1Ki", "1Ki", id="1Ki"),
        pytest.param("1Mi", "1Mi", id="1Mi"),
        pytest.param("1Gi", "1Gi", id="1Gi"),
        pytest.param("1024Mi", "1Gi", id="1024Mi"),
        pytest.param("1000M", "1G", id="1000M"),
        pytest.param(".001Ki", "1024m", id=".001Ki"),
        pytest.param(".000001Ki", "1024u", id=".000001Ki"),
        pytest.param(".000000001Ki", "1024n", id=".000000001Ki"),
        pytest.param(".000000000001Ki", "2n", id=".000000000001Ki"),
        pytest.param("0.5", "500m", id="half"),
        pytest.param("1000m", "1", id="1000m"),
        pytest.param("1.5Gi", "1536Mi", id="1.5Gi"),
        pytest.param("1.5", "1500m", id="1.5"),
        pytest.param("100M", "100M", id="100M"),
        pytest.param("64Mi", "64Mi", id="64Mi"),
        pytest.param("2048Ki", "2Mi", id="2048Ki"),
        pytest.param("1023", "1023", id="1023"),
        pytest.param("0.5Mi", "512Ki", id="0.5Mi"),
        pytest.param("1e3", "1e3", id="1e3"),
        pytest.param("1500e-3", "1500e-3", id="1500e-3"),
        pytest.param("0.5e0", "500e-3", id="0.5e0"),
        pytest.param("12E", "12E", id="12E"),
        # nano precision: 0.1m is kept as 100u (MilliValue still rounds it up to 1)
        pytest.param("0.1m", "100u", id="0.1m"),
        pytest.param("9Ei", "9223372036854775807", id="9Ei-capped"),
        pytest.param("100.035Ki", "102435840m", id="fraction-of-Ki-prints-decimal"),
    ],
)
def test_parse_emit(text: str, expect: str) -> None:
    assert str(q(text)) == expect
    assert str(q("-" + text)) == "-" + expect


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        # ParseQuantity keeps the input string when its fast path finds it canonical; the
        # check looks at digits and scale only, so a sign, leading zeros or a dot survive.
        pytest.param("+1", "+1", id="plus-sign-kept"),
        pytest.param("0100m", "0100m", id="leading-zero-kept"),
        pytest.param("1.500", "1.500", id="fraction-digits-kept"),
        pytest.param("1E3", "1E3", id="capital-exponent-kept"),
        pytest.param("1.G", "1.G", id="trailing-dot-kept"),
        pytest.param("+1000m", "1", id="trailing-zeros-canonicalised"),
        pytest.param("00.5", "500m", id="leading-zero-fraction-canonicalised"),
        # suffixes stop at E: a DecimalSI power beyond 10^18 prints bare digits
        pytest.param("1000E", "1", id="beyond-exa-loses-suffix"),
        # the scanner accepts a number without digits as zero
        pytest.param(".", "0", id="lone-dot"),
        pytest.param("m", "0", id="lone-suffix"),
        pytest.param("-0", "0", id="negative-zero"),
    ],
)
def test_parse_emit_verbatim_and_edge_cases(text: str, expect: str) -> None:
    assert str(q(text)) == expect


# --- parse_wire (Quantity.UnmarshalJSON) ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expect"),
    [
        pytest.param(" 1", "1", id="string-leading-space"),
        pytest.param("1 ", "1", id="string-trailing-space"),
        pytest.param(1, "1", id="number"),
        pytest.param(10, "10", id="number-10"),
        pytest.param(-1, "-1", id="negative-number"),
        pytest.param("\t64Mi\n", "64Mi", id="string-tabs"),
        pytest.param(1.5, "1500m", id="float"),
        pytest.param(2048.0, "2048", id="integral-float"),
        pytest.param(10**20, "100E", id="big-int"),
        pytest.param(None, "0", id="null-is-zero"),
    ],
)
def test_parse_wire(raw: object, expect: str) -> None:
    assert str(parse_wire(raw)) == expect


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(True, id="bool"),
        pytest.param({"a": 1}, id="object"),
        pytest.param([1], id="array"),
        pytest.param(float("inf"), id="infinity"),
        pytest.param("1 Gi", id="inner-space"),
    ],
)
def test_parse_wire_rejects(raw: object) -> None:
    with pytest.raises(ValueError, match="quantities must match the regular expression"):
        parse_wire(raw)


# --- comparison (TestQuantityCmp, TestQuantityCmpInt64AndDec) -------------------------------


@pytest.mark.parametrize(
    ("left", "right", "expect"),
    [
        pytest.param(q("0"), q("0"), 0, id="zero-zero"),
        pytest.param(q("100m"), q("50m"), 1, id="100m-50m"),
        pytest.param(q("50m"), q("100m"), -1, id="50m-100m"),
        pytest.param(q("10000T"), q("100Gi"), 1, id="10000T-100Gi"),
        pytest.param(Quantity(901, -2), Quantity(901, -2), 0, id="equal"),
        pytest.param(Quantity(90, -1), Quantity(901, -2), -1, id="9.0-9.01"),
        pytest.param(Quantity(0, 1), Quantity(0, -1), 0, id="zeros-of-any-scale"),
        pytest.param(Quantity(800, -3), Quantity(1, 0), -1, id="800m-1"),
        pytest.param(Quantity(800, -3), Quantity(79, -2), 1, id="800m-790m"),
        pytest.param(Quantity(MOST_POSITIVE, 0), Quantity(1, -1), 1, id="max-vs-tenth"),
        pytest.param(Quantity(MOST_POSITIVE, -16), Quantity(1, 3), -1, id="max-e-16-vs-1k"),
        pytest.param(Quantity(MOST_NEGATIVE, -18), Quantity(-1, 0), -1, id="min-e-18-vs-minus-1"),
        pytest.param(Quantity(MOST_NEGATIVE, -19), Quantity(-1, 0), 1, id="min-e-19-vs-minus-1"),
        pytest.param(Quantity(10**18, -17), Quantity(1, 1), 0, id="1e18e-17-vs-10"),
        pytest.param(Quantity(-(10**18), -17), Quantity(-10, 0), 0, id="neg-1e18e-17-vs-minus-10"),
        pytest.param(Quantity(10**18 + 1, -17), Quantity(1, 1), 1, id="just-above-10"),
        pytest.param(Quantity(10**18 - 1, -17), Quantity(1, 1), -1, id="just-below-10"),
        pytest.param(q("1e1000000000"), q("1E"), 1, id="huge-exponent"),
        pytest.param(q("1n"), q("-1e1000000000"), 1, id="huge-negative"),
    ],
)
def test_compare(left: Quantity, right: Quantity, expect: int) -> None:
    assert left.cmp(right) == expect
    assert right.cmp(left) == -expect
    assert (left < right, left == right, left > right) == (expect < 0, expect == 0, expect > 0)
    assert (left <= right, left >= right) == (expect <= 0, expect >= 0)


def test_equal_values_hash_alike_whatever_their_spelling() -> None:
    spellings = [q("1Gi"), q("1024Mi"), q("1073741824"), q("1073741824000m")]
    assert len(set(spellings)) == 1
    assert {q("1Gi"): "x"}[q("1024Mi")] == "x"
    assert q("1G") != q("1Gi")


def test_sorting_orders_by_value() -> None:
    items = [q("1Gi"), q("100Mi"), q("1G"), q("500m"), q("-1")]
    assert [str(i) for i in sorted(items)] == ["-1", "500m", "100Mi", "1G", "1Gi"]


# --- arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["100m", "1Gi"])
def test_add_and_sub_zero_preserve_suffix(text: str) -> None:
    # TestQuantityAddZeroPreservesSuffix / TestQuantitySubZeroPreservesSuffix
    zero = q("0")
    assert str(q(text) + zero) == text
    assert str(zero + q(text)) == text
    assert str(q(text) - zero) == text
    assert str(zero - q(text)) == str(-q(text))


@pytest.mark.parametrize(
    ("left", "right", "total", "difference"),
    [
        pytest.param("100m", "50m", "150m", "50m", id="milli"),
        pytest.param("1Gi", "512Mi", "1536Mi", "512Mi", id="binary"),
        pytest.param("1", "100m", "1100m", "900m", id="units-plus-milli"),
        pytest.param("1Gi", "1G", "2073741824", "73741824", id="left-format-wins"),
        pytest.param("1G", "1Gi", "2073741824", "-73741824", id="decimal-left"),
        pytest.param("1e3", "1", "1001", "999", id="exponent-format"),
        pytest.param("9Ei", "9Ei", "18446744073709551614", "0", id="beyond-int64"),
    ],
)
def test_add_and_sub(left: str, right: str, total: str, difference: str) -> None:
    assert str(q(left) + q(right)) == total
    assert str(q(left) - q(right)) == difference


def test_negation() -> None:
    # TestQuantityNeg
    assert str(-Quantity(901, -2, DSI)) == "-9010m"
    assert str(-q("0")) == "0"


# --- Value / MilliValue and constructors ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "milli"),
    [
        pytest.param("1", 1, 1000, id="1"),
        pytest.param("100m", 1, 100, id="100m"),
        pytest.param("1.5", 2, 1500, id="1.5"),
        pytest.param("-1.5", -2, -1500, id="negative-rounds-away-from-zero"),
        pytest.param("0.1m", 1, 1, id="sub-milli-rounds-up"),
        pytest.param("1n", 1, 1, id="nano"),
        pytest.param("64Mi", 64 * 2**20, 64 * 2**20 * 1000, id="64Mi"),
        pytest.param("12E", MOST_POSITIVE, MOST_POSITIVE, id="saturates"),
        pytest.param("-12E", MOST_NEGATIVE, MOST_NEGATIVE, id="saturates-negative"),
        pytest.param("0", 0, 0, id="zero"),
    ],
)
def test_value_and_milli_value(text: str, value: int, milli: int) -> None:
    assert q(text).value() == value
    assert q(text).milli_value() == milli


@pytest.mark.parametrize(
    ("value", "fmt", "expect"),
    [
        pytest.param(1, DSI, "1", id="1"),
        pytest.param(1000, DSI, "1k", id="1k"),
        pytest.param(1234000, DSI, "1234k", id="1234k"),
        pytest.param(1024, BSI, "1Ki", id="1Ki"),
        pytest.param(1000000, DEX, "1e6", id="1e6"),
        pytest.param(1024 * 1024, BSI, "1Mi", id="1Mi"),
    ],
)
def test_new_quantity(value: int, fmt: Format, expect: str) -> None:
    # TestNewSet
    made = Quantity.of(value, fmt)
    assert str(made) == expect
    assert q(str(made)).value() == value


@pytest.mark.parametrize(
    ("value", "fmt", "expect", "exact"),
    [
        pytest.param(1, DSI, "1m", True, id="1m"),
        pytest.param(1000, DSI, "1", True, id="1"),
        pytest.param(1234000, DSI, "1234", True, id="1234"),
        pytest.param(1024, BSI, "1024m", False, id="binary-below-one-prints-decimal"),
        pytest.param(1000000, DEX, "1e3", True, id="1e3"),
        pytest.param(1024 * 1024, BSI, "1048576m", False, id="binary-fraction-prints-decimal"),
    ],
)
def test_new_milli_quantity(value: int, fmt: Format, expect: str, exact: bool) -> None:
    # TestMilliNewSet
    made = Quantity.milli(value, fmt)
    assert str(made) == expect
    if exact:
        assert q(str(made)).milli_value() == value


@pytest.mark.parametrize(
    ("value", "scale", "expect"),
    [
        pytest.param(1, -9, "1n", id="1n"),
        pytest.param(1000, -9, "1u", id="1000n"),
        pytest.param(1, -6, "1u", id="1u"),
        pytest.param(1000, -6, "1m", id="1000u"),
        pytest.param(1, -3, "1m", id="1m"),
        pytest.param(1000, -3, "1", id="1000m"),
        pytest.param(1, 0, "1", id="1"),
        pytest.param(0, -9, "0", id="0n"),
        pytest.param(0, 0, "0", id="0"),
    ],
)
def test_new_scaled_quantity(value: int, scale: int, expect: str) -> None:
    # TestNewScaledSet
    assert str(Quantity.scaled(value, scale)) == expect


# --- the object itself ---------------------------------------------------------------------


def test_quantity_is_immutable() -> None:
    parsed = q("100m")
    with pytest.raises(AttributeError):
        parsed._coef = 5
    with pytest.raises(AttributeError):
        parsed.anything = 1
    assert str(parsed) == "100m"


@pytest.mark.parametrize("text", ["+1", "1536Mi", "1.5Gi", "100m", "1e3"])
def test_copy_and_pickle_keep_value_and_text(text: str) -> None:
    parsed = q(text)
    for clone in (copy.copy(parsed), copy.deepcopy(parsed), pickle.loads(pickle.dumps(parsed))):
        assert clone == parsed
        assert str(clone) == str(parsed)
        assert clone.format is parsed.format


def test_sign_and_zero() -> None:
    assert (q("-1m").sign(), q("0Gi").sign(), q("1n").sign()) == (-1, 0, 1)
    assert q("0Ki").is_zero()
    assert not q("1n").is_zero()
    assert repr(q("1024Mi")) == "Quantity('1Gi')"
