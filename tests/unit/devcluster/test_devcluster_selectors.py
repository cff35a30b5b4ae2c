"""Label and field selector parsing and matching, with the apiserver's error wording."""

from __future__ import annotations

from typing import Any

import pytest

from kes.devcluster import selectors

LABELS = {"app": "web", "tier": "front", "version": "3"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", True, id="empty-selects-all"),
        pytest.param("app=web", True, id="equals"),
        pytest.param("app==web", True, id="double-equals"),
        pytest.param("app=db", False, id="equals-miss"),
        pytest.param("app!=db", True, id="not-equals"),
        pytest.param("app!=web", False, id="not-equals-miss"),
        pytest.param("missing!=x", True, id="not-equals-absent-key"),
        pytest.param("app in (web,db)", True, id="in"),
        pytest.param("app in (db)", False, id="in-miss"),
        pytest.param("app notin (db)", True, id="notin"),
        pytest.param("missing notin (db)", True, id="notin-absent-key"),
        pytest.param("app notin (web)", False, id="notin-miss"),
        pytest.param("app", True, id="exists"),
        pytest.param("missing", False, id="exists-miss"),
        pytest.param("!missing", True, id="not-exists"),
        pytest.param("!app", False, id="not-exists-miss"),
        pytest.param("app=web,tier=front", True, id="and"),
        pytest.param("app=web,tier=back", False, id="and-miss"),
        pytest.param("  app = web , tier in ( front ) ", True, id="whitespace"),
        pytest.param("version>2", True, id="greater-than"),
        pytest.param("version<2", False, id="less-than"),
        pytest.param("app!=", True, id="not-equals-empty-value"),
        pytest.param("app=", False, id="equals-empty-value"),
        pytest.param("app in (in,web)", True, id="keyword-as-value"),
    ],
)
def test_label_selector_matches(text: str, expected: bool) -> None:
    selector = selectors.parse_label_selector(text)
    assert selectors.matches_labels(selector=selector, labels=LABELS) is expected


def test_label_selector_parses_into_sorted_requirements() -> None:
    parsed = selectors.parse_label_selector("z=1,a in (y,x),!b")
    assert parsed == (
        selectors.Requirement(key="a", operator="in", values=("x", "y")),
        selectors.Requirement(key="b", operator="!"),
        selectors.Requirement(key="z", operator="=", values=("1",)),
    )


def test_prefixed_key_is_accepted() -> None:
    parsed = selectors.parse_label_selector("app.kubernetes.io/name=kes")
    assert selectors.matches_labels(selector=parsed, labels={"app.kubernetes.io/name": "kes"})


def test_no_labels_at_all() -> None:
    assert selectors.matches_labels(selector=selectors.parse_label_selector("!a"), labels=None)
    assert not selectors.matches_labels(selector=selectors.parse_label_selector("a"), labels=None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("app in web", "unable to parse requirement: found 'web' expected: '('",
                     id="in-without-parens"),
        pytest.param("app=web,", "found '', expected: identifier after ','", id="trailing-comma"),
        pytest.param("app=web tier=x", "found 'tier', expected: ',' or 'end of string'",
                     id="missing-comma"),
        pytest.param("=web", "found '=', expected: !, identifier, or 'end of string'",
                     id="missing-key"),
        pytest.param("app in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'",
                     id="space-in-set"),
        pytest.param("!app=web", "found '=', expected: ',' or 'end of string'",
                     id="negated-with-value"),
        pytest.param("app=a=b", "found '=', expected: ',' or 'end of string'",
                     id="double-operator-value"),
        pytest.param(
            "app=-bad",
            'unable to parse requirement: values[0][app]: Invalid value: "-bad": a valid label'
            " must be an empty string",
            id="bad-value",
        ),
        pytest.param("-bad=x", 'unable to parse requirement: Invalid value: "-bad": name part',
                     id="bad-key"),
        pytest.param("a/=x", "name part must be non-empty", id="empty-name-part"),
        pytest.param("Bad_Prefix/a=x", "prefix part a lowercase RFC 1123 subdomain",
                     id="bad-prefix"),
        pytest.param("version>x", "the value must be an integer", id="gt-not-integer"),
        pytest.param("app=(x)", "expected: identifier", id="paren-as-value"),
        pytest.param("app=!", "found '!', expected: identifier", id="bang-as-value"),
    ],
)
def test_label_selector_errors(text: str, message: str) -> None:
    with pytest.raises(selectors.SelectorError) as info:
        selectors.parse_label_selector(text)
    assert message in str(info.value)


