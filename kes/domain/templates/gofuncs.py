"""text/template's builtin functions (funcs.go) as GoFuncs: and, or, not, len, index, slice,
print, printf, println, html, js, urlquery, eq, ne, lt, le, gt, ge, call.

They take ``reflect.Value`` parameters in Go, so any value is accepted and each function checks
kinds itself, with Go's messages (``incompatible types for comparison``, ``index out of range``).
sprig's table is laid over this one, so a sprig function of the same name (``slice``) wins.
"""

from __future__ import annotations

import math
import urllib.parse
from typing import Any, Final

from kes.domain.templates import gofmt, values

REFLECT_VALUE: Final = "reflect.Value"


def _go_type(value: Any) -> str:
    return values.type_of(value)


def _indirect(value: Any) -> Any:
    return None if value is values.NO_VALUE else value


def _not(arg: Any) -> bool:
    return not values.truth(arg)


def _len(item: Any) -> values.GoInt:
    item = _indirect(item)
    if item is None:
        raise values.FuncError("len of nil pointer")
    if isinstance(item, str):
        return values.GoInt(len(item.encode("utf-8")))
    if isinstance(item, list | tuple | dict | bytes | bytearray):
        return values.GoInt(len(item))
    raise values.FuncError(f"len of type {_go_type(item)}")


def _index_arg(index: Any, cap: int) -> int:
    index = _indirect(index)
    if isinstance(index, bool) or not isinstance(index, int):
        raise values.FuncError(
            f"cannot index slice/array with type {_go_type(index) if index is not None else 'nil'}"
        )
    if index < 0 or index >= cap:
        raise values.FuncError(f"index out of range: {int(index)}")
    return int(index)


