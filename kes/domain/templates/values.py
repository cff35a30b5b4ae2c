"""The Go value model that Kanister templates see, expressed in Python.

Kanister renders with Go's text/template over Go values; several observable behaviours (``%v``
printing, ``typeOf``, which arguments a function accepts, ``toJson`` output) depend on the exact Go
type of a value, which plain Python values do not carry. This module owns that mapping:

* ``str`` string, ``bool`` bool, ``int`` int64 (what JSON and params give), ``GoInt`` Go ``int``,
  ``float`` float64, ``bytes`` []byte (secret Data), ``None`` nil, ``list``/``tuple`` []interface{},
  ``dict`` map[string]interface{};
* ``TypedList`` / ``TypedMap`` for slices and maps with a concrete element type (``[]string``,
  ``map[string]string`` whose missing keys index to the zero value);
* ``GoStruct`` for struct (or pointer-to-struct) params with Go field names and json tags;
* ``GoTime`` for time.Time (nanosecond precision, zone name);
* ``NO_VALUE`` for text/template's ``<no value>``;
* ``GoFunc`` records describing a template function's Go signature, and ``FuncError`` which a
  function raises to produce text/template's ``error calling f: ...``.

It also owns Go's encoding/json output (``to_json``) and reflect kind/type names.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from kes.domain.templates import gofloat


class GoInt(int):
    """A Go ``int`` (as opposed to a plain Python int, which stands for int64)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"GoInt({int(self)})"


class _NoValue:
    """text/template's invalid reflect.Value, printed as ``<no value>``."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __bool__(self) -> bool:
        return False


NO_VALUE: Final = _NoValue()


class TypedList(list[Any]):
    """A Go slice with a concrete element type, e.g. ``[]string`` from ``splitList``.

    ``nil`` marks a nil slice (what sprig's ``rest`` of an empty list returns): it prints ``[]``
    like an empty one but encodes to JSON ``null`` and is ``(nil)`` in ``%#v``.
    """

    __slots__ = ("elem_type", "nil")

    def __init__(
        self, items: Iterable[Any] = (), *, elem_type: str = "string", nil: bool = False
    ) -> None:
        super().__init__(items)
        self.elem_type = elem_type
        self.nil = nil and not self

    @property
    def go_type(self) -> str:
        return f"[]{self.elem_type}"


class TypedMap(dict[str, Any]):
    """A Go map with a concrete element type; a missing key indexes to ``zero``."""

    __slots__ = ("elem_type", "zero")

    def __init__(
        self, items: Mapping[str, Any] | None = None, *, elem_type: str = "string", zero: Any = ""
    ) -> None:
        super().__init__(items or {})
        self.elem_type = elem_type
        self.zero = zero

    @property
    def go_type(self) -> str:
        return f"map[string]{self.elem_type}"


@dataclasses.dataclass(frozen=True)
class JsonField:
    """How one struct field appears in encoding/json: its name, omitempty, or skipped (``-``)."""

    name: str
    omitempty: bool = False
    skip: bool = False


class GoStruct:
    """A Go struct value (or pointer to one) with ordered fields.

    Templates read fields by their Go names (``.Profile.Location.Bucket``); ``toJson`` uses the json
    tags given in ``json``. A missing field is a different error from a missing map key, so the
    runtime asks ``has_field`` rather than catching KeyError.
    """

    __slots__ = ("fields", "json", "pointer", "stringer", "type_name")

    def __init__(
        self,
        type_name: str,
        fields: Mapping[str, Any],
        *,
        json: Mapping[str, JsonField | str] | None = None,
        pointer: bool = False,
        stringer: str | None = None,
    ) -> None:
        self.type_name = type_name
        # What the value's String() method returns, when its Go type has one (fmt uses it).
        self.stringer = stringer
        self.fields: dict[str, Any] = dict(fields)
        tags: dict[str, JsonField] = {}
        for key, tag in (json or {}).items():
            tags[key] = JsonField(tag) if isinstance(tag, str) else tag
        self.json = tags
        self.pointer = pointer

    def has_field(self, name: str) -> bool:
        return name in self.fields

    def field(self, name: str) -> Any:
        return self.fields[name]

    @property
    def go_type(self) -> str:
        return ("*" if self.pointer else "") + self.type_name

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GoStruct)
            and other.type_name == self.type_name
            and other.pointer == self.pointer
            and other.fields == self.fields
        )

    def __hash__(self) -> int:
        return hash(self.type_name)

    def __repr__(self) -> str:
        return f"GoStruct({self.go_type!r}, {self.fields!r})"


@dataclasses.dataclass(frozen=True)
class GoTime:
    """A Go time.Time: an aware datetime plus the full nanosecond and the zone's abbreviation.

    ``moment`` carries microseconds too (``nanosecond // 1000``) so Python arithmetic stays right;
    ``nanosecond`` is the authority for printing.
    """

    moment: datetime.datetime
    nanosecond: int = 0
    zone: str = "UTC"

    @staticmethod
    def from_datetime(moment: datetime.datetime, *, zone: str | None = None) -> GoTime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        name = zone if zone is not None else (moment.tzname() or "UTC")
        return GoTime(moment=moment, nanosecond=moment.microsecond * 1000, zone=name)

    def unix(self) -> int:
        return int(self.moment.replace(microsecond=0).timestamp())

    def utc_offset_seconds(self) -> int:
        offset = self.moment.utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0


class FuncError(Exception):
    """Raised by a template function; the runtime reports ``error calling <name>: <message>``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclasses.dataclass(frozen=True)
class GoFunc:
    """A template function with its Go signature.

    ``params`` are Go type strings (``"string"``, ``"int"``, ``"int64"``, ``"float64"``, ``"bool"``,
    ``"interface {}"``, ``"[]interface {}"``, ``"[]string"``, ``"map[string]interface {}"``);
    the last may be variadic (``"...interface {}"``, ``"...string"``). The runtime checks and
    converts arguments against them as text/template does, then calls ``fn`` positionally.
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    returns_error: bool = False
    result: str = "interface {}"

    @property
    def variadic(self) -> bool:
        return bool(self.params) and self.params[-1].startswith("...")


# ---------------------------------------------------------------------------------------------
# reflect kinds and %T names


def kind_of(value: Any) -> str:
    """Go's ``reflect.ValueOf(v).Kind().String()``."""
    if value is None or value is NO_VALUE:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, GoInt):
        return "int"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, complex):
        return "complex128"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray | list | tuple):
        return "slice"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, GoStruct):
        return "ptr" if value.pointer else "struct"
    if isinstance(value, GoTime):
        return "struct"
    return "invalid"


