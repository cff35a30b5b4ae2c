"""Validation of custom objects against a CRD's ``openAPIV3Schema``.

The apiserver prunes unknown fields, applies defaults, then validates; a failure is a 422
Invalid Status whose ``details.causes`` carry ``reason``/``message``/``field`` worded as
k8s.io/apiextensions-apiserver words them (``Required value``, ``Unsupported value: "x":
supported values: "a", "b"``, ``Invalid value: "string": spec.n in body must be of type
integer: "string"``). This module only computes; the handlers build the Status.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from kes.devcluster import schema_formats, schema_rules

Cause = dict[str, str]

# Kept at the root of every custom object whatever the schema says.
_ROOT_FIELDS = ("apiVersion", "kind", "metadata")


def crd_version_schema(crd: dict[str, Any], *, version: str) -> dict[str, Any] | None:
    """The ``openAPIV3Schema`` of ``version`` in a CRD, or None when the version has none."""
    spec = crd.get("spec") or {}
    for entry in spec.get("versions") or []:
        if entry.get("name") == version:
            found = ((entry.get("schema") or {}).get("openAPIV3Schema")
                     or (spec.get("validation") or {}).get("openAPIV3Schema"))
            return found if isinstance(found, dict) else None
    return None


# --- pruning -----------------------------------------------------------------------------------


def prune(*, obj: Any, schema: dict[str, Any]) -> Any:
    """Drop fields the schema does not declare, and nulls where the schema does not allow
    them (apiVersion/kind/metadata are kept at the root). Returns a new value."""
    result = _prune(copy.deepcopy(obj), schema)
    if isinstance(obj, dict) and isinstance(result, dict):
        for name in _ROOT_FIELDS:
            if name in obj:
                result[name] = copy.deepcopy(obj[name])
    return result


def _prune(value: Any, schema: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(properties, dict) and key in properties:
                sub = properties[key]
            elif isinstance(additional, dict):
                sub = additional
            else:
                embedded = schema.get("x-kubernetes-embedded-resource") and key in _ROOT_FIELDS
                if preserve or additional is True or embedded:
                    kept[key] = item
                continue
            if item is None and not sub.get("nullable") and "default" not in sub:
                continue
            kept[key] = _prune(item, sub)
        return kept
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_prune(item, schema["items"]) for item in value]
    return value


def unknown_fields(obj: Any, schema: dict[str, Any]) -> list[str]:
    """Paths (``spec.bogus``, ``spec.items[0].typo``) of the fields :func:`prune` would drop.

    With ``fieldValidation=Strict`` (kubectl's default) the apiserver refuses such an object
    instead of pruning it; see :func:`strict_decoding_message`."""
    found: list[str] = []
    if isinstance(obj, dict):
        known = {k: v for k, v in obj.items() if k not in _ROOT_FIELDS}
        _collect_unknown(known, schema, path="", found=found)
    return found


def _collect_unknown(value: Any, schema: dict[str, Any], *, path: str, found: list[str]) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if isinstance(properties, dict) and key in properties:
                _collect_unknown(item, properties[key], path=child, found=found)
            elif isinstance(additional, dict):
                _collect_unknown(item, additional, path=child, found=found)
            elif not (preserve or additional is True or (
                    schema.get("x-kubernetes-embedded-resource") and key in _ROOT_FIELDS)):
                found.append(child)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _collect_unknown(item, schema["items"], path=f"{path}[{index}]", found=found)


def strict_decoding_message(*, kind: str, version: str, fields: list[str]) -> str:
    """The 400 BadRequest message for unknown fields under ``fieldValidation=Strict``:
    ``Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown
    field "spec.bogus"`` (several fields are comma separated)."""
    unknown = ", ".join(f'unknown field "{field}"' for field in fields)
    return (f'{kind} in version "{version}" cannot be handled as a {kind}: '
            f"strict decoding error: {unknown}")


# --- defaulting --------------------------------------------------------------------------------


def apply_defaults(*, obj: Any, schema: dict[str, Any]) -> Any:
    """Fill ``default`` values of absent (or null, when not nullable) properties, recursively.
    Returns a new value."""
    return _default(copy.deepcopy(obj), schema)


def _default(value: Any, schema: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for key, sub in properties.items():
                if not isinstance(sub, dict):
                    continue
                missing = key not in value or (value[key] is None and not sub.get("nullable"))
                if missing and "default" in sub:
                    value[key] = copy.deepcopy(sub["default"])
        additional = schema.get("additionalProperties")
        for key, item in list(value.items()):
            sub = properties.get(key) if isinstance(properties, dict) else None
            if sub is None and isinstance(additional, dict):
                sub = additional
            if isinstance(sub, dict):
                value[key] = _default(item, sub)
        return value
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_default(item, schema["items"]) for item in value]
    return value


# --- validation --------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _render(value: Any) -> str:
    """A value as field.ErrorBody prints it: strings quoted, numbers bare."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(_type_name(value))


def _type_matches(value: Any, expected: str) -> bool:
    actual = _type_name(value)
    if expected == "number":
        return actual in ("integer", "number")
    return actual == expected


class _Validator:
    def __init__(self) -> None:
        self.causes: list[Cause] = []

    def add(self, *, reason: str, path: str, body: str) -> None:
        self.causes.append({"reason": reason, "message": body, "field": path})

    def invalid(self, *, path: str, value: Any, detail: str, type_invalid: bool = False,
                shown: str | None = None) -> None:
        reason = "FieldValueTypeInvalid" if type_invalid else "FieldValueInvalid"
        shown = _render(value) if shown is None else shown
        self.add(reason=reason, path=path, body=f"Invalid value: {shown}: {detail}")

    def check(self, value: Any, schema: dict[str, Any], *, path: str) -> None:
        if not isinstance(schema, dict):
            return
        if value is None:
            if not schema.get("nullable") and schema.get("type"):
                self.invalid(path=path, value=value, type_invalid=True,
                             detail=f'{path} in body must be of type {schema["type"]}: "null"')
            return
        if not self.check_type(value, schema, path=path):
            return
        if "enum" in schema and isinstance(schema["enum"], list) and value not in schema["enum"]:
            supported = ", ".join(
                json.dumps(v) if isinstance(v, str) else json.dumps(json.dumps(v))
                for v in schema["enum"]
            )
            self.add(reason="FieldValueNotSupported", path=path,
                     body=f"Unsupported value: {_render(value)}: supported values: {supported}")
        if isinstance(value, str):
            self.check_string(value, schema, path=path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.check_number(value, schema, path=path)
        elif isinstance(value, list):
            self.check_array(value, schema, path=path)
        elif isinstance(value, dict):
            self.check_object(value, schema, path=path)
        for sub in schema.get("allOf") or []:
            self.check(value, sub, path=path)

    def check_type(self, value: Any, schema: dict[str, Any], *, path: str) -> bool:
        if schema.get("x-kubernetes-int-or-string"):
            if _type_name(value) in ("integer", "string"):
                return True
            expected = "integer,string"
        else:
            expected = schema.get("type") or ""
            if not expected or _type_matches(value, expected):
                return True
        # A type error shows the value's JSON type, not the value (as kube-apiserver does).
        self.invalid(path=path, value=value, type_invalid=True,
                     shown=json.dumps(_type_name(value)),
                     detail=f'{path} in body must be of type {expected}: "{_type_name(value)}"')
        return False

    def check_string(self, value: str, schema: dict[str, Any], *, path: str) -> None:
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            self.add(reason="FieldValueTooLong", path=path,
                     body=f"Too long: may not be more than {schema['maxLength']} bytes")
        if "minLength" in schema and len(value) < schema["minLength"]:
            self.invalid(path=path, value=value,
                         detail=f"{path} in body should be at least {schema['minLength']}"
                         " chars long")
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and re.search(pattern, value) is None:
            self.invalid(path=path, value=value, detail=f"{path} in body should match '{pattern}'")
        fmt = schema.get("format")
        if isinstance(fmt, str) and not schema_formats.valid(value=value, fmt=fmt):
            self.invalid(path=path, value=value, type_invalid=True,
                         detail=f"{path} in body must be of type {fmt}: {json.dumps(value)}")

    def check_number(self, value: float, schema: dict[str, Any], *, path: str) -> None:
        maximum, minimum = schema.get("maximum"), schema.get("minimum")
        if maximum is not None:
            exclusive = bool(schema.get("exclusiveMaximum"))
            if value > maximum or (exclusive and value == maximum):
                words = "less than" if exclusive else "less than or equal to"
                self.invalid(path=path, value=value,
                             detail=f"{path} in body should be {words} {_render(maximum)}")
        if minimum is not None:
            exclusive = bool(schema.get("exclusiveMinimum"))
            if value < minimum or (exclusive and value == minimum):
                words = "greater than" if exclusive else "greater than or equal to"
                self.invalid(path=path, value=value,
                             detail=f"{path} in body should be {words} {_render(minimum)}")
        fmt = schema.get("format")
        if fmt == "int32" and not -(2**31) <= value < 2**31:
            self.invalid(path=path, value=value, type_invalid=True,
                         detail=f"{path} in body must be of type int32: \"{_render(value)}\"")

    def check_array(self, value: list[Any], schema: dict[str, Any], *, path: str) -> None:
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            self.add(reason="FieldValueTooMany", path=path,
                     body=f"Too many: {len(value)}: must have at most {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            self.invalid(path=path, value=value,
                         detail=f"{path} in body should have at least {schema['minItems']} items")
        if schema.get("uniqueItems") or schema.get("x-kubernetes-list-type") == "set":
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    self.add(reason="FieldValueDuplicate", path=f"{path}[{index}]",
                             body=f"Duplicate value: {_render(item)}")
                seen.append(item)
        map_keys = schema.get("x-kubernetes-list-map-keys")
        if schema.get("x-kubernetes-list-type") == "map" and isinstance(map_keys, list):
            seen_keys: list[tuple[Any, ...]] = []
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                identity = tuple(item.get(k) for k in map_keys)
                if identity in seen_keys:
                    shown = ", ".join(f'"{k}":{json.dumps(item.get(k))}' for k in map_keys)
                    self.add(reason="FieldValueDuplicate", path=f"{path}[{index}]",
                             body=f"Duplicate value: map[string]interface {{}}{{{shown}}}")
                seen_keys.append(identity)
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                self.check(item, items, path=f"{path}[{index}]")

    def check_object(self, value: dict[str, Any], schema: dict[str, Any], *, path: str) -> None:
        prefix = f"{path}." if path else ""
        for name in schema.get("required") or []:
            if name not in value:
                self.add(reason="FieldValueRequired", path=f"{prefix}{name}",
                         body="Required value")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            self.add(reason="FieldValueTooMany", path=path,
                     body=f"Too many: {len(value)}: must have at most"
                     f" {schema['maxProperties']} items")
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            self.invalid(path=path, value=value,
                         detail=f"{path} in body should have at least"
                         f" {schema['minProperties']} properties")
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        additional = schema.get("additionalProperties")
        for key in sorted(value):
            sub = properties.get(key)
            if sub is None and isinstance(additional, dict):
                sub = additional
            if isinstance(sub, dict) and not (path == "" and key == "metadata"):
                self.check(value[key], sub, path=f"{prefix}{key}")


def validate(*, obj: Any, schema: dict[str, Any], old: Any = None) -> list[Cause]:
    """Every violation as a cause ``{"reason", "message", "field"}``; [] when valid.

    ``old`` (the stored object, on updates) enables the transition rules of
    ``x-kubernetes-validations`` (``self == oldSelf``)."""
    validator = _Validator()
    validator.check(obj, schema, path="")
    return validator.causes + schema_rules.rule_causes(obj=obj, schema=schema, old=old)


def admit(
    obj: dict[str, Any], *, schema: dict[str, Any] | None, old: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[Cause]]:
    """Prune, default and validate a custom object: (new object, causes). Without a schema
    the object is kept as it is (a CRD may preserve everything). Pass ``old`` on updates so
    immutability rules can compare."""
    if not schema:
        return copy.deepcopy(obj), []
    pruned = prune(obj=obj, schema=schema)
    defaulted = apply_defaults(obj=pruned, schema=schema)
    for name in _ROOT_FIELDS:  # defaults never reach into the root's apiVersion/kind/metadata
        if name in obj:
            defaulted[name] = copy.deepcopy(obj[name])
    return defaulted, validate(obj=defaulted, schema=schema, old=old)


def invalid_message(*, kind: str, group: str, name: str, causes: list[Cause]) -> str:
    """The Status message: ``Widget.example.com "w1" is invalid: spec.size: Invalid value: ...``
    (several causes are listed in brackets, comma separated)."""
    qualified = f"{kind}.{group}" if group else kind
    rendered = [f"{c['field']}: {c['message']}" if c.get("field") else c["message"]
                for c in causes]
    body = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    return f'{qualified} "{name}" is invalid: {body}'
