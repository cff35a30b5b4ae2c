"""sprig's string functions (v2.22.0): case, trimming, padding, wrapping, quoting, splitting.

Go strings are byte sequences; kes strings are Python text. Functions that Go indexes by byte
(``substr``, ``trunc``) index the UTF-8 bytes here too, so multi-byte text cuts where Go's does.
"""

from __future__ import annotations

import random
import secrets
import string
from typing import Any, Final

from kes.domain.templates import gofmt, goquote, values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define


def _byte_cut(text: str, start: int, end: int | None = None) -> str:
    raw = text.encode("utf-8")
    if start < 0 or (end is not None and (end < start or end > len(raw))) or start > len(raw):
        bound = end if end is not None else len(raw)
        raise values.FuncError(f"runtime error: slice bounds out of range [{start}:{bound}]")
    return raw[start:end].decode("utf-8", "replace")


def go_is_space(ch: str) -> bool:
    return ch in "\t\n\v\f\r \x85\xa0" or (ord(ch) > 0xFF and ch.isspace())


def _go_trim_space(text: str) -> str:
    start, end = 0, len(text)
    while start < end and go_is_space(text[start]):
        start += 1
    while end > start and go_is_space(text[end - 1]):
        end -= 1
    return text[start:end]


define("trim", params=("string",), result="string")(_go_trim_space)


@define("substr", params=("int", "int", "string"), result="string")
def substr(start: int, end: int, text: str) -> str:
    size = len(text.encode("utf-8"))
    if start < 0:
        return _byte_cut(text, 0, end)
    if end < 0 or end > size:
        return _byte_cut(text, start)
    return _byte_cut(text, start, end)


@define("repeat", params=("int", "string"), result="string")
def repeat(count: int, text: str) -> str:
    if count < 0:
        raise values.FuncError("strings: negative Repeat count")
    registry.check_size(count * len(text), what="repeat")
    return text * count


@define("trimAll", params=("string", "string"), result="string")
def trim_all(cutset: str, text: str) -> str:
    return text.strip(cutset) if cutset else text


TABLE.alias("trimall", existing="trimAll")


@define("trimSuffix", params=("string", "string"), result="string")
def trim_suffix(suffix: str, text: str) -> str:
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


@define("trimPrefix", params=("string", "string"), result="string")
def trim_prefix(prefix: str, text: str) -> str:
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


# Bytes that are spaces to Go's unicode.IsSpace when read as runes U+0000–U+00FF.
_LATIN1_SPACES: Final = frozenset(b"\t\n\v\f\r \x85\xa0")


@define("nospace", params=("string",), result="string")
def nospace(text: str) -> str:
    # goutils.DeleteWhiteSpace (v1.1.1) walks the UTF-8 bytes, reads each byte as the rune of
    # the same number and writes the kept ones back as runes: multi-byte characters survive only
    # when nothing is removed, and a removal turns them into Latin-1 mojibake, as in Kanister.
    raw = text.encode("utf-8", "surrogatepass")
    kept = bytes(b for b in raw if b not in _LATIN1_SPACES)
    return text if len(kept) == len(raw) else kept.decode("latin-1")


@define("initials", params=("string",), result="string")
def initials(text: str) -> str:
    out = []
    prev_space = True
    for ch in text:
        if go_is_space(ch):
            prev_space = True
        elif prev_space:
            out.append(ch)
            prev_space = False
    return "".join(out)


@define("shuffle", params=("string",), result="string")
def shuffle(text: str) -> str:
    chars = list(text)
    random.SystemRandom().shuffle(chars)
    return "".join(chars)


@define("wrap", params=("int", "string"), result="string")
def wrap(width: int, text: str) -> str:
    return _wrap_custom(text, width=width, newline="\n", wrap_long=False)


@define("wrapWith", params=("int", "string", "string"), result="string")
def wrap_with(width: int, sep: str, text: str) -> str:
    return _wrap_custom(text, width=width, newline=sep, wrap_long=True)


def _wrap_custom(text: str, *, width: int, newline: str, wrap_long: bool) -> str:
    """goutils.WrapCustom (Apache commons WordUtils.wrap)."""
    if not text:
        return ""
    newline = newline or "\n"
    width = max(width, 1)
    # Every break is at a space or a forced cut each ``width`` characters.
    breaks = text.count(" ") + len(text) // width + 1
    registry.check_size(len(text) + breaks * len(newline), what="wrap")
    out: list[str] = []
    offset = 0
    length = len(text)
    while length - offset > width:
        if text[offset] == " ":
            offset += 1
            continue
        space_at = text.rfind(" ", offset, width + offset + 1)
        if space_at >= offset:
            out.append(text[offset:space_at] + newline)
            offset = space_at + 1
        elif wrap_long:
            out.append(text[offset : offset + width] + newline)
            offset += width
        else:
            index = text.find(" ", width + offset)
            if index == -1:
                out.append(text[offset:])
                offset = length
            else:
                out.append(text[offset:index] + newline)
                offset = index + 1
    out.append(text[offset:])
    return "".join(out)


