"""Go's fmt package for template values: ``%v`` printing and ``Sprintf``/``Sprint``/``Sprintln``.

Blueprints print values with ``{{ .X }}`` (fmt's ``%v``) and ``printf``; users rely on Go's exact
output (``map[a:1 b:2]``, ``1e+06``, ``%!d(string=x)``), so this module reproduces fmt's verbs,
flags, width/precision and its in-band error forms rather than Python's formatting rules.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Final

from kes.domain.templates import gofloat, goquote, values

_FLAGS: Final = "+-# 0"
_MAX_WIDTH: Final = 1_000_000


@dataclasses.dataclass
class _Spec:
    verb: str = "v"
    plus: bool = False
    minus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    plus_v: bool = False
    width: int | None = None
    prec: int | None = None


# Shared and never mutated: formatting derives changed specs with dataclasses.replace.
_DEFAULT_SPEC: Final = _Spec()

# ---------------------------------------------------------------------------------------------
# public API


def format_value(value: Any) -> str:
    """fmt's ``%v`` of one value."""
    # Strings are what templates print most; skip the verb machinery for them.
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is int or kind is values.GoInt:
        return str(int(value))
    return _format(_DEFAULT_SPEC, value, depth=0)


def sprint(*args: Any) -> str:
    """fmt.Sprint: spaces only between operands when neither side is a string."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if i > 0 and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(format_value(arg))
    return "".join(out)


def sprintln(*args: Any) -> str:
    """fmt.Sprintln: always spaces between operands, and a trailing newline."""
    return " ".join(format_value(a) for a in args) + "\n"


def sprintf(fmt: str, *args: Any) -> str:
    """fmt.Sprintf with Go's verbs, flags and error forms (``%!d(string=x)``, ``%!(EXTRA …)``)."""
    out: list[str] = []
    argi = 0
    i = 0
    n = len(fmt)
    while i < n:
        j = fmt.find("%", i)
        if j < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:j])
        i = j + 1
        spec = _Spec()
        while i < n and fmt[i] in _FLAGS:
            flag = fmt[i]
            spec.plus |= flag == "+"
            spec.minus |= flag == "-"
            spec.sharp |= flag == "#"
            spec.space |= flag == " "
            spec.zero |= flag == "0"
            i += 1
        # Width, possibly from an argument.
        bad_width = False
        if i < n and fmt[i] == "*":
            i += 1
            width, ok, argi = _int_arg(args, argi)
            if not ok:
                bad_width = True
            elif width < 0:
                spec.minus, spec.width = True, -width
            else:
                spec.width = width
        else:
            width, present, i = _parse_num(fmt, start=i)
            if present:
                spec.width = width
        bad_prec = False
        if i < n and fmt[i] == ".":
            i += 1
            if i < n and fmt[i] == "*":
                i += 1
                prec, ok, argi = _int_arg(args, argi)
                if not ok or prec < 0:
                    bad_prec = True
                else:
                    spec.prec = prec
            else:
                prec, _, i = _parse_num(fmt, start=i)
                spec.prec = prec
        if bad_width:
            out.append("%!(BADWIDTH)")
        if bad_prec:
            out.append("%!(BADPREC)")
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        spec.verb = verb
        if verb == "v" and spec.plus:
            # fmt turns %+v into "print field names" and drops the sign flag.
            spec.plus, spec.plus_v = False, True
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argi]
        argi += 1
        if verb == "T":
            out.append(_pad(spec, values.type_of(arg)))
        elif verb == "v" and spec.sharp:
            out.append(_pad(spec, go_syntax(arg)))
        else:
            out.append(_format(spec, arg, depth=0))
    if argi < len(args):
        extra = ", ".join(_extra(a) for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def format_time(value: values.GoTime) -> str:
    """time.Time.String(): ``2006-01-02 15:04:05.999999999 -0700 MST``."""
    m = value.moment
    # strftime's %Y drops the zero padding of years below 1000 (Go's zero time is year 1).
    base = f"{m.year:04d}-{m.month:02d}-{m.day:02d} {m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    frac = f"{value.nanosecond:09d}".rstrip("0")
    offset = value.utc_offset_seconds()
    sign = "-" if offset < 0 else "+"
    hours, minutes = abs(offset) // 3600, abs(offset) % 3600 // 60
    numeric = f"{sign}{hours:02d}{minutes:02d}"
    # A fixed zone without a name prints its offset twice, as Go's does.
    zone = value.zone or numeric
    return f"{base}{'.' + frac if frac else ''} {numeric} {zone}"


# ---------------------------------------------------------------------------------------------
# internals


def _too_large(number: int) -> bool:
    # fmt refuses widths and precisions beyond a million ("crazy long number most likely"),
    # which also keeps a template from asking for a gigabyte of padding.
    return number > _MAX_WIDTH or number < -_MAX_WIDTH


def _parse_num(fmt: str, *, start: int) -> tuple[int, bool, int]:
    """fmt's parsenum: ASCII digits from ``start``; on overflow the rest of the format is eaten."""
    number = 0
    i = start
    while i < len(fmt) and "0" <= fmt[i] <= "9":
        if _too_large(number):
            return 0, False, len(fmt)
        number = number * 10 + ord(fmt[i]) - 48
        i += 1
    return number, i > start, i


def _int_arg(args: tuple[Any, ...], argi: int) -> tuple[int, bool, int]:
    if argi >= len(args):
        return 0, False, argi
    arg = args[argi]
    if isinstance(arg, int) and not isinstance(arg, bool) and not _too_large(int(arg)):
        return int(arg), True, argi + 1
    return 0, False, argi + 1


def _extra(arg: Any) -> str:
    if arg is None:
        return "<nil>"
    return f"{values.type_of(arg)}={format_value(arg)}"


def _bad_verb(spec: _Spec, value: Any) -> str:
    if value is None:
        return f"%!{spec.verb}(<nil>)"
    return f"%!{spec.verb}({values.type_of(value)}={format_value(value)})"


def _pad(spec: _Spec, text: str, *, numeric: bool = False) -> str:
    if spec.width is None or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero:
        if numeric and text and text[0] in "+- ":
            return text[0] + "0" * fill + text[1:]
        return "0" * fill + text
    return " " * fill + text


def _format(spec: _Spec, value: Any, *, depth: int) -> str:
    verb = spec.verb
    if value is values.NO_VALUE:
        return _pad(spec, "<no value>")
    if value is None:
        if verb == "v":
            return _pad(spec, "<nil>")
        return _bad_verb(spec, value)
    if isinstance(value, values.GoTime):
        if verb in "vs":
            return _pad(spec, format_time(value))
        if verb == "q":
            return _pad(spec, goquote.quote(format_time(value)))
        return _bad_verb(spec, value)
    if isinstance(value, bool):
        if verb in "tv":
            return _pad(spec, "true" if value else "false")
        return _bad_verb(spec, value)
    if isinstance(value, int):
        return _format_int(spec, int(value), value)
    if isinstance(value, float):
        return _format_float(spec, value)
    if isinstance(value, complex):
        # fmtComplex: "(real imag i)", the imaginary part always signed, each part formatted alone.
        if verb not in "vbgGxXfFeE":
            return _bad_verb(spec, value)
        real = _format_float(spec, value.real)
        imag = _format_float(dataclasses.replace(spec, plus=True), value.imag)
        return f"({real}{imag}i)"
    if isinstance(value, str):
        return _format_string(spec, value, value)
    if isinstance(value, bytes | bytearray):
        if verb in "sqxX":
            return _format_string(spec, bytes(value).decode("utf-8", "replace"), value)
        return "[" + " ".join(_format(spec, b, depth=depth + 1) for b in value) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(_format(spec, v, depth=depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        items = [
            f"{_format(spec, k, depth=depth + 1)}:{_format(spec, value[k], depth=depth + 1)}"
            for k in sorted(value, key=str)
        ]
        return "map[" + " ".join(items) + "]"
    if isinstance(value, values.GoStruct) and value.stringer is not None:
        if verb in "vs":
            return _pad(spec, value.stringer)
        if verb == "q":
            return _pad(spec, goquote.quote(value.stringer))
    if isinstance(value, values.GoStruct):
        parts = []
        for name, field in value.fields.items():
            text = _format(spec, field, depth=depth + 1)
            parts.append(f"{name}:{text}" if spec.plus_v else text)
        return ("&" if value.pointer else "") + "{" + " ".join(parts) + "}"
    return _pad(spec, str(value))


def _format_int(spec: _Spec, number: int, original: Any) -> str:
    verb = spec.verb
    if verb == "c":
        return _pad(spec, goquote.safe_chr(number))
    if verb == "q":
        return _pad(spec, goquote.quote_rune(number))
    if verb == "U":
        text = f"U+{number:04X}" if number >= 0 else f"U+{number & 0xFFFFFFFFFFFFFFFF:04X}"
        if spec.sharp and 0 <= number <= 0x10FFFF and goquote.printable(goquote.safe_chr(number)):
            text += f" '{goquote.safe_chr(number)}'"
        return _pad(spec, text)
    bases = {"d": 10, "v": 10, "b": 2, "o": 8, "O": 8, "x": 16, "X": 16}
    if verb not in bases:
        return _bad_verb(spec, original)
    digits = _digits(abs(number), bases[verb])
    if verb == "X":
        digits = digits.upper()
    if spec.prec is not None:
        digits = "" if spec.prec == 0 and number == 0 else digits.rjust(spec.prec, "0")
    prefix = ""
    if verb == "O":
        prefix = "0o"
    elif spec.sharp:
        prefix = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb, "")
        if verb == "o" and digits.startswith("0"):
            prefix = ""
    sign = "-" if number < 0 else ("+" if spec.plus else (" " if spec.space else ""))
    body = prefix + digits
    if spec.zero and not spec.minus and spec.prec is None and spec.width is not None:
        body = body.rjust(spec.width - len(sign), "0")
        return sign + body
    return _pad(dataclasses.replace(spec, zero=False), sign + body)


def _digits(number: int, base: int) -> str:
    if base == 10:
        return str(number)
    if base == 16:
        return format(number, "x")
    if base == 8:
        return format(number, "o")
    return format(number, "b")


def _format_float(spec: _Spec, number: float) -> str:
    verb = spec.verb
    if verb not in "vgGeEfFxXb":
        return _bad_verb(spec, number)
    if math.isnan(number) or math.isinf(number):
        # fmt always signs infinities; NaN gets a sign only when asked for.
        text = "NaN" if math.isnan(number) else ("+Inf" if number > 0 else "-Inf")
        if math.isinf(number) and number > 0 and spec.space and not spec.plus:
            text = " Inf"
        if math.isnan(number) and (spec.plus or spec.space):
            text = ("+" if spec.plus else " ") + text
        return _pad(dataclasses.replace(spec, zero=False), text)
    if verb in "vgG" and spec.prec is None:
        text = gofloat.format_float_g(number)
        if verb == "G":
            text = text.upper()
    elif verb in "gG":
        text = format(number, f".{max(spec.prec or 0, 1)}{verb.lower()}")
        if verb == "G":
            text = text.upper()
    elif verb in "eE":
        text = format(number, f".{6 if spec.prec is None else spec.prec}{verb}")
    elif verb in "fF":
        text = format(number, f".{6 if spec.prec is None else spec.prec}f")
    elif verb == "b":
        mant, exp = math.frexp(number)
        text = f"{int(mant * (1 << 53))}p{exp - 53:+d}"
    else:
        text = _hex_float(number)
        if verb == "X":
            text = text.upper()
    if spec.plus and not text.startswith("-"):
        text = "+" + text
    elif spec.space and not text.startswith("-"):
        text = " " + text
    return _pad(spec, text, numeric=True)


def _hex_float(number: float) -> str:
    """strconv's 'x' format: ``0x1.8p+00`` (no trailing zeros, two-digit exponent)."""
    mantissa, _, exponent = abs(number).hex().partition("p")
    mantissa = mantissa.rstrip("0").rstrip(".")
    sign = "-" if number < 0 or math.copysign(1.0, number) < 0 else ""
    exp = int(exponent)
    return f"{sign}{mantissa}p{'-' if exp < 0 else '+'}{abs(exp):02d}"


def go_syntax(value: Any, *, nested: bool = False) -> str:
    """fmt's ``%#v``: a Go-syntax representation of the value."""
    if value is None or value is values.NO_VALUE:
        return "interface {}(nil)" if nested else "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return gofloat.format_float_g(value)
    if isinstance(value, str):
        return goquote.quote(value)
    if isinstance(value, bytes | bytearray):
        return "[]byte{" + ", ".join(f"0x{b:x}" for b in value) + "}"
    if isinstance(value, values.TypedList) and value.nil:
        return values.type_of(value) + "(nil)"
    if isinstance(value, list | tuple):
        items = [go_syntax(v, nested=True) for v in value]
        return values.type_of(value) + "{" + ", ".join(items) + "}"
    if isinstance(value, dict):
        items = [
            f"{goquote.quote(str(k))}:{go_syntax(value[k], nested=True)}"
            for k in sorted(value, key=str)
        ]
        return values.type_of(value) + "{" + ", ".join(items) + "}"
    if isinstance(value, values.GoStruct):
        fields = ", ".join(f"{k}:{go_syntax(v, nested=True)}" for k, v in value.fields.items())
        return ("&" if value.pointer else "") + value.type_name + "{" + fields + "}"
    return format_value(value)


def _format_string(spec: _Spec, text: str, original: Any) -> str:
    verb = spec.verb
    if verb in "sv":
        if spec.prec is not None:
            text = text[: spec.prec]
        return _pad(spec, text)
    if verb == "q":
        if spec.prec is not None:
            text = text[: spec.prec]
        if spec.sharp and goquote.can_backquote(text):
            return _pad(spec, "`" + text + "`")
        return _pad(spec, goquote.quote(text, ascii_only=spec.plus))
    if verb in "xX":
        raw = original if isinstance(original, bytes | bytearray) else text.encode("utf-8")
        if spec.prec is not None:
            raw = raw[: spec.prec]
        pieces = [format(b, "02x") for b in raw]
        if verb == "X":
            pieces = [p.upper() for p in pieces]
        prefix = ("0X" if verb == "X" else "0x") if spec.sharp else ""
        if spec.space:
            return _pad(spec, " ".join(prefix + p for p in pieces))
        return _pad(spec, prefix + "".join(pieces))
    return _bad_verb(spec, original)
