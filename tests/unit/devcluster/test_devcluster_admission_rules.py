"""Which webhooks the stand-in calls, the review it sends, and how it words a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from kes.devcluster import admission_rules


def _attrs(**changes: Any) -> admission_rules.Attributes:
    values: dict[str, Any] = {
        "group": "cr.kanister.io", "version": "v1alpha1", "resource": "blueprints",
        "subresource": "", "kind": "Blueprint", "namespaced": True, "operation": "CREATE",
        "namespace": "apps", "name": "bp", "obj": {"metadata": {"labels": {"team": "a"}}},
        "old": None, "dry_run": False,
    }
    values.update(changes)
    return admission_rules.Attributes(**values)


RULE = {"apiGroups": ["cr.kanister.io"], "apiVersions": ["v1alpha1"],
        "operations": ["CREATE", "UPDATE"], "resources": ["blueprints"], "scope": "Namespaced"}


@pytest.mark.parametrize(("rule", "attrs", "expected"), [
    pytest.param(RULE, _attrs(), True, id="exact"),
    pytest.param(RULE, _attrs(operation="DELETE"), False, id="other-operation"),
    pytest.param(RULE, _attrs(resource="actionsets"), False, id="other-resource"),
    pytest.param(RULE, _attrs(subresource="status"), False, id="subresource-not-main"),
    pytest.param({**RULE, "resources": ["blueprints/*"]}, _attrs(subresource="status"), True,
                 id="all-subresources"),
    pytest.param({**RULE, "resources": ["*"]}, _attrs(subresource="status"), False,
                 id="star-is-no-subresource"),
    pytest.param({**RULE, "resources": ["*/*"]}, _attrs(subresource="status"), True,
                 id="star-star"),
    pytest.param({**RULE, "scope": "Cluster"}, _attrs(), False, id="scope"),
    pytest.param({**RULE, "apiGroups": ["*"], "apiVersions": ["*"]}, _attrs(), True,
                 id="wildcards"),
])
def test_rule_matching(rule: dict[str, Any], attrs: admission_rules.Attributes,
                       expected: bool) -> None:
    assert admission_rules.rule_matches(rule, attrs) is expected


def test_selectors_narrow_the_webhook() -> None:
    hook = {"rules": [RULE], "objectSelector": {"matchLabels": {"team": "a"}},
            "namespaceSelector": {"matchExpressions": [
                {"key": "env", "operator": "NotIn", "values": ["dev"]}]}}
    assert admission_rules.webhook_matches(hook, _attrs(), namespace_labels={})
    assert not admission_rules.webhook_matches(hook, _attrs(), namespace_labels={"env": "dev"})
    other = _attrs(obj={"metadata": {"labels": {"team": "b"}}})
    assert not admission_rules.webhook_matches(hook, other, namespace_labels={})


def test_review_and_verdict_round_trip() -> None:
    sent = admission_rules.review(_attrs(), version="v1", user="admin")
    assert sent["apiVersion"] == "admission.k8s.io/v1"
    request = sent["request"]
    assert request["kind"] == {"group": "cr.kanister.io", "version": "v1alpha1",
                               "kind": "Blueprint"}
    assert request["resource"]["resource"] == "blueprints"
    assert request["operation"] == "CREATE" and request["namespace"] == "apps"
    answer = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
              "response": {"uid": request["uid"], "allowed": False,
                           "status": {"code": 403, "reason": "Forbidden", "message": "no"}}}
    allowed, status, _ = admission_rules.verdict(sent, answer)
    assert not allowed
    assert admission_rules.denial("hook.example.com", status) == (
        403, "Forbidden", 'admission webhook "hook.example.com" denied the request: no')
    with pytest.raises(admission_rules.InvalidResponseError, match=r"expected response\.uid"):
        admission_rules.verdict(sent, {**answer, "response": {"uid": "other"}})


def test_a_refusal_without_words() -> None:
    assert admission_rules.denial("h", {"code": 200}) == (
        400, "", 'admission webhook "h" denied the request without explanation')


def test_review_version_is_the_first_the_stand_in_can_send() -> None:
    assert admission_rules.review_version({"admissionReviewVersions": ["v2", "v1beta1"]}) == (
        "v1beta1")
    assert admission_rules.review_version({"admissionReviewVersions": ["v2"]}) is None
