"""Go's strconv quoting (Quote, QuoteToASCII, QuoteRune) for ``%q`` and sprig's ``quote``.

Go escapes by Unicode printability (``unicode.IsPrint``) with ``\\a \\b … \\xHH \\uHHHH``
forms that differ from Python's ``repr``; templates that quote values must match byte for byte.
"""

from __future__ import annotations

import unicodedata
from typing import Final


def quote(text: str, *, ascii_only: bool = False) -> str:
    """strconv.Quote (or QuoteToASCII)."""
    out = ['"']
    for ch in text:
        out.append(_quote_rune(ch, quote='"', ascii_only=ascii_only))
    out.append('"')
    return "".join(out)


def quote_rune(code: int) -> str:
    """strconv.QuoteRune."""
    if code < 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        code = 0xFFFD
    return "'" + _quote_rune(chr(code), quote="'", ascii_only=False) + "'"


def can_backquote(text: str) -> bool:
    return all(ch == "\t" or (ch != "`" and ord(ch) >= 0x20 and ch != "\x7f") for ch in text)


def safe_chr(code: int) -> str:
    if code < 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def printable(ch: str) -> bool:
    if ch == " ":
        return True
    return unicodedata.category(ch)[0] in "LMNPS"


_SHORT_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def _quote_rune(ch: str, *, quote: str, ascii_only: bool) -> str:
    if ch == quote or ch == "\\":
        return "\\" + ch
    code = ord(ch)
    if ascii_only:
        if code < 0x80 and printable(ch):
            return ch
    elif printable(ch):
        return ch
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return "\\ufffd"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