def test_unknown_operator_symbol() -> None:
    with pytest.raises(selectors.SelectorError, match="expected: in, notin, =, ==, !=, gt, lt"):
        selectors.parse_label_selector("app (x)")


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        pytest.param({"matchLabels": {"app": "web"}}, {"app": "web"}, True, id="match-labels"),
        pytest.param({"matchLabels": {"app": "web"}}, {"app": "db"}, False, id="labels-miss"),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]},
            {"tier": "b"}, True, id="expression-in",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
            {"tier": "b"}, False, id="expression-does-not-exist",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
            {"tier": ""}, True, id="expression-exists",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]},
            {}, True, id="expression-notin-absent",
        ),
        pytest.param({}, {"x": "y"}, True, id="empty-selector"),
        pytest.param(None, {}, True, id="no-selector"),
    ],
)
def test_label_selector_from_dict(
    selector: dict[str, Any] | None, labels: dict[str, str], expected: bool
) -> None:
    parsed = selectors.label_selector_from_dict(selector)
    assert selectors.matches_labels(selector=parsed, labels=labels) is expected


def test_label_selector_from_dict_bad_operator() -> None:
    with pytest.raises(selectors.SelectorError, match='"Near" is not a valid'):
        selectors.label_selector_from_dict(
            {"matchExpressions": [{"key": "a", "operator": "Near"}]}
        )


POD = {
    "kind": "Pod",
    "metadata": {"name": "web-0", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"nodeName": "local", "hostNetwork": False},
    "status": {"phase": "Running"},
}
EVENT = {
    "kind": "Event",
    "metadata": {"name": "web-0.1", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": "default", "uid": "u1"},
    "reason": "Started",
    "type": "Normal",
    "source": {"component": "kubelet"},
}


@pytest.mark.parametrize(
    ("obj", "kind", "text", "expected"),
    [
        pytest.param(POD, "Pod", "metadata.name=web-0", True, id="name"),
        pytest.param(POD, "Pod", "metadata.name==web-0", True, id="name-double-equals"),
        pytest.param(POD, "Pod", "metadata.name=web-1", False, id="name-miss"),
        pytest.param(POD, "Pod", "metadata.namespace=default", True, id="namespace"),
        pytest.param(POD, "Pod", "status.phase!=Running", False, id="phase-not-equal"),
        pytest.param(POD, "Pod", "status.phase=Running,spec.nodeName=local", True, id="and"),
        pytest.param(POD, "Pod", "spec.hostNetwork=false", True, id="bool-rendered"),
        pytest.param(POD, "Pod", "status.podIP=", True, id="absent-is-empty"),
        pytest.param(EVENT, "Event",
                     "involvedObject.name=web-0,involvedObject.namespace=default,"
                     "involvedObject.uid=u1", True, id="describe-events"),
        pytest.param(EVENT, "Event", "involvedObject.kind=ConfigMap", False, id="event-kind"),
        pytest.param(EVENT, "Event", "type=Normal,reason=Started", True, id="event-type-reason"),
        pytest.param(EVENT, "Event", "source=kubelet", True, id="event-source"),
        pytest.param(POD, None, "anything=web-0", False, id="unchecked-kind"),
        pytest.param({"metadata": {"name": "a,b"}}, "ConfigMap", r"metadata.name=a\,b", True,
                     id="escaped-comma"),
    ],
)
def test_field_selector_matches(
    obj: dict[str, Any], kind: str | None, text: str, expected: bool
) -> None:
    selector = selectors.parse_field_selector(text, kind=kind)
    assert selectors.matches_fields(selector=selector, obj=obj) is expected


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        pytest.param("ConfigMap", "status.phase=Running",
                     '"status.phase" is not a known field selector: only "metadata.name", '
                     '"metadata.namespace"', id="unsupported-for-a-metadata-only-kind"),
        pytest.param("Service", "status.phase=Running", "field label not supported: status.phase",
                     id="unsupported-for-a-kind-with-fields"),
        pytest.param("Job", "status.phase=Running",
                     'field label "status.phase" not supported for Job', id="job"),
        pytest.param("Pod", "metadata.labels=x", "field label not supported: metadata.labels",
                     id="labels-not-a-field"),
        pytest.param("Pod", "metadata.name", "invalid selector: 'metadata.name'; can't understand"
                     " 'metadata.name'", id="no-operator"),
        pytest.param("Pod", r"metadata.name=a\x", "invalid escape sequence", id="bad-escape"),
    ],
)
def test_field_selector_errors(kind: str, text: str, message: str) -> None:
    with pytest.raises(selectors.SelectorError) as info:
        selectors.parse_field_selector(text, kind=kind)
    assert message in str(info.value)


def test_matches_combines_both() -> None:
    labels = selectors.parse_label_selector("app=web")
    fields = selectors.parse_field_selector("status.phase=Running", kind="Pod")
    assert selectors.matches(POD, label_selector=labels, field_selector=fields)
    other = selectors.parse_field_selector("status.phase=Pending", kind="Pod")
    assert not selectors.matches(POD, label_selector=labels, field_selector=other)


def test_crd_selectable_fields_extend_the_supported_set() -> None:
    widget = {"metadata": {"name": "w"}, "spec": {"color": "red"}}
    parsed = selectors.parse_field_selector("spec.color=red", kind="Widget",
                                            extra_fields=["spec.color"])
    assert selectors.matches_fields(selector=parsed, obj=widget)
    with pytest.raises(selectors.SelectorError, match=r"field label not supported: spec\.color"):
        selectors.parse_field_selector("spec.color=red", kind="Widget")