@define("contains", params=("string", "string"), result="bool")
def contains(sub: str, text: str) -> bool:
    return sub in text


@define("hasPrefix", params=("string", "string"), result="bool")
def has_prefix(prefix: str, text: str) -> bool:
    return text.startswith(prefix)


@define("hasSuffix", params=("string", "string"), result="bool")
def has_suffix(suffix: str, text: str) -> bool:
    return text.endswith(suffix)


@define("quote", params=("...interface {}",), result="string")
def quote(*items: Any) -> str:
    return " ".join(goquote.quote(registry.strval(v)) for v in items if v is not None)


@define("squote", params=("...interface {}",), result="string")
def squote(*items: Any) -> str:
    return " ".join("'" + registry.strval(v) + "'" for v in items if v is not None)


@define("cat", params=("...interface {}",), result="string")
def cat(*items: Any) -> str:
    return " ".join(gofmt.format_value(v) for v in items if v is not None)


@define("indent", params=("int", "string"), result="string")
def indent(spaces: int, text: str) -> str:
    if spaces < 0:
        raise values.FuncError("strings: negative Repeat count")
    pad = " " * spaces
    registry.check_size(len(pad) * (text.count("\n") + 1) + len(text), what="indent")
    return pad + text.replace("\n", "\n" + pad)


@define("nindent", params=("int", "string"), result="string")
def nindent(spaces: int, text: str) -> str:
    return "\n" + indent(spaces, text)


@define("replace", params=("string", "string", "string"), result="string")
def replace(old: str, new: str, text: str) -> str:
    if old == "":
        # Go inserts ``new`` around every rune when old is empty.
        registry.check_size(len(new) * (len(text) + 1) + len(text), what="replace")
        return new + new.join(text) + new if text else new
    growth = text.count(old) * (len(new) - len(old))
    registry.check_size(len(text) + growth, what="replace")
    return text.replace(old, new)


@define("plural", params=("string", "string", "int"), result="string")
def plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


@define("trunc", params=("int", "string"), result="string")
def trunc(count: int, text: str) -> str:
    if len(text.encode("utf-8")) <= count:
        return text
    return _byte_cut(text, 0, count)


@define("abbrev", params=("int", "string"), result="string")
def abbrev(width: int, text: str) -> str:
    if width < 4:
        return text
    return _abbreviate_full(text, offset=0, width=width)


@define("abbrevboth", params=("int", "int", "string"), result="string")
def abbrevboth(left: int, right: int, text: str) -> str:
    if right < 4 or (left > 0 and right < 7):
        return text
    return _abbreviate_full(text, offset=left, width=right)


def _abbreviate_full(text: str, *, offset: int, width: int) -> str:
    if not text:
        return ""
    if len(text) <= width:
        return text
    offset = min(offset, len(text))
    if len(text) - offset < width - 3:
        offset = len(text) - (width - 3)
    if offset <= 4:
        return text[: width - 3] + "..."
    if offset + width - 3 < len(text):
        return "..." + _abbreviate_full(text[offset:], offset=0, width=width - 3)
    return "..." + text[len(text) - (width - 3) :]


def _random_from(alphabet: str, count: int) -> str:
    if count < 0:
        # goutils reports an error that sprig drops: the result is just empty.
        return ""
    registry.check_size(count, what="random string")
    return "".join(secrets.choice(alphabet) for _ in range(count))


@define("randAlphaNum", params=("int",), result="string")
def rand_alpha_num(count: int) -> str:
    return _random_from(string.ascii_letters + string.digits, count)


@define("randAlpha", params=("int",), result="string")
def rand_alpha(count: int) -> str:
    return _random_from(string.ascii_letters, count)


@define("randAscii", params=("int",), result="string")
def rand_ascii(count: int) -> str:
    return _random_from("".join(chr(c) for c in range(32, 127)), count)


@define("randNumeric", params=("int",), result="string")
def rand_numeric(count: int) -> str:
    return _random_from(string.digits, count)


@define("hello", params=(), result="string")
def hello() -> str:
    return "Hello!"


FUNCS = TABLE.funcs
