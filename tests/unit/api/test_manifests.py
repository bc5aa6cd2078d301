"""Reading manifests as kubectl does: go-yaml v2's YAML 1.1 scalars, then sigs.k8s.io/yaml's JSON.

Expected values come from go-yaml v2 (`resolve.go`: its bool/null word table, Go base-0 integers,
its float pattern, no base 60; `decode.go`: merges, aliases, the alias ratio budget, strict
duplicate keys, `!!binary` decoding), sigs.k8s.io/yaml (`convertToJSONableObject`: key
conversion, `strconv.FormatFloat(k, 'g', -1, 32)` for float keys, null keys rejected; its
`yaml_test.go` cases) and apimachinery's YAMLReader (`---` separators). The previous loader
(PyYAML's composer + a normalising copy) is kept below as the oracle of a property test: on
what both read the same way, the new loader must return exactly what it returned.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinykube.api import manifests


def _load(text: str, *, strict: bool = True) -> list[Any]:
    return [obj.raw for obj in manifests.parse_documents(text, source="s.yaml", strict=strict)]


def _value(text: str) -> Any:
    (document,) = _load(f"v: {text}\n")
    return document["v"]


def _error(text: str, *, strict: bool = True) -> str:
    with pytest.raises(manifests.ManifestError) as caught:
        manifests.parse_documents(text, source="s.yaml", strict=strict)
    return str(caught.value)


# --- Plain scalars: go-yaml v2 resolve() --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *(
            pytest.param(word, None, id=f"null-{word or 'empty'}")
            for word in ("", "~", "null", "Null", "NULL")
        ),
        *(
            pytest.param(word, True, id=f"true-{word}")
            for word in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")
        ),
        *(
            pytest.param(word, False, id=f"false-{word}")
            for word in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
        ),
        pytest.param("yES", "yES", id="mixed-case-is-text"),
        pytest.param("nULL", "nULL", id="mixed-case-null-is-text"),
        pytest.param("0", 0, id="int-zero"),
        pytest.param("-17", -17, id="int-negative"),
        pytest.param("+17", 17, id="int-plus-sign"),
        pytest.param("1_000", 1000, id="int-underscores"),
        pytest.param("1_", 1, id="int-trailing-underscore"),
        pytest.param("_1", "_1", id="leading-underscore-is-text"),
        pytest.param("0x1F", 31, id="int-hex"),
        pytest.param("0X1f", 31, id="int-hex-upper-prefix"),
        pytest.param("-0x1F", -31, id="int-hex-negative"),
        pytest.param("0o17", 15, id="int-octal-0o"),
        pytest.param("017", 15, id="int-octal-leading-zero"),
        pytest.param("0b101", 5, id="int-binary"),
        pytest.param("-0b101", -5, id="int-binary-negative"),
        pytest.param("0b-101", -5, id="int-binary-sign-after-prefix"),
        pytest.param("9223372036854775807", 2**63 - 1, id="int64-max"),
        pytest.param("0xFFFFFFFFFFFFFFFF", 2**64 - 1, id="uint64-max"),
        pytest.param("0x10000000000000000", 2**64, id="big-int-hex"),
        pytest.param("18446744073709551616", 2**64, id="big-decimal-is-a-float"),
        pytest.param("1.5", 1.5, id="float"),
        pytest.param("1.0", 1, id="integral-float-is-a-json-integer"),
        pytest.param("1e3", 1000, id="float-exponent-without-dot"),
        pytest.param("+1.5e+3", 1500, id="float-signed-exponent"),
        pytest.param(".5", 0.5, id="float-leading-dot"),
        pytest.param("-.5", -0.5, id="float-negative-leading-dot"),
        pytest.param("1e-7", 1e-7, id="float-small"),
        pytest.param("1e21", 1e21, id="float-1e21-stays-a-float"),
        pytest.param("08", 8, id="bad-octal-reads-as-float"),
        pytest.param("1e400", "1e400", id="float-overflow-is-text"),
        pytest.param(".e5", ".e5", id="dot-without-digits-is-text"),
        pytest.param("0b2", "0b2", id="bad-binary-is-text"),
        pytest.param("1:20", "1:20", id="no-base-60"),
        pytest.param("190:20:30", "190:20:30", id="no-base-60-float"),
        pytest.param("2001-12-14", "2001-12-14", id="timestamp-stays-text"),
        pytest.param(
            "2001-12-14T21:59:43.10-05:00", "2001-12-14T21:59:43.10-05:00", id="timestamp"
        ),
        pytest.param("<<", "<<", id="merge-word-as-value-is-text"),
        pytest.param("busybox:1.35", "busybox:1.35", id="text"),
        pytest.param("'1'", "1", id="single-quoted"),
        pytest.param('"true"', "true", id="double-quoted"),
        pytest.param('"~"', "~", id="quoted-null-word"),
        pytest.param("|\n  x\n  y\n", "x\ny\n", id="literal-block"),
        pytest.param(">-\n  x\n  y\n", "x y", id="folded-block"),
    ],
)
def test_plain_and_quoted_scalars_resolve_as_go_yaml_v2(text: str, expected: Any) -> None:
    value = _value(text)
    assert value == expected
    assert type(value) is type(expected)


# --- Explicit tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("!!str 12", "12", id="str"),
        pytest.param("!!str yes", "yes", id="str-of-bool-word"),
        pytest.param("!!int '0x1F'", 31, id="int-of-quoted"),
        pytest.param("!!float 1", 1, id="float-of-int-is-integral"),
        pytest.param("!!float '1.5'", 1.5, id="float-of-quoted"),
        pytest.param("!!bool 'yes'", True, id="bool-of-quoted"),
        pytest.param("!!null ''", None, id="null-of-empty"),
        pytest.param("!!timestamp 2001-12-14", "2001-12-14", id="timestamp-date"),
        pytest.param(
            "!!timestamp 2001-12-14t21:59:43.1Z", "2001-12-14t21:59:43.1Z", id="timestamp"
        ),
        pytest.param("!!binary aGVsbG8=", "hello", id="binary-is-decoded"),
        pytest.param("!!binary |\n  aGVs\n  bG8=\n", "hello", id="binary-across-lines"),
        pytest.param("!!binary gIGC", "\ufffd\ufffd\ufffd", id="binary-invalid-utf8"),
        pytest.param("!foo bar", "bar", id="unknown-tag-ignored"),
        pytest.param("! 12", "12", id="non-specific-tag-is-text"),
        pytest.param("!!map {a: 1}", {"a": 1}, id="map-tag"),
        pytest.param("!foo [1]", [1], id="unknown-tag-on-sequence-ignored"),
    ],
)
def test_explicit_tags_convert_as_go_yaml_v2(text: str, expected: Any) -> None:
    value = _value(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("!!int abc", "cannot decode !!str `abc` as a !!int", id="int-of-text"),
        pytest.param("!!int 1.5", "cannot decode !!float `1.5` as a !!int", id="int-of-float"),
        pytest.param("!!bool 1", "cannot decode !!int `1` as a !!bool", id="bool-of-int"),
        pytest.param("!!null x", "cannot decode !!str `x` as a !!null", id="null-of-text"),
        pytest.param(
            "!!timestamp 2001-02-30",
            "cannot decode !!str `2001-02-30` as a !!timestamp",
            id="bad-date",
        ),
        pytest.param(
            "!!float 0xFFFFFFFFFFFFFFFF",
            "cannot decode !!int `0xFFFFFFFFFFFFFFFF` as a !!float",
            id="float-of-uint64",
        ),
        pytest.param("!!binary 'a b'", "!!binary value contains invalid base64 data", id="binary"),
        pytest.param(
            "!!binary abc", "!!binary value contains invalid base64 data", id="binary-pad"
        ),
    ],
)
def test_tags_that_do_not_fit_fail_as_go_yaml_does(text: str, problem: str) -> None:
    assert _error(f"v: {text}\n") == f"error parsing s.yaml: yaml: {problem}"


# --- Keys: sigs.k8s.io/yaml's conversion --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1: a", {"1": "a"}, id="int"),
        pytest.param("0x10: a", {"16": "a"}, id="hex-int"),
        pytest.param("true: a", {"true": "a"}, id="bool"),
        pytest.param("y: a", {"true": "a"}, id="y-is-a-bool-key"),
        pytest.param("off: a", {"false": "a"}, id="off-is-a-bool-key"),
        pytest.param("1.5: a", {"1.5": "a"}, id="float"),
        pytest.param("1.0: a", {"1": "a"}, id="integral-float"),
        pytest.param("0.1: a", {"0.1": "a"}, id="float32-shortest"),
        pytest.param("123456789.0: a", {"1.2345679e+08": "a"}, id="float32-rounds"),
        pytest.param("1e6: a", {"1e+06": "a"}, id="float-exponent"),
        pytest.param("1e+36: a", {"1e+36": "a"}, id="sigs-yaml-test-1e36"),
        pytest.param("1000000000000000000000000000000000000: a", {"1e+36": "a"}, id="sigs-big"),
        pytest.param(".inf: a", {".inf": "a"}, id="infinity"),
        pytest.param("2001-12-14: a", {"2001-12-14": "a"}, id="timestamp"),
        pytest.param('"1": a', {"1": "a"}, id="quoted"),
    ],
)
def test_non_string_keys_become_json_keys_as_sigs_yaml_converts_them(
    text: str, expected: dict[str, Any]
) -> None:
    assert _load(text) == [expected]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "~: a",
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), "
            'key: <nil>, value: "a"',
            id="null",
        ),
        pytest.param(
            "0xFFFFFFFFFFFFFFFF: 1",
            "error converting YAML to JSON: unsupported map key of type: uint64, "
            "key: 0xffffffffffffffff, value: 1",
            id="uint64",
        ),
        pytest.param(
            "? [a]\n: 1",
            'yaml: invalid map key: []interface {}{"a"}',
            id="sequence-key",
        ),
        pytest.param(
            "? {a: 1}\n: 1",
            'yaml: invalid map key: map[interface {}]interface {}{"a":1}',
            id="mapping-key",
        ),
    ],
)
def test_keys_json_cannot_hold_fail(text: str, message: str) -> None:
    assert _error(text) == f"error parsing s.yaml: {message}"


# --- Duplicate keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        pytest.param("a: 1\na: 2\n", ['line 2: key "a" already set in map'], id="block"),
        pytest.param("{a: 1, a: 2}", ['line 1: key "a" already set in map'], id="flow"),
        pytest.param(
            "a: 1\nb:\n  c: 1\n  c:\n    d: 2\na: 3\n",
            ['line 5: key "c" already set in map', 'line 6: key "a" already set in map'],
            id="all-reported-value-line",
        ),
        pytest.param("1: a\n1: b\n", ["line 2: key 1 already set in map"], id="int-key"),
        pytest.param(
            "base: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n",
            ['line 4: key "x" already set in map'],
            id="override-of-merged-key",
        ),
        pytest.param(
            "a: &a {x: 1}\nb: &b {x: 2}\nm: {<<: [*a, *b]}\n",
            ['line 1: key "x" already set in map'],
            id="merged-maps-overlap",
        ),
    ],
)
def test_duplicate_keys_are_go_yaml_strict_errors(text: str, problems: list[str]) -> None:
    expected = "error parsing s.yaml: yaml: unmarshal errors:\n  " + "\n  ".join(problems)
    assert _error(text) == expected


def test_keys_of_different_go_types_are_not_duplicates() -> None:
    # go-yaml keeps 1 and "1" apart; the JSON conversion then keeps one of them.
    assert _load('1: a\n"1": b\n') == [{"1": "b"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: 1\na: 2\n", {"a": 2}, id="last-wins"),
        pytest.param(
            "b: &b {x: 1}\nm: {<<: *b, x: 2}\n", {"b": {"x": 1}, "m": {"x": 2}}, id="later-key"
        ),
        pytest.param(
            "b: &b {x: 1}\nm: {x: 2, <<: *b}\n",
            {"b": {"x": 1}, "m": {"x": 1}},
            id="go-yaml-v2-merge-overrides-earlier-key",
        ),
    ],
)
def test_without_strict_the_last_definition_wins_as_in_kubectl(text: str, expected: Any) -> None:
    assert _load(text, strict=False) == [expected]


# --- Anchors, aliases, merges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: &x 1\nb: *x\n", {"a": 1, "b": 1}, id="scalar-alias"),
        pytest.param("a: &x 1.0\n*x : b\n", {"a": 1, "1": "b"}, id="aliased-float-as-key"),
        pytest.param("a: &x {b: [1]}\nc: *x\n", {"a": {"b": [1]}, "c": {"b": [1]}}, id="map-alias"),
        pytest.param(
            "base: &b {x: 1, w: 2}\nm:\n  <<: *b\n  z: 3\n",
            {"base": {"x": 1, "w": 2}, "m": {"x": 1, "w": 2, "z": 3}},
            id="merge-alias",
        ),
        pytest.param(
            "a: &a {x: 1}\nb: &b {w: 2}\nm: {<<: [*a, *b], z: 3}\n",
            {"a": {"x": 1}, "b": {"w": 2}, "m": {"x": 1, "w": 2, "z": 3}},
            id="merge-sequence",
        ),
        pytest.param("m: {<<: {x: 1}, w: 2}\n", {"m": {"x": 1, "w": 2}}, id="merge-inline"),
        pytest.param("m: {!!merge <<: {x: 1}}\n", {"m": {"x": 1}}, id="merge-tag"),
        pytest.param("m: {'<<': {x: 1}}\n", {"m": {"<<": {"x": 1}}}, id="quoted-merge-is-a-key"),
        pytest.param(
            "a: &x 1\na2: &x 2\nb: *x\n", {"a": 1, "a2": 2, "b": 2}, id="anchor-redefined"
        ),
    ],
)
def test_anchors_aliases_and_merges(text: str, expected: Any) -> None:
    assert _load(text) == [expected]


def test_each_alias_gets_its_own_objects() -> None:
    (document,) = _load("a: &x {b: [1]}\nc: *x\nd: *x\n")
    assert document["a"] is not document["c"]
    assert document["c"]["b"] is not document["d"]["b"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("a: *x\n", "yaml: unknown anchor 'x' referenced", id="unknown-anchor"),
        pytest.param("a: &x [*x]\n", "yaml: anchor 'x' value contains itself", id="recursive"),
        pytest.param(
            "<<: 1\n",
            "yaml: map merge requires map or sequence of maps as the value",
            id="merge-scalar",
        ),
        pytest.param(
            "a: &a [1]\n<<: *a\n",
            "yaml: map merge requires map or sequence of maps as the value",
            id="merge-alias-to-sequence",
        ),
        pytest.param(
            "<<: [{a: 1}, 2]\n",
            "yaml: map merge requires map or sequence of maps as the value",
            id="merge-sequence-with-scalar",
        ),
        pytest.param(
            "<<: [[{a: 1}]]\n",
            "yaml: map merge requires map or sequence of maps as the value",
            id="merge-nested-sequence",
        ),
    ],
)
def test_alias_and_merge_errors(text: str, problem: str) -> None:
    assert _error(text) == f"error parsing s.yaml: {problem}"


def _billion_laughs(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_fails_fast_without_expanding() -> None:
    started = time.perf_counter()
    message = _error(_billion_laughs(10))
    assert message == "error parsing s.yaml: yaml: document contains excessive aliasing"
    assert time.perf_counter() - started < 1.0


def test_moderate_aliasing_is_allowed() -> None:
    # 111 + 1110 + ... nodes: go-yaml allows 99% of the decode work to come from aliases.
    (document,) = _load(_billion_laughs(3))
    assert len(document["a2"]) == 10
    assert document["a2"][9][9][9] == "lol"


# --- Streams, errors, depth ---------------------------------------------------------------------


def test_stream_is_cut_at_separator_lines_and_empty_documents_are_skipped() -> None:
    text = "a: 1\n---\n---\n# only a comment\n--- # comment\nb: 2\n...\nignored: [\n"
    assert _load(text) == [{"a": 1}, {"b": 2}]


def test_list_contributes_its_items() -> None:
    text = "kind: List\nitems:\n- {kind: Pod}\n- {kind: ConfigMap}\n---\nkind: Secret\n"
    objects = manifests.parse_documents(text, source="s.yaml")
    assert [(obj.index, obj.raw["kind"]) for obj in objects] == [
        (0, "Pod"),
        (1, "ConfigMap"),
        (2, "Secret"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "a: b\nc: d: e\n",
            "yaml: line 2: mapping values are not allowed in this context",
            id="scanner-error-names-its-line",
        ),
        pytest.param(
            "x: 1\na:\n  - b\n c: d\n",
            "yaml: line 3: did not find expected key",
            id="parser-error-names-the-line-before",
        ),
        pytest.param(
            "a: 1\n---\nb: [1\n",
            "yaml: line 1: did not find expected ',' or ']'",
            id="lines-count-from-the-document",
        ),
        pytest.param(
            "a: b: c\n",
            "yaml: mapping values are not allowed in this context",
            id="first-line-has-no-number",
        ),
        pytest.param("a: 1\n--- b: 2\n", "invalid Yaml document separator: b: 2", id="separator"),
        pytest.param("a: \x01\n", "yaml: control characters are not allowed", id="control-char"),
        pytest.param(
            "a: .inf\n",
            "error converting YAML to JSON: json: unsupported value: +Inf",
            id="infinity",
        ),
        pytest.param(
            "a: [-.Inf]\n",
            "error converting YAML to JSON: json: unsupported value: -Inf",
            id="negative-infinity",
        ),
        pytest.param(
            "a: .NaN\n", "error converting YAML to JSON: json: unsupported value: NaN", id="nan"
        ),
        pytest.param("kind: List\n", "a List needs an items array", id="list-without-items"),
        pytest.param(
            "a: !!int x\nb: [\n",
            "yaml: line 2: did not find expected node content",
            id="syntax-error-wins-over-decode-error",
        ),
        pytest.param(
            "a: 1\na: 2\nb: *nope\n",
            "yaml: unknown anchor 'nope' referenced",
            id="parse-error-wins-over-duplicates",
        ),
    ],
)
def test_errors_read_as_kubectl_prints_them(text: str, message: str) -> None:
    assert _error(text) == f"error parsing s.yaml: {message}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "[" * 1001 + "]" * 1001,
            "yaml: exceeded maximum nesting depth",
            id="flow-libyaml-limit",
        ),
        pytest.param(
            "".join(f"{' ' * i}a:\n" for i in range(1001)) + " " * 1001 + "b: 1\n",
            "yaml: line 1000: exceeded maximum nesting depth",
            id="block-libyaml-limit",
        ),
        pytest.param(
            "x: &x " + "[" * 600 + "]" * 600 + "\ny: " + "[" * 600 + "*x" + "]" * 600,
            f"document nested more than {manifests.MAX_DEPTH} levels deep",
            id="through-an-alias",
        ),
        pytest.param(
            '{"a": ' * 1001 + "1" + "}" * 1001,
            f"document nested more than {manifests.MAX_DEPTH} levels deep",
            id="json",
        ),
    ],
)
def test_nesting_deeper_than_the_limit_fails(text: str, message: str) -> None:
    assert _error(text) == f"error parsing s.yaml: {message}"


def test_nesting_at_the_limit_is_read() -> None:
    depth = manifests.MAX_DEPTH
    (document,) = _load("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        document = document[0]
    assert document == []


# --- JSON input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"a": 1.0}', [{"a": 1.0}], id="floats-stay-as-written"),
        pytest.param(
            '{"a": 1}\n{"b": [true, null]}\n', [{"a": 1}, {"b": [True, None]}], id="stream"
        ),
        pytest.param('  {"a": "y"}', [{"a": "y"}], id="no-yaml-resolution"),
        pytest.param("{a: y}", [{"a": True}], id="flow-yaml-falls-back"),
    ],
)
def test_json_input(text: str, expected: list[Any]) -> None:
    documents = _load(text)
    assert documents == expected
    assert [type(document["a"]) for document in documents[:1]] == [type(expected[0]["a"])]


def test_json_non_finite_number_fails() -> None:
    assert _error('{"a": NaN}') == (
        "error parsing s.yaml: error converting YAML to JSON: json: unsupported value: NaN"
    )


def test_decode_text_rejects_binary_and_invalid_utf8() -> None:
    with pytest.raises(manifests.ManifestError, match="binary data is not a manifest"):
        manifests.decode_text(b"a: \x00", source="s.yaml")
    with pytest.raises(manifests.ManifestError, match=r"not UTF-8 text \(byte 3\)"):
        manifests.decode_text(b"a: \xff", source="s.yaml")
    assert manifests.decode_text("\ufeffa: 1".encode(), source="s.yaml") == "a: 1"


# --- The previous loader, as an oracle ----------------------------------------------------------


class _OldLoader(yaml.CSafeLoader):
    """The loader this module used before: libyaml's safe loader without timestamps."""


_OldLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def _old_normalise(value: Any) -> Any:
    """The old normalising copy, plus what Go's JSON encoding does to integral floats."""
    if isinstance(value, dict):
        return {str(key): _old_normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_old_normalise(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def _old_load(text: str) -> list[Any]:
    return [
        _old_normalise(document)
        for document in yaml.load_all(text, Loader=_OldLoader)
        if document is not None
    ]


_RESOLVER = yaml.resolver.Resolver()


def _read_alike(text: str) -> bool:
    """Whether PyYAML and go-yaml v2 agree on a plain scalar; they differ on `y`/`n` and on
    numbers PyYAML's YAML 1.1 patterns miss (`1e3`, `0o17`, `08`, `.5e3`, ...) — each such
    difference has its own case in the tables above."""
    if text in ("y", "Y", "n", "N"):
        return False
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return not (tag == "tag:yaml.org,2002:str" and text[:1] in "+-.0123456789")


_KEYS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12).filter(
    _read_alike
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    _KEYS,
    st.sampled_from(["yes", "No", "on", "~", "null", "0x1F", "017", "1_000", "1.5", "2001-12-14"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=20,
)
_DOCUMENTS = st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=5)
_STYLES = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, True, None]),
        "default_style": st.sampled_from([None, '"', "'"]),
        "allow_unicode": st.booleans(),
        "indent": st.sampled_from([2, 4]),
        "width": st.sampled_from([20, 80, 1000]),
        "sort_keys": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents=st.lists(_DOCUMENTS, min_size=1, max_size=3), style=_STYLES)
