"""``x-kubernetes-validations`` rules of a CRD schema, evaluated over an object (and, on
updates, the object it replaces) with the CEL subset in :mod:`cel`.

Transition rules (those naming ``oldSelf``) run only where the old object has a value at the
same place, as in the apiserver: through object properties and map values, not list items.
Rules outside the subset are skipped rather than guessed.
"""

from __future__ import annotations

import json
from typing import Any

from kes.devcluster import cel

Cause = dict[str, str]
_BODY_PREFIX = {"FieldValueForbidden": "Forbidden", "FieldValueRequired": "Required value"}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _check_node(value: Any, old: Any, schema: dict[str, Any], *, path: str,
                causes: list[Cause]) -> None:
    for rule in schema.get("x-kubernetes-validations") or []:
        text = str(rule.get("rule", ""))
        if cel.uses_old_self(text) and old is cel.ABSENT:
            continue
        try:
            ok = cel.holds(text, self_value=value, old_value=old)
        except cel.UnsupportedRuleError:
            continue
        if ok:
            continue
        message = str(rule.get("message") or f"failed rule: {text}")
        reason = str(rule.get("reason") or "FieldValueInvalid")
        field = path
        if rule.get("fieldPath"):
            suffix = str(rule["fieldPath"]).lstrip(".")
            field = f"{path}.{suffix}" if path else suffix
        if reason in _BODY_PREFIX:
            body = f"{_BODY_PREFIX[reason]}: {message}"
        else:
            reason = "FieldValueInvalid"
            body = f"Invalid value: {json.dumps(_type_name(value))}: {message}"
        causes.append({"reason": reason, "message": body, "field": field})


def _walk(value: Any, old: Any, schema: dict[str, Any], *, path: str,
          causes: list[Cause]) -> None:
    if not isinstance(schema, dict) or value is None:
        return
    _check_node(value, old, schema, path=path, causes=causes)
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key) if isinstance(properties, dict) else None
            if sub is None and isinstance(additional, dict):
                sub = additional
            if not isinstance(sub, dict) or (path == "" and key == "metadata"):
                continue
            old_item = old.get(key, cel.ABSENT) if isinstance(old, dict) else cel.ABSENT
            _walk(item, old_item, sub, path=f"{path}.{key}" if path else key, causes=causes)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(item, cel.ABSENT, schema["items"], path=f"{path}[{index}]", causes=causes)


def rule_causes(*, obj: Any, schema: dict[str, Any], old: Any = cel.ABSENT) -> list[Cause]:
    """Causes for every failed rule; ``old`` is the stored object on an update."""
    causes: list[Cause] = []
    _walk(obj, old if old is not None else cel.ABSENT, schema, path="", causes=causes)
    return causes
