"""Label and field selectors, parsed and matched the way the apiserver does.

Lists, watches and deletecollection filter with these; controllers turn a workload's
``spec.selector`` (matchLabels/matchExpressions) into the same requirements. Parse errors follow
k8s.io/apimachinery's wording so a client sees what a real cluster would say (HTTP 400).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from kes.devcluster import label_parsing

# Re-exported so callers need only this module.
SelectorError = label_parsing.SelectorError
Requirement = label_parsing.Requirement


@dataclasses.dataclass(frozen=True)
class FieldRequirement:
    """One field requirement: operator is = (also ==) or !=."""

    field: str
    operator: str
    value: str


LabelSelector = tuple[Requirement, ...]
FieldSelector = tuple[FieldRequirement, ...]


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse ``labelSelector`` query text; empty/None selects everything."""
    if not text:
        return ()
    requirements = label_parsing.parse(text)
    return tuple(sorted(requirements, key=lambda r: r.key))


_EXPRESSION_OPERATORS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}


def label_selector_from_dict(selector: Mapping[str, Any] | None) -> LabelSelector:
    """Convert a metav1.LabelSelector dict (matchLabels, matchExpressions) to requirements."""
    if not selector:
        return ()
    requirements: list[Requirement] = []
    for key, value in sorted((selector.get("matchLabels") or {}).items()):
        requirements.append(Requirement(key=key, operator="=", values=(str(value),)))
    for expression in selector.get("matchExpressions") or []:
        operator = str(expression.get("operator", ""))
        if operator not in _EXPRESSION_OPERATORS:
            raise SelectorError(f'"{operator}" is not a valid label selector operator')
        values = tuple(str(v) for v in expression.get("values") or [])
        requirements.append(
            Requirement(key=str(expression.get("key", "")),
                        operator=_EXPRESSION_OPERATORS[operator], values=values)
        )
    return tuple(requirements)


def _requirement_matches(requirement: Requirement, labels: Mapping[str, str]) -> bool:
    present = requirement.key in labels
    value = labels.get(requirement.key)
    operator = requirement.operator
    if operator in ("=", "==", "in"):
        return present and value in requirement.values
    if operator in ("!=", "notin"):
        return not present or value not in requirement.values
    if operator == "exists":
        return present
    if operator == "!":
        return not present
    if operator in (">", "<") and present and value is not None:
        try:
            number, bound = int(value), int(requirement.values[0])
        except ValueError:
            return False
        return number > bound if operator == ">" else number < bound
    return False


def matches_labels(*, selector: LabelSelector, labels: Mapping[str, str] | None) -> bool:
    """True when every requirement holds for ``labels`` (an empty selector matches all)."""
    actual = labels or {}
    return all(_requirement_matches(r, actual) for r in selector)


# --- field selectors ------------------------------------------------------------------------

_COMMON_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
# Kinds with selectable fields of their own (kube-apiserver 1.37's field label conversions); they
# refuse another field with "field label not supported: <field>", as custom resources do.
_FIELDS_BY_KIND: dict[str, frozenset[str]] = {
    "Pod": frozenset({
        "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
        "status.nominatedNodeName",
    }),
    "Event": frozenset({
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
        # events.k8s.io/v1 spells the involved object "regarding".
        "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
        "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
        "reportingController",
    }),
    "Secret": frozenset({"type"}),
    "Namespace": frozenset({"status.phase"}),
    "Service": frozenset({"spec.clusterIP", "spec.type"}),
    "Node": frozenset({"spec.unschedulable"}),
    "Job": frozenset({"status.successful"}),
}
# Built-in kinds that select on metadata only: the API server's generic conversion refuses any
# other field with this other wording.
_METADATA_ONLY_KINDS = frozenset({
    "ConfigMap", "ServiceAccount", "PersistentVolumeClaim", "PersistentVolume", "Endpoints",
    "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Lease", "CustomResourceDefinition",
    "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "StorageClass",
})


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current = ""
    escaped = False
    for char in text:
        if escaped:
            current += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    if escaped:
        current += "\\"
    parts.append(current)
    return parts


def _unescape(value: str) -> str:
    out = ""
    escaped = False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise SelectorError(f"invalid escape sequence: \\{char}")
            out += char
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out += char
    if escaped:
        raise SelectorError("unterminated escape sequence")
    return out


def parse_field_selector(
    text: str | None, *, kind: str | None = None, extra_fields: Collection[str] = ()
) -> FieldSelector:
    """Parse ``fieldSelector`` text; with ``kind`` ("Pod", "Event", ...) reject unsupported
    fields with ``field label not supported: <field>``. ``extra_fields`` adds a CRD version's
    ``selectableFields`` (their jsonPath without the leading dot, e.g. ``spec.color``)."""
    if not text:
        return ()
    requirements: list[FieldRequirement] = []
    for term in _split_unescaped(text, ","):
        if not term:
            continue
        for operator in ("!=", "==", "="):
            index = _find_unescaped(term, operator)
            if index >= 0:
                field = term[:index].strip()
                value = _unescape(term[index + len(operator):])
                requirements.append(FieldRequirement(
                    field=field, operator="!=" if operator == "!=" else "=", value=value,
                ))
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
    if kind is not None:
        allowed = _COMMON_FIELDS | _FIELDS_BY_KIND.get(kind, frozenset()) | set(extra_fields)
        for requirement in requirements:
            if requirement.field in allowed:
                continue
            if kind in _METADATA_ONLY_KINDS:
                raise SelectorError(f'"{requirement.field}" is not a known field selector: only '
                                    '"metadata.name", "metadata.namespace"')
            if kind == "Job":
                raise SelectorError(f'field label "{requirement.field}" not supported for Job')
            raise SelectorError(f"field label not supported: {requirement.field}")
    return tuple(requirements)


def _find_unescaped(term: str, operator: str) -> int:
    index = 0
    while index < len(term):
        if term[index] == "\\":
            index += 2
            continue
        if term.startswith(operator, index):
            return index
        index += 1
    return -1


def field_value(*, obj: Mapping[str, Any], field: str) -> str:
    """The string a field selector compares against ("" when absent), as the apiserver's
    per-kind field sets render it (booleans as "true"/"false")."""
    if field == "source" and obj.get("kind") == "Event":
        return str((obj.get("source") or {}).get("component", ""))
    current: Any = obj
    for part in field.split("."):
        if not isinstance(current, Mapping):
            return ""
        current = current.get(part)
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def matches_fields(*, selector: FieldSelector, obj: Mapping[str, Any]) -> bool:
    """True when every field requirement holds for ``obj``."""
    for requirement in selector:
        equal = field_value(obj=obj, field=requirement.field) == requirement.value
        if equal != (requirement.operator == "="):
            return False
    return True


def matches(
    obj: Mapping[str, Any],
    *,
    label_selector: LabelSelector = (),
    field_selector: FieldSelector = (),
) -> bool:
    """True when ``obj`` satisfies both selectors."""
    metadata = obj.get("metadata") or {}
    return matches_labels(selector=label_selector, labels=metadata.get("labels")) and (
        matches_fields(selector=field_selector, obj=obj))
