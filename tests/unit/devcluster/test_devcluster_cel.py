"""The CEL subset for x-kubernetes-validations, and rules evaluated over objects."""

from __future__ import annotations

from typing import Any

import pytest

from kes.devcluster import cel, schema

SELF = {"a": 1, "name": "x", "ref": {"name": "s"}, "items": [1, 2]}
OLD = {"a": 1, "name": "y", "ref": {"name": "s"}}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param("self == oldSelf", False, id="whole-changed"),
        pytest.param("self.ref == oldSelf.ref", True, id="field-equal"),
        pytest.param("self.name != oldSelf.name", True, id="not-equal"),
        pytest.param("has(self.ref)", True, id="has"),
        pytest.param("has(self.nope)", False, id="has-missing"),
        pytest.param("!has(oldSelf.ref) || has(self.ref)", True, id="not-removed"),
        pytest.param("!has(oldSelf.items) || has(self.items)", True, id="old-absent"),
        pytest.param("self.a > 0 && self.a <= 1", True, id="and-comparisons"),
        pytest.param("self.a >= 2 || self.name == 'x'", True, id="or-single-quoted"),
        pytest.param('self.name == "y"', False, id="double-quoted"),
        pytest.param("size(self.items) == 2", True, id="size"),
        pytest.param("(self.a == 1) && !(self.name == 'z')", True, id="parentheses"),
        pytest.param("self.ref.name == 's'", True, id="nested"),
        pytest.param("true", True, id="literal"),
    ],
)
def test_rules(rule: str, expected: bool) -> None:
    assert cel.holds(rule, self_value=SELF, old_value=OLD) is expected


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param("self.all(x, x > 0)", id="macro"),
        pytest.param("self.name.startsWith('a')", id="method"),
        pytest.param("self.a + 1 == 2", id="arithmetic"),
        pytest.param("self.a ==", id="truncated"),
        pytest.param("self.name < 3", id="mixed-comparison"),
    ],
)
def test_unsupported_rules_are_reported(rule: str) -> None:
    with pytest.raises(cel.UnsupportedRuleError):
        cel.holds(rule, self_value=SELF, old_value=OLD)


def test_transition_rules_are_recognised() -> None:
    assert cel.uses_old_self("self == oldSelf")
    assert not cel.uses_old_self("has(self.oldSelfish)")


IMMUTABLE = [{"message": "Value is immutable", "rule": "self == oldSelf"}]
SERVER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"spec": {
        "type": "object",
        "x-kubernetes-validations": [
            {"message": "secretRef field must not be allowed to be removed",
             "rule": "!has(oldSelf.secretRef) || has(self.secretRef)"}],
        "properties": {
            "secretRef": {"type": "object", "x-kubernetes-validations": IMMUTABLE,
                          "properties": {"name": {"type": "string"}}},
            "path": {"type": "string", "x-kubernetes-validations": IMMUTABLE},
            "port": {"type": "integer", "x-kubernetes-validations": [
                {"rule": "self > 1024", "reason": "FieldValueForbidden",
                 "message": "must not be privileged"}]},
            "tags": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [
                {"rule": "size(self) > 0"}]}},
            "weird": {"type": "string", "x-kubernetes-validations": [
                {"rule": "self.matches('^a')"}]},
        },
    }},
}


def _server(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "cr.kanister.io/v1alpha1", "kind": "RepositoryServer",
            "metadata": {"name": "rs"}, "spec": spec}


def test_create_skips_transition_rules() -> None:
    _, causes = schema.admit(_server(secretRef={"name": "a"}, path="/p", port=2000),
                             schema=SERVER_SCHEMA)
    assert causes == []


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        pytest.param(_server(secretRef={"name": "a"}, path="/p"), [], id="unchanged"),
        pytest.param(_server(secretRef={"name": "b"}, path="/p"),
                     [{"reason": "FieldValueInvalid", "field": "spec.secretRef",
                       "message": 'Invalid value: "object": Value is immutable'}],
                     id="immutable-object"),
        pytest.param(_server(secretRef={"name": "a"}, path="/q"),
                     [{"reason": "FieldValueInvalid", "field": "spec.path",
                       "message": 'Invalid value: "string": Value is immutable'}],
                     id="immutable-string"),
        pytest.param(_server(path="/p"),
                     [{"reason": "FieldValueInvalid", "field": "spec",
                       "message": 'Invalid value: "object": secretRef field must not be'
                                  ' allowed to be removed'}],
                     id="removed"),
    ],
)
def test_update_runs_transition_rules(new: dict[str, Any],
                                      expected: list[dict[str, str]]) -> None:
    old = _server(secretRef={"name": "a"}, path="/p")
    _, causes = schema.admit(new, schema=SERVER_SCHEMA, old=old)
    assert causes == expected


def test_plain_rules_reason_default_message_and_unsupported() -> None:
    _, causes = schema.admit(_server(port=80, tags=["ok", ""], weird="zzz"),
                             schema=SERVER_SCHEMA)
    assert causes == [
        {"reason": "FieldValueForbidden", "field": "spec.port",
         "message": "Forbidden: must not be privileged"},
        {"reason": "FieldValueInvalid", "field": "spec.tags[1]",
         "message": 'Invalid value: "string": failed rule: size(self) > 0'},
    ]


def test_invalid_message_with_rule_causes() -> None:
    old = _server(path="/p")
    _, causes = schema.admit(_server(path="/q"), schema=SERVER_SCHEMA, old=old)
    assert schema.invalid_message(kind="RepositoryServer", group="cr.kanister.io", name="rs",
                                  causes=causes) == (
        'RepositoryServer.cr.kanister.io "rs" is invalid: spec.path: Invalid value: "string":'
        " Value is immutable")
