"""Which validating webhooks a request goes to, and the AdmissionReview v1 each is sent.

Pure computation on dicts, following Kubernetes' `admissionregistration.k8s.io/v1` rules: a
webhook is called when one of its `rules` matches the request's group, version, resource (with
`*`, `<resource>/*`, `*/<subresource>` and `*/*`), operation and scope, and the object's labels
and its namespace's labels satisfy `objectSelector` and `namespaceSelector`. `matchPolicy` is
taken as `Exact` (the stand-in serves one version per group) and `matchConditions` (CEL) are not
evaluated: a webhook that has them is called for every request its rules match.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from typing import Any

from kes.devcluster import selectors

SUPPORTED_REVIEW_VERSIONS = ("v1", "v1beta1")
DEFAULT_TIMEOUT_S = 10


@dataclasses.dataclass(frozen=True)
class Attributes:
    """What the API server knows about one write when it asks its webhooks."""

    group: str
    version: str
    resource: str
    subresource: str
    kind: str
    namespaced: bool
    operation: str  # CREATE or UPDATE
    namespace: str | None
    name: str
    obj: Mapping[str, Any]
    old: Mapping[str, Any] | None
    dry_run: bool


def _matches_list(values: Any, wanted: str) -> bool:
    items = list(values or [])
    return "*" in items or wanted in items


def _matches_resource(patterns: Any, *, resource: str, subresource: str) -> bool:
    for pattern in patterns or []:
        main, _, sub = str(pattern).partition("/")
        if not sub:
            if not subresource and main in ("*", resource):
                return True
        elif main in ("*", resource) and sub in ("*", subresource) and subresource:
            return True
    return False


def rule_matches(rule: Mapping[str, Any], attrs: Attributes) -> bool:
    scope = rule.get("scope") or "*"
    if scope == "Namespaced" and not attrs.namespaced:
        return False
    if scope == "Cluster" and attrs.namespaced:
        return False
    return (
        _matches_list(rule.get("operations"), attrs.operation)
        and _matches_list(rule.get("apiGroups"), attrs.group)
        and _matches_list(rule.get("apiVersions"), attrs.version)
        and _matches_resource(
            rule.get("resources"), resource=attrs.resource, subresource=attrs.subresource
        )
    )


def webhook_matches(
    webhook: Mapping[str, Any],
    attrs: Attributes,
    *,
    namespace_labels: Mapping[str, str] | None,
) -> bool:
    """`namespace_labels` are the labels of the object's namespace (None: cluster-scoped)."""
    if not any(rule_matches(rule, attrs) for rule in webhook.get("rules") or []):
        return False
    object_selector = selectors.label_selector_from_dict(webhook.get("objectSelector"))
    labels_of = [attrs.obj, *([attrs.old] if attrs.old else [])]
    if object_selector and not any(
        selectors.matches_labels(
            selector=object_selector, labels=(o.get("metadata") or {}).get("labels") or {}
        )
        for o in labels_of
    ):
        return False
    namespace_selector = selectors.label_selector_from_dict(webhook.get("namespaceSelector"))
    return not (
        namespace_selector
        and namespace_labels is not None
        and not selectors.matches_labels(selector=namespace_selector, labels=namespace_labels)
    )


def review_version(webhook: Mapping[str, Any]) -> str | None:
    """The first AdmissionReview version the webhook accepts that the stand-in can send."""
    for version in webhook.get("admissionReviewVersions") or []:
        if version in SUPPORTED_REVIEW_VERSIONS:
            return str(version)
    return None


def review(attrs: Attributes, *, version: str, user: str) -> dict[str, Any]:
    """The AdmissionReview request of `attrs`, as kube-apiserver builds it."""
    gvk = {"group": attrs.group, "version": attrs.version, "kind": attrs.kind}
    gvr = {"group": attrs.group, "version": attrs.version, "resource": attrs.resource}
    request: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "kind": gvk,
        "resource": gvr,
        "requestKind": gvk,
        "requestResource": gvr,
        "name": attrs.name,
        "operation": attrs.operation,
        "userInfo": {"username": user, "groups": ["system:masters", "system:authenticated"]},
        "object": attrs.obj,
        "oldObject": attrs.old,
        "dryRun": attrs.dry_run,
        "options": {
            "apiVersion": "meta.k8s.io/v1",
            "kind": "CreateOptions" if attrs.operation == "CREATE" else "UpdateOptions",
        },
    }
    if attrs.subresource:
        request["subResource"] = attrs.subresource
        request["requestSubResource"] = attrs.subresource
    if attrs.namespace:
        request["namespace"] = attrs.namespace
    return {"apiVersion": f"admission.k8s.io/{version}", "kind": "AdmissionReview",
            "request": request}


class InvalidResponseError(Exception):
    """The webhook's answer is not a valid AdmissionReview for the request sent."""


def verdict(sent: Mapping[str, Any], answer: Any) -> tuple[bool, dict[str, Any], list[str]]:
    """(allowed, status, warnings) of a webhook's answer, checked as kube-apiserver checks it."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("response"), Mapping):
        raise InvalidResponseError("webhook response was absent")
    if answer.get("apiVersion") != sent["apiVersion"] or answer.get("kind") != "AdmissionReview":
        raise InvalidResponseError(
            f"expected webhook response of {sent['apiVersion']}, Kind=AdmissionReview, got "
            f"{answer.get('apiVersion')}, Kind={answer.get('kind')}"
        )
    response = answer["response"]
    uid = sent["request"]["uid"]
    if response.get("uid") != uid:
        raise InvalidResponseError(
            f'expected response.uid="{uid}", got "{response.get("uid", "")}"'
        )
    status = response.get("status")
    warnings = [str(w) for w in response.get("warnings") or []]
    return bool(response.get("allowed")), dict(status) if isinstance(status, Mapping) else {}, (
        warnings
    )


def denial(name: str, status: Mapping[str, Any]) -> tuple[int, str, str]:
    """(code, reason, message) of a refusal, as the API server's `ToStatusErr` words it."""
    code = status.get("code")
    code = code if isinstance(code, int) and code >= 400 else 400
    denied_by = f'admission webhook "{name}" denied the request'
    if status.get("message"):
        message = f"{denied_by}: {status['message']}"
    elif status.get("reason"):
        message = f"{denied_by}: {status['reason']}"
    else:
        message = f"{denied_by} without explanation"
    return code, str(status.get("reason") or ""), message
