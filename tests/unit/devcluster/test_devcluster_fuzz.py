"""Arbitrary input never escapes the pure modules as anything but their own error types, so
the server can always answer with a Status (400/415/422) instead of a 500."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kes.devcluster import cel, jsonpath, patching, schema, selectors, tables

SETTINGS = settings(max_examples=300, deadline=None)
SELECTOR_TEXT = st.text(alphabet=st.sampled_from(list("ab=!(),<> in\\.-_/x0")), max_size=30)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
              st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["a", "b", "name", "$patch", "spec", "containers", "env",
                                 "$retainKeys", "$setElementOrder/env", "op", "path", "value",
                                 "from", "finalizers", "$deleteFromPrimitiveList/finalizers"]),
                                inner, max_size=4)),
    max_leaves=15,
)


@SETTINGS
@given(text=SELECTOR_TEXT)
def test_label_selector_errors_are_selector_errors(text: str) -> None:
    try:
        parsed = selectors.parse_label_selector(text)
    except selectors.SelectorError:
        return
    selectors.matches_labels(selector=parsed, labels={"a": "b"})


@SETTINGS
@given(text=SELECTOR_TEXT, kind=st.sampled_from([None, "Pod", "Event", "ConfigMap"]))
def test_field_selector_errors_are_selector_errors(text: str, kind: str | None) -> None:
    try:
        parsed = selectors.parse_field_selector(text, kind=kind)
    except selectors.SelectorError:
        return
    selectors.matches_fields(selector=parsed, obj={"metadata": {"name": "a"}})


@SETTINGS
@given(expression=st.text(alphabet=st.sampled_from(list(".[]?()@='\"*-0a{}$ ")), max_size=25))
def test_jsonpath_errors_are_jsonpath_errors(expression: str) -> None:
    with contextlib.suppress(jsonpath.JSONPathError):
        jsonpath.find(obj={"a": [{"b": 1}], "0": "x"}, expression=expression)


@SETTINGS
@given(target=JSON, patch=JSON, content_type=st.sampled_from([
    patching.MERGE_PATCH, patching.JSON_PATCH, patching.STRATEGIC_MERGE_PATCH,
    patching.APPLY_PATCH, "text/plain"]), builtin=st.booleans())
def test_patch_errors_are_patch_errors(target: Any, patch: Any, content_type: str,
                                       builtin: bool) -> None:
    base = target if isinstance(target, dict) else {"a": target}
    try:
        result = patching.apply_patch(base, patch, content_type=content_type, kind="Pod",
                                      builtin=builtin)
    except patching.PatchError as err:
        assert err.code in (400, 413, 415, 422)
        return
    assert isinstance(result, dict)


CRD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"spec": {
        "type": "object", "required": ["a"],
        "x-kubernetes-validations": [{"rule": "self == oldSelf"}, {"rule": "has(self.a)"}],
        "properties": {
            "a": {"type": "integer", "minimum": 0, "default": 1},
            "b": {"type": "string", "enum": ["x", "y"], "pattern": "^[xy]$",
                  "format": "date-time"},
            "name": {"x-kubernetes-int-or-string": True},
            "env": {"type": "array", "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "containers": {"type": "object", "additionalProperties": {"type": "boolean"}},
        },
    }},
}


@SETTINGS
@given(spec=JSON, old_spec=JSON)
def test_schema_admission_never_raises(spec: Any, old_spec: Any) -> None:
    obj = {"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"}, "spec": spec}
    old = {"apiVersion": "x/v1", "kind": "X", "metadata": {"name": "x"}, "spec": old_spec}
    admitted, causes = schema.admit(obj, schema=CRD_SCHEMA, old=old)
    assert admitted["metadata"] == {"name": "x"}
    for cause in causes:
        assert set(cause) == {"reason", "message", "field"}
    schema.unknown_fields(obj, CRD_SCHEMA)


@SETTINGS
@given(rule=st.text(alphabet=st.sampled_from(list("self.ab=!|&()<>'\"0 hasize,")), max_size=30))
def test_cel_errors_are_unsupported_rule_errors(rule: str) -> None:
    with contextlib.suppress(cel.UnsupportedRuleError):
        cel.holds(rule, self_value={"a": 1}, old_value={"a": 2})


@SETTINGS
@given(obj=JSON, kind=st.sampled_from(["Pod", "Deployment", "Event", "Job", "Node",
                                       "Service", "PersistentVolumeClaim", "Widget"]))
def test_tables_never_raise_on_odd_objects(obj: Any, kind: str) -> None:
    base = obj if isinstance(obj, dict) else {}
    columns = [{"name": "A", "type": "integer", "jsonPath": ".spec.a"}] if kind == "Widget" \
        else None
    result = tables.table([base], kind=kind, resource_version="1", printer_columns=columns)
    [row] = result["rows"]
    assert len(row["cells"]) == len(result["columnDefinitions"])
