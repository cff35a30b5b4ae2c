"""The shared helpers every sprig family module uses: a table builder and Go conversions.

sprig leans on a few conversion helpers (``strval``, spf13/cast's ``ToInt64``/``ToFloat64``) whose
forgiving semantics users observe (``add "3" 1.9`` is 4); they live here once so each family module
states only its functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final, TypeVar

from kes.domain.templates import gofmt, values

#: Upper bound on items or characters a single function may produce (repeat, until, wrap…), so a
#: template cannot make the controller allocate unbounded memory.
MAX_ITEMS: Final = 1_000_000

_INT64_MIN: Final = -(1 << 63)

_F = TypeVar("_F", bound=Callable[..., Any])


class Table:
    """Collects GoFunc records for one family module."""

    def __init__(self) -> None:
        self.funcs: dict[str, values.GoFunc] = {}

    def define(
        self,
        name: str,
        *,
        params: tuple[str, ...],
        returns_error: bool = False,
        result: str = "interface {}",
    ) -> Callable[[_F], _F]:
        def register(fn: _F) -> _F:
            self.funcs[name] = values.GoFunc(
                name=name, fn=fn, params=params, returns_error=returns_error, result=result
            )
            return fn

        return register

    def alias(self, name: str, *, existing: str) -> None:
        self.funcs[name] = dataclasses_replace(self.funcs[existing], name=name)


def dataclasses_replace(func: values.GoFunc, *, name: str) -> values.GoFunc:
    return values.GoFunc(
        name=name,
        fn=func.fn,
        params=func.params,
        returns_error=func.returns_error,
        result=func.result,
    )


def check_size(count: int, *, what: str) -> None:
    if count > MAX_ITEMS:
        raise values.FuncError(
            f"{what} of {count} exceeds the limit of {MAX_ITEMS} items kes allows in a template"
        )


def expect(value: Any, *, go_type: str, kind: type) -> Any:
    """Guard for parameter types the runtime may not know (time.Time, sprig.certificate)."""
    if isinstance(value, kind) and (
        not isinstance(value, values.GoStruct) or value.go_type == go_type
    ):
        return value
    raise values.FuncError(f"wrong type for value; expected {go_type}; got {values.type_of(value)}")


def strval(value: Any) -> str:
    """sprig's strval: strings and []byte as text, Stringers via String(), else fmt %v."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return gofmt.format_value(value)


def wrap_int64(number: int) -> int:
    """Go's two's-complement int64 overflow."""
    number &= (1 << 64) - 1
    return number - (1 << 64) if number >= (1 << 63) else number


def parse_go_int(text: str, *, base: int = 0) -> int:
    """strconv.ParseInt(text, base, 64); ValueError on syntax or range errors."""
    body = text
    sign = 1
    if body and body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if not body:
        raise ValueError(text)
    if base == 0:
        lowered = body.lower()
        if lowered.startswith("0x"):
            base, body = 16, body[2:]
        elif lowered.startswith("0b"):
            base, body = 2, body[2:]
        elif lowered.startswith("0o"):
            base, body = 8, body[2:]
        elif body.startswith("0") and len(body) > 1:
            base, body = 8, body[1:]
        else:
            base = 10
        # Go allows underscores between digits only when the base is implied.
        if body.startswith("_") or body.endswith("_") or "__" in body:
            raise ValueError(text)
        body = body.replace("_", "")
    # Only the base's own digits: Python's int() would also take "0o17" in base 8, or "٣".
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    if not body or not all(ch in digits for ch in body.lower()):
        raise ValueError(text)
    number = sign * int(body, base)
    if number < _INT64_MIN or number > (1 << 63) - 1:
        raise ValueError(text)
    return number


def to_int64(value: Any) -> int:
    """spf13/cast ToInt64 as sprig uses it: errors become 0."""
    if value is None or value is values.NO_VALUE:
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return _INT64_MIN
        return wrap_int64(int(value))
    if isinstance(value, str):
        try:
            return parse_go_int(value)
        except ValueError:
            return 0
    return 0


def to_float64(value: Any) -> float:
    """spf13/cast ToFloat64 as sprig uses it: errors become 0."""
    if value is None or value is values.NO_VALUE:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return parse_go_float(value)
        except ValueError:
            return 0.0
    return 0.0


def parse_go_float(text: str) -> float:
    """strconv.ParseFloat(text, 64): Python's float() minus the spellings Go rejects."""
    if not text or not text.isascii() or text.strip() != text or "_" in text:
        raise ValueError(text)
    if text.lower().lstrip("+-").startswith("0x"):
        return float.fromhex(text)
    return float(text)


def go_slice_items(value: Any, *, what: str) -> list[Any]:
    """The items of a Go slice or array value, or FuncError in sprig's panic wording."""
    if isinstance(value, bytes | bytearray):
        return list(value)
    if isinstance(value, list | tuple):
        return list(value)
    raise values.FuncError(f"Cannot {what} on type {values.kind_of(value)}")
