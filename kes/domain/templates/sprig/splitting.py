"""sprig's string-list functions (v2.22.0): split, splitn, splitList, join, sortAlpha, toStrings.

``split`` returns a ``map[string]string`` keyed ``_0``, ``_1`` … (sprig's choice, so templates can
write ``(split "/" .X)._1``); ``splitList`` a ``[]string``. Conversions to text go through sprig's
``strval`` (``[]byte`` as text, everything else as ``%v``), and nil items are dropped.
"""

from __future__ import annotations

from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define


@define("toString", params=("interface {}",), result="string")
def to_string(value: Any) -> str:
    return registry.strval(value)


@define("toStrings", params=("interface {}",), result="[]string")
def to_strings(value: Any) -> values.TypedList:
    return values.TypedList(strslice(value), elem_type="string")


def strslice(value: Any) -> list[str]:
    if isinstance(value, list | tuple | bytes | bytearray):
        return [registry.strval(v) for v in value if v is not None]
    if value is None:
        return []
    return [registry.strval(value)]


@define("split", params=("string", "string"), result="map[string]string")
def split(sep: str, text: str) -> values.TypedMap:
    parts = _go_split(text, sep, -1)
    return values.TypedMap({f"_{i}": p for i, p in enumerate(parts)}, elem_type="string")


@define("splitn", params=("string", "int", "string"), result="map[string]string")
def splitn(sep: str, count: int, text: str) -> values.TypedMap:
    parts = _go_split(text, sep, count)
    return values.TypedMap({f"_{i}": p for i, p in enumerate(parts)}, elem_type="string")


@define("splitList", params=("string", "string"), result="[]string")
def split_list(sep: str, text: str) -> values.TypedList:
    return values.TypedList(_go_split(text, sep, -1), elem_type="string")


def _go_split(text: str, sep: str, count: int) -> list[str]:
    if count == 0:
        return []
    if sep == "":
        chars = list(text)
        registry.check_size(len(chars), what="split")
        if count > 0 and len(chars) > count:
            return [*chars[: count - 1], "".join(chars[count - 1 :])]
        return chars
    return text.split(sep, count - 1) if count > 0 else text.split(sep)


@define("join", params=("string", "interface {}"), result="string")
def join(sep: str, items: Any) -> str:
    parts = strslice(items)
    registry.check_size(sum(map(len, parts)) + len(sep) * max(len(parts) - 1, 0), what="join")
    return sep.join(parts)


@define("sortAlpha", params=("interface {}",), result="[]string")
def sort_alpha(items: Any) -> values.TypedList:
    if isinstance(items, list | tuple | bytes | bytearray):
        return values.TypedList(sorted(strslice(items)), elem_type="string")
    return values.TypedList([registry.strval(items)], elem_type="string")


FUNCS = TABLE.funcs
