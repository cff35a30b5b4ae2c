"""sprig's list functions (v2.22.0): building, slicing and searching ``[]interface{}`` values.

sprig implements these with reflection and panics on non-list input; text/template turns the
panic into ``error calling <f>: Cannot <verb> on type <kind>``, which kes reproduces as FuncError.
"""

from __future__ import annotations

from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define


def deep_equal(left: Any, *, other: Any) -> bool:
    """reflect.DeepEqual over the kes value model: types must match, not only values."""
    if values.type_of(left) != values.type_of(other):
        return False
    if isinstance(left, list | tuple):
        return len(left) == len(other) and all(
            deep_equal(a, other=b) for a, b in zip(left, other, strict=True)
        )
    if isinstance(left, dict):
        return left.keys() == other.keys() and all(
            deep_equal(left[k], other=other[k]) for k in left
        )
    if isinstance(left, float) and left != left:
        return False
    return bool(left == other)


@define("list", params=("...interface {}",), result="[]interface {}")
def make_list(*items: Any) -> list[Any]:
    return list(items)


TABLE.alias("tuple", existing="list")


@define("append", params=("interface {}", "interface {}"), result="[]interface {}")
def push(items: Any, item: Any) -> list[Any]:
    return [*registry.go_slice_items(items, what="push"), item]


TABLE.alias("push", existing="append")


@define("prepend", params=("interface {}", "interface {}"), result="[]interface {}")
def prepend(items: Any, item: Any) -> list[Any]:
    return [item, *registry.go_slice_items(items, what="prepend")]


@define("first", params=("interface {}",))
def first(items: Any) -> Any:
    seq = registry.go_slice_items(items, what="find first")
    return seq[0] if seq else None


@define("last", params=("interface {}",))
def last(items: Any) -> Any:
    seq = registry.go_slice_items(items, what="find last")
    return seq[-1] if seq else None


# sprig v2.22 returns a []interface{}, nil for an empty list: it prints "[]", toJson gives null.
@define("rest", params=("interface {}",), result="[]interface {}")
def rest(items: Any) -> Any:
    seq = registry.go_slice_items(items, what="find rest")
    return values.TypedList(seq[1:], elem_type="interface {}", nil=not seq)


@define("initial", params=("interface {}",), result="[]interface {}")
def initial(items: Any) -> Any:
    seq = registry.go_slice_items(items, what="find initial")
    return values.TypedList(seq[:-1], elem_type="interface {}", nil=not seq)


@define("reverse", params=("interface {}",), result="[]interface {}")
def reverse(items: Any) -> list[Any]:
    return list(reversed(registry.go_slice_items(items, what="find reverse")))


@define("uniq", params=("interface {}",), result="[]interface {}")
def uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in registry.go_slice_items(items, what="find uniq"):
        if not any(deep_equal(item, other=seen) for seen in out):
            out.append(item)
    return out


@define("without", params=("interface {}", "...interface {}"), result="[]interface {}")
def without(items: Any, *omit: Any) -> list[Any]:
    return [
        item
        for item in registry.go_slice_items(items, what="find without")
        if not any(deep_equal(item, other=o) for o in omit)
    ]


@define("has", params=("interface {}", "interface {}"), result="bool")
def has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return any(
        deep_equal(needle, other=item)
        for item in registry.go_slice_items(haystack, what="find has")
    )


@define("compact", params=("interface {}",), result="[]interface {}")
def compact(items: Any) -> list[Any]:
    return [
        item for item in registry.go_slice_items(items, what="compact") if not values.is_zero(item)
    ]


@define("slice", params=("interface {}", "...interface {}"))
def slice_(items: Any, *indices: Any) -> Any:
    if not isinstance(items, list | tuple | bytes | bytearray):
        raise values.FuncError(f"list should be type of slice or array but {values.kind_of(items)}")
    seq = list(items)
    start = registry.to_int64(indices[0]) if len(indices) > 0 else 0
    end = registry.to_int64(indices[1]) if len(indices) > 1 else len(seq)
    if start < 0 or end < start or end > len(seq):
        raise values.FuncError(f"runtime error: slice bounds out of range [{start}:{end}]")
    return seq[start:end]


@define("concat", params=("...interface {}",))
def concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list | tuple | bytes | bytearray):
            raise values.FuncError(f"Cannot concat type {values.kind_of(item)} as list")
        out.extend(item)
    return out


@define("until", params=("int",), result="[]int")
def until(count: int) -> values.TypedList:
    return until_step(0, count, 1 if count >= 0 else -1)


@define("untilStep", params=("int", "int", "int"), result="[]int")
def until_step(start: int, stop: int, step: int) -> values.TypedList:
    if stop < start:
        if step >= 0:
            return values.TypedList([], elem_type="int")
        count = (start - stop + (-step) - 1) // (-step)
    else:
        if step <= 0:
            return values.TypedList([], elem_type="int")
        count = (stop - start + step - 1) // step
    registry.check_size(count, what="untilStep")
    return values.TypedList((values.GoInt(i) for i in range(start, stop, step)), elem_type="int")


FUNCS = TABLE.funcs
