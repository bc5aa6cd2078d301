"""Label and field selectors: parsing, matching and the apiserver's error messages.

Cases come from apimachinery's `labels/selector_test.go` (TestSelectorParse,
TestSelectorMatches, TestRequirementSelectorMatching, TestSetSelectorParser) and
`fields/selector_test.go` (TestSplitTerms, TestSelectorParse, TestSelectorMatches); messages
are those of `labels/selector.go` and `fields/selector.go`, and ones seen from real apiservers
(`kubectl get pods -l app:monolith`).
"""

from __future__ import annotations

import pytest

from tinykube.api.meta import ObjectMeta, ObjectReference
from tinykube.api.objects import ConfigMap, Event, EventSource, Namespace, NamespaceStatus, Secret
from tinykube.api.pod import Pod, PodSpec
from tinykube.api.status import PodIP, PodStatus
from tinykube.store import contract, selectors

LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
    "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def matches(selector: str, labels: dict[str, str]) -> bool:
    parsed = selectors.parse_label_selector(selector)
    return all(requirement.matches(labels) for requirement in parsed)


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        pytest.param("", {"x": "y"}, True, id="empty"),
        pytest.param("x=y", {"x": "y"}, True, id="equals"),
        pytest.param("x=y,z=w", {"x": "y", "z": "w"}, True, id="and"),
        pytest.param("x!=y,z!=w", {"x": "z", "z": "a"}, True, id="not-equals"),
        pytest.param("notin=in", {"notin": "in"}, True, id="keywords-as-key-and-value"),
        pytest.param("x", {"x": "z"}, True, id="exists"),
        pytest.param("!x", {"y": "z"}, True, id="does-not-exist"),
        pytest.param("x>1", {"x": "2"}, True, id="greater"),
        pytest.param("x<1", {"x": "0"}, True, id="less"),
        pytest.param("x=z", {}, False, id="equals-missing"),
        pytest.param("x=y", {"x": "z"}, False, id="equals-other"),
        pytest.param("x=y,z=w", {"x": "w", "z": "w"}, False, id="and-one-fails"),
        pytest.param("x!=y,z!=w", {"x": "z", "z": "w"}, False, id="not-equals-fails"),
        pytest.param("x", {"y": "z"}, False, id="exists-missing"),
        pytest.param("!x", {"x": "z"}, False, id="does-not-exist-present"),
        pytest.param("x>1", {"x": "0"}, False, id="greater-fails"),
        pytest.param("x<1", {"x": "2"}, False, id="less-fails"),
        pytest.param("z>1", {"z": "v2"}, False, id="greater-not-a-number"),
        pytest.param("x in (foo),y notin (alpha)", {"x": "foo", "y": "baz"}, True, id="in-notin"),
        pytest.param("x in (foo),y in (alpha)", {"x": "foo", "y": "baz"}, False, id="in-fails"),
        pytest.param("x notin (),y", {"y": ""}, True, id="notin-empty-value"),
        pytest.param("x notin (),!y", {"y": ""}, False, id="empty-value-exists"),
        pytest.param("x in ()", {"y": "baz"}, False, id="in-empty-missing"),
        pytest.param("x in ()", {"x": ""}, True, id="in-empty-value"),
        pytest.param("x in (abc,)", {"x": ""}, True, id="trailing-comma-adds-empty"),
        pytest.param("foo  in\t (abc)", {"foo": "abc"}, True, id="whitespace"),
        pytest.param("\rx", {"x": "1"}, True, id="leading-carriage-return"),
        pytest.param("x= ", {"x": ""}, True, id="equals-empty"),
        pytest.param("x=,z= ", {"x": "", "z": ""}, True, id="two-empty"),
        pytest.param(
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            {"this-is-another-dns.domain.com/key-with-dash": "what"},
            True,
            id="prefixed-key",
        ),
        pytest.param(
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            {"0.1.2.domain/99": "tick.tack.clock"},
            False,
            id="notin-spaced-values",
        ),
        pytest.param("x in (in,notin)", {"x": "notin"}, True, id="keywords-as-values"),
    ],
)
def test_label_selector_matching(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert matches(selector, labels) is expected


def test_label_requirements_are_sorted_by_key() -> None:
    assert [r.key for r in selectors.parse_label_selector("x=a,a=x,m")] == ["a", "m", "x"]


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        pytest.param(
            "app:monolith",
            f'unable to parse requirement: <nil>: Invalid value: "app:monolith": {NAME_PART_RULE}',
            id="colon-in-key",
        ),
        pytest.param(
            "app.kubernetes_io/name=vault",
            'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": '
            "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            id="bad-prefix",
        ),
        pytest.param(
            "x=a||y=b",
            f'unable to parse requirement: values[0][x]: Invalid value: "a||y": {LABEL_VALUE_RULE}',
            id="bad-value",
        ),
        pytest.param(
            "x in (-a,-b)",
            "unable to parse requirement: ["
            f'values[0][x]: Invalid value: "-a": {LABEL_VALUE_RULE}, '
            f'values[1][x]: Invalid value: "-b": {LABEL_VALUE_RULE}]',
            id="two-bad-values",
        ),
        pytest.param(
            "x<a",
            'unable to parse requirement: values[0]: Invalid value: "a": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
            id="lt-not-integer",
        ),
        pytest.param(
            "x==a==b", "found '==', expected: ',' or 'end of string'", id="chained-equals"
        ),
        pytest.param("!x=a", "found '=', expected: ',' or 'end of string'", id="not-with-value"),
        pytest.param(
            "component not in (kube-apiserver)",
            "unable to parse requirement: found 'not', expected: in, notin, =, ==, !=, gt, lt",
            id="not-in-spelled-apart",
        ),
        pytest.param("x=a b", "found 'b', expected: ',' or 'end of string'", id="space-in-value"),
        pytest.param(
            ",x", "found ',', expected: !, identifier, or 'end of string'", id="leading-comma"
        ),
        pytest.param("x,", "found '', expected: identifier after ','", id="trailing-comma"),
        pytest.param(
            "x in a", "unable to parse requirement: found 'a' expected: '('", id="in-no-paren"
        ),
        pytest.param(
            "x in (a b)",
            "unable to parse requirement: found 'b', expected: ',' or ')'",
            id="values-without-comma",
        ),
        pytest.param(
            "x in (a",
            "unable to parse requirement: found '', expected: ',' or ')'",
            id="unclosed",
        ),
        pytest.param(
            "x in (=)",
            "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            id="operator-in-values",
        ),
        pytest.param(
            "x=(", "unable to parse requirement: found '(', expected: identifier", id="paren-value"
        ),
        pytest.param("!", "unable to parse requirement: found '', expected: identifier", id="bang"),
    ],
)
def test_label_selector_errors(selector: str, message: str) -> None:
    with pytest.raises(contract.BadRequest) as raised:
        selectors.parse_label_selector(selector)
    assert str(raised.value) == message


