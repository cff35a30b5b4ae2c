"""sprig's default, emptiness, JSON and reflection functions (v2.22.0).

``empty`` is Go's zero-value test of the value's own type (a struct is never empty, ``0.0`` is),
and ``default``/``coalesce``/``compact`` all follow it. ``typeOf``/``kindOf`` answer with Go's type
and kind names, so a template can tell int64 (from params) from int (from ``len``).
"""

from __future__ import annotations

from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import lists, registry

TABLE = registry.Table()
define = TABLE.define
_ANY = "interface {}"


@define("default", params=(_ANY, "..." + _ANY))
def default(fallback: Any, *given: Any) -> Any:
    if not given or values.is_zero(given[0]):
        return fallback
    return given[0]


@define("empty", params=(_ANY,), result="bool")
def empty(value: Any) -> bool:
    return values.is_zero(value)


@define("coalesce", params=("..." + _ANY,))
def coalesce(*items: Any) -> Any:
    for item in items:
        if not values.is_zero(item):
            return item
    return None


@define("ternary", params=(_ANY, _ANY, "bool"))
def ternary(if_true: Any, if_false: Any, condition: bool) -> Any:
    return if_true if condition else if_false


@define("toJson", params=(_ANY,), result="string")
def to_json(value: Any) -> str:
    try:
        return values.to_json(value)
    except values.JsonError:
        # sprig drops the marshalling error and prints nothing.
        return ""


@define("toPrettyJson", params=(_ANY,), result="string")
def to_pretty_json(value: Any) -> str:
    try:
        return values.to_json(value, pretty=True)
    except values.JsonError:
        return ""


@define("typeOf", params=(_ANY,), result="string")
def type_of(value: Any) -> str:
    return values.type_of(value)


@define("typeIs", params=("string", _ANY), result="bool")
def type_is(target: str, value: Any) -> bool:
    return target == values.type_of(value)


@define("typeIsLike", params=("string", _ANY), result="bool")
def type_is_like(target: str, value: Any) -> bool:
    name = values.type_of(value)
    return target in (name, "*" + name)


@define("kindOf", params=(_ANY,), result="string")
def kind_of(value: Any) -> str:
    return values.kind_of(value)


@define("kindIs", params=("string", _ANY), result="bool")
def kind_is(target: str, value: Any) -> bool:
    return target == values.kind_of(value)


@define("deepEqual", params=(_ANY, _ANY), result="bool")
def deep_equal(left: Any, right: Any) -> bool:
    return lists.deep_equal(left, other=right)


@define("fail", params=("string",), returns_error=True, result="string")
def fail(message: str) -> str:
    raise values.FuncError(message)


FUNCS = TABLE.funcs
