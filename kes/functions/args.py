"""Decoding rendered phase args the way Kanister's `Arg`/`OptArg` do (mapstructure `WeakDecode`).

Blueprint args arrive as whatever YAML and the template engine produced: `"2"` must become an int,
`2` a string, a scalar a one-element list, and so on (reference 1.1). `load` fills a function's
pydantic args model field by field with these rules, so each function module only declares its
fields with Kanister's names as aliases and its defaults.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

import pydantic
import yaml

from kes.functions import base

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

_GO_BOOL = {
    "1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
    "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False,
}  # fmt: skip
_GO_OCTAL = re.compile(r"[+-]?0[0-7_]+")


class DecodeError(ValueError):
    """A value that mapstructure's weak decoding would reject."""


def go_type(value: Any) -> str:
    """The Go type name mapstructure would report for a decoded YAML value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return type(value).__name__


def go_value(value: Any) -> str:
    """Go's `%v` rendering of a decoded YAML value (for error messages)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted((str(k), go_value(v)) for k, v in value.items())
        return "map[" + " ".join(f"{k}:{v}" for k, v in items) + "]"
    return str(value)


def format_float(value: float) -> str:
    """Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent."""
    if value != value or value in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}[repr(value)]
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _unconvertible(value: Any, target: str) -> DecodeError:
    return DecodeError(
        f"'' expected type '{target}', got unconvertible type '{go_type(value)}', "
        f"value: '{go_value(value)}'"
    )


def to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise _unconvertible(value, "string")


def to_int(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        text = value or "0"
        try:
            if _GO_OCTAL.fullmatch(text):
                return int(text.replace("_", ""), 8)
            return int(text, 0)
        except ValueError:
            raise DecodeError(
                f"cannot parse '' as int: strconv.ParseInt: parsing \"{text}\": invalid syntax"
            ) from None
    raise _unconvertible(value, "int")


def to_bool(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        if value == "":
            return False
        if value in _GO_BOOL:
            return _GO_BOOL[value]
        raise DecodeError(
            f"cannot parse '' as bool: strconv.ParseBool: parsing \"{value}\": invalid syntax"
        )
    raise _unconvertible(value, "bool")


def to_str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [to_str(item) for item in value]
    if isinstance(value, Mapping):
        if not value:
            return []
        raise DecodeError(f"'': source data must be an array or slice, got {go_type(value)}")
    # Weak decoding lifts a single value into a one-element slice.
    return [to_str(value)]


def to_str_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {to_str(k): to_str(v) for k, v in value.items()}
    if isinstance(value, list | tuple) and not value:
        return {}
    raise DecodeError(f"'' expected a map, got '{_kind(value)}'")


def to_any_map(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {to_str(k): v for k, v in value.items()}
    if isinstance(value, list | tuple) and not value:
        return {}
    raise DecodeError(f"'' expected a map, got '{_kind(value)}'")


def _kind(value: Any) -> str:
    name = go_type(value)
    return {"[]interface {}": "slice", "map[string]interface {}": "map"}.get(name, name)


def yaml_list(value: Any) -> list[Any]:
    """Kanister's `GetYamlList`: a list, or a string holding a YAML list."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        try:
            decoded = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise DecodeError(f"Failed to unmarshal YAML list: {exc}") from None
        if isinstance(decoded, list):
            return decoded
    raise DecodeError(f"Invalid arg type {go_type(value)}, expected a YAML list")


def decoder_for(annotation: Any) -> typing.Callable[[Any], Any]:
    """The weak decoder matching a model field's annotation (Optional unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            inner = decoder_for(members[0])
            return lambda v: None if v is None else inner(v)
        return lambda v: v
    if annotation is str:
        return to_str
    if annotation is bool:
        return to_bool
    if annotation is int:
        return to_int
    if origin is list:
        return to_str_list
    if origin is dict:
        value_type = typing.get_args(annotation)[1]
        return to_str_map if value_type is str else to_any_map
    return lambda v: v


def load(model: type[ModelT], args: Mapping[str, Any]) -> ModelT:
    """Build `model` from rendered args: `Argument missing <name>` for absent required fields,
    `Failed to decode arg <name>: <why>` for values weak decoding rejects."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        alias = info.alias or name
        if alias not in args:
            if info.is_required():
                raise base.ArgumentError(f"Argument missing {alias}")
            continue
        try:
            values[alias] = decoder_for(info.annotation)(args[alias])
        except DecodeError as exc:
            raise base.ArgumentError(f"Failed to decode arg `{alias}`: {exc}") from None
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        raise base.ArgumentError(f"Invalid args: {exc.errors()[0].get('msg', exc)}") from None


class ArgsModel(pydantic.BaseModel):
    """Base of every function's args model: frozen, Kanister names as aliases."""

    model_config = pydantic.ConfigDict(frozen=True, populate_by_name=True, extra="ignore")
