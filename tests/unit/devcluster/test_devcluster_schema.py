"""CRD schema pruning, defaulting and validation with the apiserver's cause wording."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kes.devcluster import schema

WIDGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["size"],
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "ratio": {"type": "number"},
                "enabled": {"type": "boolean", "default": True},
                "port": {"x-kubernetes-int-or-string": True},
                "name": {"type": "string", "minLength": 2, "maxLength": 5,
                         "pattern": "^[a-z]+$"},
                "when": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                "items": {
                    "type": "array",
                    "items": {"type": "object", "required": ["id"],
                              "properties": {"id": {"type": "integer"},
                                             "mode": {"type": "string", "default": "auto"}}},
                },
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                         "properties": {"known": {"type": "integer"}}},
                "note": {"type": "string", "nullable": True},
            },
        },
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
    },
}


def _widget(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default"}, "spec": spec}


def test_valid_object_gets_defaults_and_keeps_root() -> None:
    obj = _widget(size=3, items=[{"id": 1}])
    admitted, causes = schema.admit(obj, schema=WIDGET_SCHEMA)
    assert causes == []
    assert admitted["spec"] == {"size": 3, "color": "red", "enabled": True,
                                "items": [{"id": 1, "mode": "auto"}]}
    assert admitted["metadata"] == obj["metadata"]
    assert admitted["apiVersion"] == "example.com/v1"
    assert obj["spec"] == {"size": 3, "items": [{"id": 1}]}  # input untouched


def test_unknown_fields_are_pruned_except_where_preserved() -> None:
    obj = _widget(size=3, bogus=1, free={"known": 1, "anything": {"deep": True}},
                  labels={"a": "b"})
    obj["extra"] = "root-level"
    admitted, causes = schema.admit(obj, schema=WIDGET_SCHEMA)
    assert causes == []
    assert "bogus" not in admitted["spec"]
    assert "extra" not in admitted
    assert admitted["spec"]["free"] == {"known": 1, "anything": {"deep": True}}
    assert admitted["spec"]["labels"] == {"a": "b"}


def test_null_is_pruned_unless_nullable_and_defaulted_when_default() -> None:
    admitted, causes = schema.admit(_widget(size=3, ratio=None, note=None, color=None),
                                    schema=WIDGET_SCHEMA)
    assert causes == []
    assert "ratio" not in admitted["spec"]
    assert admitted["spec"]["note"] is None
    assert admitted["spec"]["color"] == "red"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({}, {"reason": "FieldValueRequired", "message": "Required value",
                          "field": "spec.size"}, id="required"),
        pytest.param({"size": "big"}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "string": spec.size in body must be of type integer:'
                       ' "string"',
            "field": "spec.size"}, id="type-string-for-integer"),
        pytest.param({"size": 1.5}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "number": spec.size in body must be of type integer:'
                       ' "number"',
            "field": "spec.size"}, id="type-float-for-integer"),
        pytest.param({"size": 3, "color": "pink"}, {
            "reason": "FieldValueNotSupported",
            "message": 'Unsupported value: "pink": supported values: "red", "blue"',
            "field": "spec.color"}, id="enum"),
        pytest.param({"size": 11}, {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: 11: spec.size in body should be less than or equal to 10",
            "field": "spec.size"}, id="maximum"),
        pytest.param({"size": 0}, {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: 0: spec.size in body should be greater than or equal"
                       " to 1",
            "field": "spec.size"}, id="minimum"),
        pytest.param({"size": 2, "enabled": "yes"}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "string": spec.enabled in body must be of type boolean:'
                       ' "string"',
            "field": "spec.enabled"}, id="boolean"),
        pytest.param({"size": 2, "port": True}, {
            "reason": "FieldValueTypeInvalid",
            "message": "Invalid value: \"boolean\": spec.port in body must be of type"
                       ' integer,string: "boolean"',
            "field": "spec.port"}, id="int-or-string"),
        pytest.param({"size": 2, "name": "a"}, {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "a": spec.name in body should be at least 2 chars long',
            "field": "spec.name"}, id="min-length"),
        pytest.param({"size": 2, "name": "ab1"}, {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: \"ab1\": spec.name in body should match '^[a-z]+$'",
            "field": "spec.name"}, id="pattern"),
        pytest.param({"size": 2, "when": "yesterday"}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "yesterday": spec.when in body must be of type'
                       ' date-time: "yesterday"',
            "field": "spec.when"}, id="format-date-time"),
        pytest.param({"size": 2, "tags": ["a", "b", "c", "d"]}, {
            "reason": "FieldValueTooMany",
            "message": "Too many: 4: must have at most 3 items",
            "field": "spec.tags"}, id="max-items"),
        pytest.param({"size": 2, "tags": ["a", 1]}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "integer": spec.tags[1] in body must be of type string:'
                       ' "integer"',
            "field": "spec.tags[1]"}, id="array-item-type"),
        pytest.param({"size": 2, "items": [{"mode": "x"}]}, {
            "reason": "FieldValueRequired", "message": "Required value",
            "field": "spec.items[0].id"}, id="required-in-array-item"),
        pytest.param({"size": 2, "labels": {"a": 1}}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "integer": spec.labels.a in body must be of type string:'
                       ' "integer"',
            "field": "spec.labels.a"}, id="additional-properties"),
        pytest.param({"size": 2, "free": {"known": "x"}}, {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "string": spec.free.known in body must be of type integer:'
                       ' "string"',
            "field": "spec.free.known"}, id="known-field-inside-preserved"),
    ],
)
def test_single_violation(spec: dict[str, Any], expected: dict[str, str]) -> None:
    _, causes = schema.admit(_widget(**spec), schema=WIDGET_SCHEMA)
    assert causes == [expected]


def test_spec_of_wrong_type() -> None:
    obj = _widget()
    obj["spec"] = ["not", "an", "object"]
    _, causes = schema.admit(obj, schema=WIDGET_SCHEMA)
    assert causes == [{"reason": "FieldValueTypeInvalid", "field": "spec",
                       "message": 'Invalid value: "array": spec in body must be of type'
                                  ' object: "array"'}]


def test_several_violations_are_all_reported() -> None:
    _, causes = schema.admit(_widget(color="green", ratio="x"), schema=WIDGET_SCHEMA)
    assert {c["field"] for c in causes} == {"spec.size", "spec.color", "spec.ratio"}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        pytest.param(1, True, id="integer-is-a-number"),
        pytest.param(1.25, True, id="float"),
        pytest.param(True, False, id="bool-is-not-a-number"),
        pytest.param("1", False, id="string"),
    ],
)
def test_number_type(value: Any, ok: bool) -> None:
    causes = schema.validate(obj={"n": value}, schema={"type": "object",
                                            "properties": {"n": {"type": "number"}}})
    assert (causes == []) is ok


def test_integral_float_counts_as_integer() -> None:
    assert schema.validate(obj=3.0, schema={"type": "integer"}) == []


def test_no_schema_admits_everything() -> None:
    obj = _widget(anything={"goes": 1})
    admitted, causes = schema.admit(obj, schema=None)
    assert (admitted, causes) == (obj, [])


def test_prune_does_not_mutate() -> None:
    obj = _widget(size=1, bogus=2)
    before = copy.deepcopy(obj)
    schema.prune(obj=obj, schema=WIDGET_SCHEMA)
    assert obj == before


def test_crd_version_schema() -> None:
    crd = {"spec": {"versions": [
        {"name": "v1alpha1", "served": True},
        {"name": "v1", "served": True, "schema": {"openAPIV3Schema": WIDGET_SCHEMA}},
    ]}}
    assert schema.crd_version_schema(crd, version="v1") is WIDGET_SCHEMA
    assert schema.crd_version_schema(crd, version="v1alpha1") is None
    assert schema.crd_version_schema(crd, version="v2") is None


@pytest.mark.parametrize(
    ("causes", "expected"),
    [
        pytest.param(
            [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.size"}],
            'Widget.example.com "w1" is invalid: spec.size: Required value', id="one",
        ),
        pytest.param(
            [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.a"},
             {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.b"}],
            'Widget.example.com "w1" is invalid: [spec.a: Required value, spec.b: Required'
            ' value]', id="several",
        ),
    ],
)
def test_invalid_message(causes: list[dict[str, str]], expected: str) -> None:
    assert schema.invalid_message(kind="Widget", group="example.com", name="w1",
                                  causes=causes) == expected


def test_invalid_message_for_core_kind() -> None:
    message = schema.invalid_message(
        kind="ConfigMap", group="", name="c",
        causes=[{"reason": "FieldValueInvalid", "message": "Invalid value: 1: x", "field": ""}])
    assert message == 'ConfigMap "c" is invalid: Invalid value: 1: x'


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(_widget(size=1), [], id="none"),
        pytest.param(_widget(size=1, bogus=2), ["spec.bogus"], id="in-spec"),
        pytest.param({**_widget(size=1), "extra": 1}, ["extra"], id="at-root"),
        pytest.param(_widget(size=1, items=[{"id": 1}, {"id": 2, "typo": 1}]),
                     ["spec.items[1].typo"], id="in-array-item"),
        pytest.param(_widget(size=1, free={"anything": 1}, labels={"any": "x"}), [],
                     id="preserved-and-maps"),
        pytest.param({**_widget(size=1), "metadata": {"name": "w", "odd": 1}}, [],
                     id="metadata-is-not-checked-here"),
    ],
)
def test_unknown_fields(obj: dict[str, Any], expected: list[str]) -> None:
    assert schema.unknown_fields(obj, WIDGET_SCHEMA) == expected


def test_strict_decoding_message() -> None:
    assert schema.strict_decoding_message(kind="Widget", version="v1",
                                          fields=["spec.a", "spec.b"]) == (
        'Widget in version "v1" cannot be handled as a Widget: strict decoding error: '
        'unknown field "spec.a", unknown field "spec.b"')


@pytest.mark.parametrize(
    ("list_schema", "value", "expected"),
    [
        pytest.param({"x-kubernetes-list-type": "set", "items": {"type": "string"}},
                     ["a", "b", "a"], [("spec.l[2]", 'Duplicate value: "a"')], id="set"),
        pytest.param({"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object",
                                "properties": {"name": {"type": "string"},
                                               "port": {"type": "integer"}}}},
                     [{"name": "http", "port": 80}, {"name": "http", "port": 81}],
                     [("spec.l[1]", 'Duplicate value: map[string]interface {}{"name":"http"}')],
                     id="map"),
        pytest.param({"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
                     [{"name": "a"}, {"name": "b"}], [], id="map-distinct"),
    ],
)
def test_list_types(list_schema: dict[str, Any], value: list[Any],
                    expected: list[tuple[str, str]]) -> None:
    root = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "l": {"type": "array", **list_schema}}}}}
    causes = schema.validate(obj={"spec": {"l": value}}, schema=root)
    assert [(c["field"], c["message"]) for c in causes] == expected
    assert all(c["reason"] == "FieldValueDuplicate" for c in causes)