def _index(item: Any, *indexes: Any) -> Any:
    item = _indirect(item)
    if item is None:
        raise values.FuncError("index of untyped nil")
    for index in indexes:
        index = _indirect(index)
        if item is None:
            raise values.FuncError("index of nil pointer")
        if isinstance(item, str):
            item = values.GoInt(item.encode("utf-8")[_index_arg(index, len(item.encode()))])
        elif isinstance(item, bytes | bytearray):
            item = values.GoInt(item[_index_arg(index, len(item))])
        elif isinstance(item, list | tuple):
            item = item[_index_arg(index, len(item))]
        elif isinstance(item, dict):
            if not isinstance(index, str):
                key_type = "<nil>" if index is None else _go_type(index)
                raise values.FuncError(f"value has type {key_type}; should be string")
            if index in item:
                item = item[index]
            elif isinstance(item, values.TypedMap):
                item = item.zero
            else:
                item = None
        else:
            raise values.FuncError(f"can't index item of type {_go_type(item)}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    item = _indirect(item)
    if item is None:
        raise values.FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise values.FuncError(f"too many slice indexes: {len(indexes)}")
    if not isinstance(item, str | list | tuple | bytes):
        raise values.FuncError(f"can't slice item of type {_go_type(item)}")
    size = len(item.encode("utf-8")) if isinstance(item, str) else len(item)
    bounds = [0, size]
    for i, index in enumerate(indexes[:2]):
        bounds[i] = _index_arg(index, size + 1)
    if bounds[0] > bounds[1]:
        raise values.FuncError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if isinstance(item, str):
        return item.encode("utf-8")[bounds[0] : bounds[1]].decode("utf-8", "replace")
    return item[bounds[0] : bounds[1]]


def _eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return gofmt.sprint(*args)


_HTML: Final = {'"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\0": "\ufffd"}


def _html(*args: Any) -> str:
    return "".join(_HTML.get(c, c) for c in _eval_args(args))


def _js_char(ch: str) -> str:
    table = {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "<": "\\u003C",
        ">": "\\u003E",
        "&": "\\u0026",
        "=": "\\u003D",
    }
    if ch in table:
        return table[ch]
    if ord(ch) < 0x20 or not ch.isprintable():
        return f"\\u{ord(ch):04X}"
    return ch


def _js(*args: Any) -> str:
    return "".join(_js_char(c) for c in _eval_args(args))


def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_eval_args(args), safe="-_.~")


def _basic_kind(value: Any) -> str:
    value = _indirect(value)
    if value is None:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


def _eq(arg1: Any, *arg2: Any) -> bool:
    if not arg2:
        raise values.FuncError("missing argument for comparison")
    k1 = _basic_kind(arg1)
    for arg in arg2:
        k2 = _basic_kind(arg)
        if k1 != k2:
            if k1 != "invalid" and k2 != "invalid":
                raise values.FuncError("incompatible types for comparison")
            continue
        if k1 == "other":
            if isinstance(arg1, list | dict | bytes) or isinstance(arg, list | dict | bytes):
                raise values.FuncError(
                    # Go adds the value (%v); kes leaves it out, as it may hold a secret.
                    f"non-comparable type {_go_type(arg)}"
                )
            if arg1 == arg:
                return True
        elif k1 == "invalid" or _indirect(arg1) == _indirect(arg):
            return True
    return False


def _ne(arg1: Any, arg2: Any) -> bool:
    return not _eq(arg1, arg2)


def _lt(arg1: Any, arg2: Any) -> bool:
    k1, k2 = _basic_kind(arg1), _basic_kind(arg2)
    if k1 in ("bool", "other", "invalid") or k2 in ("bool", "other", "invalid"):
        raise values.FuncError("invalid type for comparison")
    if k1 != k2:
        raise values.FuncError("incompatible types for comparison")
    if k1 == "float" and (math.isnan(arg1) or math.isnan(arg2)):
        return False
    return bool(arg1 < arg2)


def _le(arg1: Any, arg2: Any) -> bool:
    return _lt(arg1, arg2) or _eq(arg1, arg2)


def _gt(arg1: Any, arg2: Any) -> bool:
    return not _le(arg1, arg2)


def _ge(arg1: Any, arg2: Any) -> bool:
    return not _lt(arg1, arg2)


def _call(name: str, fn: Any, *args: Any) -> Any:
    fn = _indirect(fn)
    if fn is None:
        raise values.FuncError("call of nil")
    # Template data never carries Go funcs, so anything reaching here is not callable.
    raise values.FuncError(f"non-function {name} of type {_go_type(fn)}")


def _never(*args: Any) -> Any:
    raise AssertionError("and/or are compiled inline")


def _builtin(name: str, fn: Any, params: tuple[str, ...], *, err: bool = False) -> values.GoFunc:
    return values.GoFunc(name=name, fn=fn, params=params, returns_error=err)


_V: Final = REFLECT_VALUE
_VS: Final = "..." + REFLECT_VALUE
_ANYS: Final = "...interface {}"

BUILTINS: Final[dict[str, values.GoFunc]] = {
    "and": _builtin("and", _never, (_V, _VS)),
    "or": _builtin("or", _never, (_V, _VS)),
    "not": _builtin("not", _not, (_V,)),
    "len": _builtin("len", _len, (_V,), err=True),
    "index": _builtin("index", _index, (_V, _VS), err=True),
    "slice": _builtin("slice", _slice, (_V, _VS), err=True),
    "print": _builtin("print", gofmt.sprint, (_ANYS,)),
    "printf": _builtin("printf", gofmt.sprintf, ("string", _ANYS)),
    "println": _builtin("println", gofmt.sprintln, (_ANYS,)),
    "html": _builtin("html", _html, (_ANYS,)),
    "js": _builtin("js", _js, (_ANYS,)),
    "urlquery": _builtin("urlquery", _urlquery, (_ANYS,)),
    "eq": _builtin("eq", _eq, (_V, _VS), err=True),
    "ne": _builtin("ne", _ne, (_V, _V), err=True),
    "lt": _builtin("lt", _lt, (_V, _V), err=True),
    "le": _builtin("le", _le, (_V, _V), err=True),
    "gt": _builtin("gt", _gt, (_V, _V), err=True),
    "ge": _builtin("ge", _ge, (_V, _V), err=True),
    "call": _builtin("call", _call, (_V, _VS), err=True),
}