def test_dumped_json_documents_read_back_as_the_old_loader_read_them(
    documents: list[dict[str, Any]], style: dict[str, Any]
) -> None:
    text = "---\n".join(yaml.safe_dump(document, **style) for document in documents)
    assert _load(text) == _old_load(text)
    assert json.loads(json.dumps(_load(text))) == _load(text)


# --- Fuzzing: only ManifestError ----------------------------------------------------------------


def _parses_or_fails_cleanly(text: str) -> None:
    try:
        documents = _load(text)
    except manifests.ManifestError as exc:
        assert str(exc).startswith("error parsing s.yaml: ")
        return
    json.dumps(documents, allow_nan=False)  # every result is plain JSON


@settings(max_examples=400, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_only_raise_manifest_error(data: bytes) -> None:
    try:
        text = manifests.decode_text(data, source="s.yaml")
    except manifests.ManifestError:
        return
    _parses_or_fails_cleanly(text)


_YAML_ALPHABET = st.sampled_from(
    [*"abyn01.-+:&*!<>[]{},?|'\"#~ \n\t%@`=_xeE", "---\n", "<<", "!!binary ", "!!int ", "&a ", "*a"]
)


@settings(max_examples=600, deadline=None)
@given(pieces=st.lists(_YAML_ALPHABET, max_size=60))
def test_random_yaml_like_text_only_raises_manifest_error(pieces: list[str]) -> None:
    _parses_or_fails_cleanly("".join(pieces))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_random_text_only_raises_manifest_error(text: str) -> None:
    _parses_or_fails_cleanly(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000, id="unclosed-deep-flow"),
        pytest.param("- " * 5_000 + "x", id="deep-block-sequence"),
        pytest.param("a: &a [" + "*a, " * 10 + "]", id="self-alias"),
        pytest.param(_billion_laughs(30), id="huge-aliasing"),
        pytest.param("a: " + "9" * 5000, id="huge-number"),
        pytest.param("a: '\ud800'", id="lone-surrogate"),
    ],
)
def test_hostile_documents_only_raise_manifest_error(text: str) -> None:
    started = time.perf_counter()
    _parses_or_fails_cleanly(text)
    assert time.perf_counter() - started < 2.0


def test_finite_floats_survive_json() -> None:
    (document,) = _load("a: 1.5e300\nb: -0.0\nc: 5e-324\n")
    assert document == {"a": 1.5e300, "b": 0, "c": 5e-324}
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in document.values())