# --- field selectors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param("", (), id="empty"),
        pytest.param(
            "metadata.name=a,metadata.namespace!=b",
            (("metadata.name", "a", False), ("metadata.namespace", "b", True)),
            id="two-terms",
        ),
        pytest.param("metadata.name==a", (("metadata.name", "a", False),), id="double-equals"),
        pytest.param("metadata.name=", (("metadata.name", "", False),), id="empty-value"),
        pytest.param("metadata.name=a,", (("metadata.name", "a", False),), id="trailing-comma"),
        pytest.param(
            r"metadata.name=a\,b,metadata.namespace=c",
            (("metadata.name", "a,b", False), ("metadata.namespace", "c", False)),
            id="escaped-comma",
        ),
        pytest.param(
            r"metadata.name=a||y\=b", (("metadata.name", "a||y=b", False),), id="escaped-equals"
        ),
        pytest.param(
            r"metadata.name=\=value\\\,\\",
            (("metadata.name", "=value\\,\\", False),),
            id="escaped-backslashes",
        ),
        pytest.param("spec.host=n1", (("spec.nodeName", "n1", False),), id="spec-host-renamed"),
    ],
)
def test_field_selector_parsing(selector: str, expected: tuple[tuple[str, str, bool], ...]) -> None:
    terms = selectors.parse_field_selector(selector, "Pod")
    assert tuple((term.field, term.value, term.negated) for term in terms) == expected