def type_of(value: Any) -> str:
    """Go's ``fmt.Sprintf("%T", v)``."""
    if value is None or value is NO_VALUE:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, GoInt):
        return "int"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, complex):
        return "complex128"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray):
        return "[]uint8"
    if isinstance(value, TypedList | TypedMap | GoStruct):
        return value.go_type
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, GoTime):
        return "time.Time"
    return type(value).__name__


def is_zero(value: Any) -> bool:
    """sprig's ``empty``: Go's zero value of the value's own type (nil, "", 0, false, len 0)."""
    if value is None or value is NO_VALUE:
        return True
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float | complex):
        return value == 0
    if isinstance(value, str | bytes | bytearray | list | tuple | dict):
        return len(value) == 0
    if isinstance(value, GoStruct):
        # A struct is never empty to sprig (reflect.Struct → false); a nil pointer is None.
        return False
    return False


def truth(value: Any) -> bool:
    """text/template's truth: the same as "not the zero value" for the kinds templates see."""
    if isinstance(value, GoStruct):
        return True
    if isinstance(value, GoTime):
        return True
    return not is_zero(value)


# ---------------------------------------------------------------------------------------------
# encoding/json


JsonError = gofloat.JsonError


_JSON_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_string(text: str, *, escape_html: bool = True) -> str:
    """Go's json string encoding (HTML-safe by default, as json.Marshal)."""
    out = ['"']
    for ch in text:
        rep = _JSON_ESCAPES.get(ch)
        if rep is not None and (escape_html or ch not in "<>&"):
            out.append(rep)
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def to_json(value: Any, *, pretty: bool = False) -> str:
    """Go's ``json.Marshal`` (or ``MarshalIndent(v, "", "  ")`` when ``pretty``)."""
    return _encode(value, indent="  " if pretty else None, level=0)


def _encode(value: Any, *, indent: str | None, level: int) -> str:
    if value is None or value is NO_VALUE or (isinstance(value, TypedList) and value.nil):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return gofloat.json_float(value)
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, bytes | bytearray):
        return '"' + base64.b64encode(bytes(value)).decode("ascii") + '"'
    if isinstance(value, GoTime):
        return json_string(rfc3339_nano(value))
    if isinstance(value, list | tuple):
        items = [_encode(v, indent=indent, level=level + 1) for v in value]
        return _wrap("[", "]", items, indent=indent, level=level)
    if isinstance(value, dict):
        members = []
        for key in sorted(value, key=str):
            encoded = _encode(value[key], indent=indent, level=level + 1)
            members.append(json_string(str(key)) + (": " if indent else ":") + encoded)
        return _wrap("{", "}", members, indent=indent, level=level)
    if isinstance(value, GoStruct):
        members = []
        for name, field_value in value.fields.items():
            tag = value.json.get(name, JsonField(name))
            if tag.skip or (tag.omitempty and is_zero(field_value)):
                continue
            encoded = _encode(field_value, indent=indent, level=level + 1)
            members.append(json_string(tag.name) + (": " if indent else ":") + encoded)
        return _wrap("{", "}", members, indent=indent, level=level)
    raise JsonError(f"json: unsupported type: {type_of(value)}")


def _wrap(open_: str, close: str, items: list[str], *, indent: str | None, level: int) -> str:
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ",".join(items) + close
    inner = "\n" + indent * (level + 1)
    return open_ + inner + ("," + inner).join(items) + "\n" + indent * level + close


def rfc3339_nano(value: GoTime) -> str:
    """time.RFC3339Nano: fraction without trailing zeros, ``Z`` for UTC, else ``±hh:mm``."""
    m = value.moment
    base = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    frac = f"{value.nanosecond:09d}".rstrip("0")
    offset = value.utc_offset_seconds()
    if offset == 0:
        zone = "Z"
    else:
        sign = "-" if offset < 0 else "+"
        zone = f"{sign}{abs(offset) // 3600:02d}:{abs(offset) % 3600 // 60:02d}"
    return base + ("." + frac if frac else "") + zone


def from_json(text: str) -> Any:
    """Go's json.Unmarshal into interface{}: numbers are float64, as Go decodes them."""
    return json.loads(text, parse_int=float, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")
