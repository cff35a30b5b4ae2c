"""sprig's dict functions (v2.22.0) over ``map[string]interface{}``.

Like sprig, ``set``/``unset``/``merge`` change the map they are given (templates rely on
``$_ := set $d "k" "v"``); keys/values come back sorted because Go's map order is random and a
stable order is the only useful one to promise.
"""

from __future__ import annotations

import copy
from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define
_MAP = "map[string]interface {}"


@define("dict", params=("...interface {}",), result=_MAP)
def make_dict(*pairs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(pairs), 2):
        key = registry.strval(pairs[i])
        out[key] = pairs[i + 1] if i + 1 < len(pairs) else ""
    return out


@define("set", params=(_MAP, "string", "interface {}"), result=_MAP)
def set_(target: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    target[key] = value
    return target


@define("unset", params=(_MAP, "string"), result=_MAP)
def unset(target: dict[str, Any], key: str) -> dict[str, Any]:
    target.pop(key, None)
    return target


@define("hasKey", params=(_MAP, "string"), result="bool")
def has_key(target: dict[str, Any], key: str) -> bool:
    return key in target


@define("pluck", params=("string", "..." + _MAP), result="[]interface {}")
def pluck(key: str, *maps: dict[str, Any]) -> list[Any]:
    return [m[key] for m in maps if key in m]


@define("keys", params=("..." + _MAP,), result="[]string")
def keys(*maps: dict[str, Any]) -> values.TypedList:
    out: list[str] = []
    for m in maps:
        out.extend(sorted(m))
    return values.TypedList(out, elem_type="string")


@define("pick", params=(_MAP, "...string"), result=_MAP)
def pick(target: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: target[k] for k in names if k in target}


@define("omit", params=(_MAP, "...string"), result=_MAP)
def omit(target: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in target.items() if k not in names}


@define("values", params=(_MAP,), result="[]interface {}")
def values_(target: dict[str, Any]) -> list[Any]:
    return [target[k] for k in sorted(target)]


def _merge_into(dst: dict[str, Any], src: dict[str, Any], *, overwrite: bool) -> None:
    """mergo v0.3.12's deepMerge of two map[string]interface{} (sprig's merge/mergeOverwrite).

    Overwriting takes every src value, empty ones included (``map[a:]``), except that a map or
    slice never replaces a non-empty dst value (maps are merged into a dst map instead); a nil
    src value is taken only when overwriting. Without overwrite, dst keeps its non-empty values.
    """
    for key, value in src.items():
        present = key in dst
        current = dst.get(key)
        if value is None:
            if overwrite:
                dst[key] = None
            continue
        if isinstance(value, dict):
            if present and isinstance(current, dict):
                _merge_into(current, value, overwrite=overwrite)
            if present and not values.is_zero(current):
                continue
        elif isinstance(value, list | tuple) and present and not values.is_zero(current):
            if overwrite:
                dst[key] = value
            continue
        if overwrite or not present or values.is_zero(current):
            dst[key] = value


@define("merge", params=(_MAP, "..." + _MAP))
def merge(dst: dict[str, Any], *sources: dict[str, Any]) -> Any:
    for src in sources:
        _merge_into(dst, src, overwrite=False)
    return dst


@define("mergeOverwrite", params=(_MAP, "..." + _MAP))
def merge_overwrite(dst: dict[str, Any], *sources: dict[str, Any]) -> Any:
    for src in sources:
        _merge_into(dst, src, overwrite=True)
    return dst


@define("deepCopy", params=("interface {}",))
def deep_copy(value: Any) -> Any:
    return copy.deepcopy(value)


FUNCS = TABLE.funcs