@pytest.mark.parametrize(
    ("selector", "kind", "message"),
    [
        pytest.param(
            "metadata.name=a,b",
            "Pod",
            "invalid selector: 'metadata.name=a,b'; can't understand 'b'",
            id="term-without-operator",
        ),
        pytest.param(
            "metadata.name==a==b",
            "Pod",
            "invalid field selector: unescaped character in value: 61",
            id="unescaped-equals",
        ),
        pytest.param(
            r"metadata.name=a\b",
            "Pod",
            r"invalid field selector: invalid escape sequence: \b",
            id="unknown-escape",
        ),
        pytest.param(
            "metadata.name=a\\",
            "Pod",
            "invalid field selector: invalid escape sequence: \\",
            id="orphan-backslash",
        ),
        pytest.param(
            "spec.containers=x", "Pod", "field label not supported: spec.containers", id="pod"
        ),
        pytest.param("message=x", "Event", "field label not supported: message", id="event"),
        pytest.param("data=x", "Secret", "field label not supported: data", id="secret"),
        pytest.param(
            "metadata.namespace=x",
            "Namespace",
            "field label not supported: metadata.namespace",
            id="namespace",
        ),
        pytest.param(
            "data=x",
            "ConfigMap",
            '"data" is not a known field selector: only "metadata.name", "metadata.namespace"',
            id="configmap-default-conversion",
        ),
    ],
)
def test_field_selector_errors(selector: str, kind: str, message: str) -> None:
    with pytest.raises(contract.BadRequest) as raised:
        selectors.parse_field_selector(selector, kind)
    assert str(raised.value) == message


# --- attributes ------------------------------------------------------------------------------


def test_pod_attributes_are_its_selectable_fields() -> None:
    pod = Pod(
        metadata=ObjectMeta(name="web", namespace="default", labels={"app": "web"}),
        spec=PodSpec(
            node_name="node1",
            restart_policy="Always",
            scheduler_name="default-scheduler",
            service_account_name="default",
            host_network=True,
        ),
        status=PodStatus(
            phase="Running",
            pod_ips=(PodIP(ip="10.0.0.7"), PodIP(ip="fd00::7")),
            nominated_node_name="node2",
        ),
    )
    attributes = selectors.attributes_of(pod)
    assert attributes.labels == {"app": "web"}
    assert attributes.fields == {
        "metadata.name": "web",
        "metadata.namespace": "default",
        "spec.nodeName": "node1",
        "spec.restartPolicy": "Always",
        "spec.schedulerName": "default-scheduler",
        "spec.serviceAccountName": "default",
        "spec.hostNetwork": "true",
        "status.phase": "Running",
        "status.podIP": "10.0.0.7",
        "status.nominatedNodeName": "node2",
    }


@pytest.mark.parametrize(
    ("source", "reporting", "expected"),
    [
        pytest.param("kubelet", "", "kubelet", id="source-component"),
        pytest.param("", "kubelet", "kubelet", id="falls-back-to-reporting-component"),
    ],
)
def test_event_source_field(source: str, reporting: str, expected: str) -> None:
    event = Event(
        metadata=ObjectMeta(name="e", namespace="default"),
        involved_object=ObjectReference(kind="Pod", name="web", uid="u1", field_path="spec"),
        source=EventSource(component=source),
        reporting_component=reporting,
    )
    fields = selectors.attributes_of(event).fields
    assert fields["source"] == expected
    assert (fields["involvedObject.uid"], fields["involvedObject.fieldPath"]) == ("u1", "spec")


@pytest.mark.parametrize(
    ("obj", "fields"),
    [
        pytest.param(
            Secret(metadata=ObjectMeta(name="s", namespace="n"), type="Opaque"),
            {"metadata.name": "s", "metadata.namespace": "n", "type": "Opaque"},
            id="secret",
        ),
        pytest.param(
            Namespace(metadata=ObjectMeta(name="n"), status=NamespaceStatus(phase="Active")),
            {"metadata.name": "n", "status.phase": "Active"},
            id="namespace",
        ),
        pytest.param(
            ConfigMap(metadata=ObjectMeta(name="c", namespace="n")),
            {"metadata.name": "c", "metadata.namespace": "n"},
            id="configmap",
        ),
    ],
)
def test_other_kinds_attributes(obj: object, fields: dict[str, str]) -> None:
    assert selectors.attributes_of(obj).fields == fields


def test_a_selector_needs_both_parts_to_match() -> None:
    selector = selectors.parse(
        "Pod", label_selector="app=web", field_selector="status.phase=Running"
    )
    running = selectors.Attributes(labels={"app": "web"}, fields={"status.phase": "Running"})
    pending = selectors.Attributes(labels={"app": "web"}, fields={"status.phase": "Pending"})
    assert (selector.matches(running), selector.matches(pending)) == (True, False)
    assert selectors.parse("Pod").empty
