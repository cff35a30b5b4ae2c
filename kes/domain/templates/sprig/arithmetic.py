"""sprig's math and conversion functions (v2.22.0).

sprig converts every operand with spf13/cast to int64 first (``add 0.1 0.2`` is 0, ``add "3" 1``
is 4) and returns int64; ``int``/``atoi`` return Go ``int``; ``floor``/``ceil``/``round`` work on
float64. Division by zero panics in Go, which text/template reports as an error.
"""

from __future__ import annotations

import math
from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define
_ANY = "interface {}"


@define("add1", params=(_ANY,), result="int64")
def add1(value: Any) -> int:
    return registry.wrap_int64(registry.to_int64(value) + 1)


@define("add", params=("..." + _ANY,), result="int64")
def add(*operands: Any) -> int:
    return registry.wrap_int64(sum(registry.to_int64(v) for v in operands))


@define("sub", params=(_ANY, _ANY), result="int64")
def sub(left: Any, right: Any) -> int:
    return registry.wrap_int64(registry.to_int64(left) - registry.to_int64(right))


def _go_div(left: int, right: int) -> int:
    if right == 0:
        raise values.FuncError("runtime error: integer divide by zero")
    quotient = abs(left) // abs(right)
    return registry.wrap_int64(quotient if (left >= 0) == (right >= 0) else -quotient)


@define("div", params=(_ANY, _ANY), result="int64")
def div(left: Any, right: Any) -> int:
    return _go_div(registry.to_int64(left), registry.to_int64(right))


@define("mod", params=(_ANY, _ANY), result="int64")
def mod(left: Any, right: Any) -> int:
    a, b = registry.to_int64(left), registry.to_int64(right)
    if b == 0:
        raise values.FuncError("runtime error: integer divide by zero")
    # Go's remainder takes the dividend's sign.
    return a - b * _go_div(a, b) if b != -1 else 0


@define("mul", params=(_ANY, "..." + _ANY), result="int64")
def mul(first: Any, *rest: Any) -> int:
    product = registry.to_int64(first)
    for value in rest:
        product = registry.wrap_int64(product * registry.to_int64(value))
    return product


@define("max", params=(_ANY, "..." + _ANY), result="int64")
def max_(first: Any, *rest: Any) -> int:
    return max([registry.to_int64(first), *(registry.to_int64(v) for v in rest)])


TABLE.alias("biggest", existing="max")


@define("min", params=(_ANY, "..." + _ANY), result="int64")
def min_(first: Any, *rest: Any) -> int:
    return min([registry.to_int64(first), *(registry.to_int64(v) for v in rest)])


@define("floor", params=(_ANY,), result="float64")
def floor(value: Any) -> float:
    number = registry.to_float64(value)
    return float(math.floor(number)) if math.isfinite(number) else number


@define("ceil", params=(_ANY,), result="float64")
def ceil(value: Any) -> float:
    number = registry.to_float64(value)
    return float(math.ceil(number)) if math.isfinite(number) else number


@define("round", params=(_ANY, "int", "...float64"), result="float64")
def round_(value: Any, places: int, *round_on: float) -> float:
    """sprig's round: half-up at ``round_on`` (default .5) after scaling by 10^places."""
    threshold = round_on[0] if round_on else 0.5
    number = registry.to_float64(value)
    if not math.isfinite(number):
        return number
    scale = math.pow(10, places)
    digit = number * scale
    fraction, _ = math.modf(digit)
    rounded = math.ceil(digit) if fraction >= threshold else math.floor(digit)
    return rounded / scale


@define("int64", params=(_ANY,), result="int64")
def int64(value: Any) -> int:
    return registry.to_int64(value)


@define("int", params=(_ANY,), result="int")
def int_(value: Any) -> values.GoInt:
    return values.GoInt(registry.to_int64(value))


@define("float64", params=(_ANY,), result="float64")
def float64(value: Any) -> float:
    return registry.to_float64(value)


@define("atoi", params=("string",), result="int")
def atoi(text: str) -> values.GoInt:
    try:
        return values.GoInt(registry.parse_go_int(text, base=10))
    except ValueError:
        return values.GoInt(0)


@define("toDecimal", params=(_ANY,), result="int64")
def to_decimal(value: Any) -> int:
    """Parses the value's text as an *octal* number, as sprig does (``toDecimal "0777"`` = 511)."""
    try:
        return registry.parse_go_int(registry.strval(value), base=8)
    except ValueError:
        return 0


FUNCS = TABLE.funcs
