"""sprig's regex functions (v2.22.0) on RE2, the engine Go's regexp package implements.

Go's regexp and the RE2 library (the ``google-re2`` wheel) share one syntax and one guarantee:
matching takes time linear in the input, so no pattern can stall a controller worker (Python's
backtracking ``re`` takes exponential time on ``^(a|a)*$``, and a render's time budget cannot
interrupt a match in progress). Where the two differ, kes follows Go: ``\\C`` is refused, error
texts are Go's (``error parsing regexp: missing closing ): `a(```), FindAll and ReplaceAll skip
an empty match that abuts the previous match, and ``$name`` in a replacement ends where Go's
``Regexp.Expand`` ends it.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterator
from typing import Any, Final

import re2

from kes.domain.templates import goquote, values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define

# RE2's error codes (re2.cc kErrorStrings) → Go's regexp/syntax ErrorCode texts.
_GO_CODES: Final = {
    "unexpected error": "regexp/syntax: internal error",
    "invalid escape sequence": "invalid escape sequence",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "missing ]": "missing closing ]",
    "missing )": "missing closing )",
    "unexpected )": "unexpected )",
    "trailing \\": "trailing backslash at end of expression",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid repetition size": "invalid repeat count",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid UTF-8": "invalid UTF-8",
    "invalid named capture group": "invalid named capture",
    "pattern too large - compile failed": "expression too large",
}

_OPTIONS: Final = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr


class RegexSyntaxError(ValueError):
    """The pattern is not valid Go regexp syntax; the message is Go's."""


def _error(*, code: str, fragment: str) -> RegexSyntaxError:
    return RegexSyntaxError(f"error parsing regexp: {code}: `{fragment}`")


def _check_go_only_rules(pattern: str) -> None:
    """What Go refuses although RE2 accepts it."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in pattern):
        raise _error(code="invalid UTF-8", fragment=pattern)
    i = 0
    while i < len(pattern) - 1:
        if pattern[i] != "\\":
            i += 1
            continue
        follower = pattern[i + 1]
        if follower == "Q":  # \Q…\E is literal text, escapes included
            end = pattern.find("\\E", i + 2)
            if end < 0:
                return
            i = end + 2
            continue
        if follower == "C":  # any byte: RE2 has it, Go does not
            raise _error(code="invalid escape sequence", fragment="\\C")
        i += 2


@functools.lru_cache(maxsize=256)
def compile_go(pattern: str) -> Any:
    """The RE2 program of a Go pattern, or RegexSyntaxError with Go's message."""
    _check_go_only_rules(pattern)
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise _go_error(exc, pattern=pattern) from None


def _go_error(exc: Exception, *, pattern: str) -> RegexSyntaxError:
    raw = exc.args[0] if exc.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    code, _, fragment = text.partition(": ")
    if code == "invalid perl operator" and fragment in ("(?<=", "(?<!"):
        # RE2 names lookbehind; Go (1.22+) reads "(?<" as a named capture and reports the
        # text up to the first ">" (or the rest of the pattern) as an invalid name.
        rest = pattern[_first_group_at(pattern, fragment) :]
        end = rest.find(">")
        return _error(code="invalid named capture", fragment=rest if end < 0 else rest[: end + 1])
    return _error(code=_GO_CODES.get(code, code), fragment=fragment)


def _first_group_at(pattern: str, head: str) -> int:
    """Index of the first `head` outside escapes, ``\\Q…\\E`` and character classes."""
    i, n = 0, len(pattern)
    while i < n:
        if pattern.startswith("\\Q", i):
            end = pattern.find("\\E", i + 2)
            if end < 0:
                break
            i = end + 2
        elif pattern[i] == "\\":
            i += 2
        elif pattern[i] == "[":
            i = _class_end(pattern, i)
        elif pattern.startswith(head, i):
            return i
        else:
            i += 1
    return 0


def _class_end(pattern: str, start: int) -> int:
    """Index just past the ``]`` closing the class at `start` (a leading ``]`` is literal)."""
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        if pattern.startswith("[:", i) and (end := pattern.find(":]", i + 2)) >= 0:
            i = end + 2
            continue
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _compile_or_error(pattern: str) -> Any:
    # sprig calls regexp.MustCompile; text/template turns its panic into this error.
    try:
        return compile_go(pattern)
    except RegexSyntaxError as exc:
        shown = f"`{pattern}`" if goquote.can_backquote(pattern) else goquote.quote(pattern)
        raise values.FuncError(f"regexp: Compile({shown}): {exc}") from None


def _text(text: str) -> str:
    # Go strings may hold invalid UTF-8, which matching reads as U+FFFD; a Python string's lone
    # surrogates cannot be encoded for RE2, so they become U+FFFD too (offsets are unchanged).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text


def find_all(regex: Any, *, text: str, limit: int) -> Iterator[Any]:
    """Go's allMatches: successive matches, dropping empty ones that abut the previous match.

    RE2's finditer already advances as Go does (past a non-empty match, or one character past
    an empty one); Go also drops an empty match that starts where the previous match ended.
    """
    count = 0
    prev_end = -1
    for match in regex.finditer(text):
        if limit >= 0 and count >= limit:
            return
        start, end = match.span()
        if start == end and start == prev_end:
            continue
        prev_end = end
        count += 1
        yield match


def expand(template: str, *, match: Any) -> str:
    """Regexp.Expand: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; unknown groups are empty."""
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        if template[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        braced = template[i + 1] == "{"
        start = i + 2 if braced else i + 1
        end = start
        while end < n and _is_name_char(template[end]):
            end += 1
        name = template[start:end]
        if not name or (braced and (end >= n or template[end] != "}")):
            out.append(ch)  # malformed: the $ is literal text
            i += 1
            continue
        i = end + 1 if braced else end
        out.append(_group(match, name=name))
    return "".join(out)


def _is_name_char(ch: str) -> bool:
    # Go's extract: unicode.IsLetter, unicode.IsDigit or '_'.
    return ch == "_" or ch.isalpha() or unicodedata.category(ch) == "Nd"


def _group(match: Any, *, name: str) -> str:
    key: int | str = int(name) if name.isascii() and name.isdigit() else name
    try:
        return str(match.group(key) or "")
    except IndexError:
        return ""


@define("regexMatch", params=("string", "string"), result="bool")
def regex_match(pattern: str, text: str) -> bool:
    try:
        return compile_go(pattern).search(_text(text)) is not None
    except RegexSyntaxError:
        # sprig v2 ignores the compile error and answers false.
        return False


@define("regexFindAll", params=("string", "string", "int"), result="[]string")
def regex_find_all(pattern: str, text: str, limit: int) -> Any:
    regex = _compile_or_error(pattern)
    return values.TypedList(
        (m.group(0) for m in find_all(regex, text=_text(text), limit=limit)), elem_type="string"
    )


@define("regexFind", params=("string", "string"), result="string")
def regex_find(pattern: str, text: str) -> str:
    match = _compile_or_error(pattern).search(_text(text))
    return str(match.group(0)) if match else ""


@define("regexReplaceAll", params=("string", "string", "string"), result="string")
def regex_replace_all(pattern: str, text: str, replacement: str) -> str:
    return _replace(pattern, text=text, render=lambda m: expand(replacement, match=m))


@define("regexReplaceAllLiteral", params=("string", "string", "string"), result="string")
def regex_replace_all_literal(pattern: str, text: str, replacement: str) -> str:
    return _replace(pattern, text=text, render=lambda _m: replacement)


def _replace(pattern: str, *, text: str, render: Any) -> str:
    regex = _compile_or_error(pattern)
    text = _text(text)
    out: list[str] = []
    last = 0
    total = 0
    for match in find_all(regex, text=text, limit=-1):
        start, end = match.span()
        piece = render(match)
        total += start - last + len(piece)
        registry.check_size(total, what="regexReplaceAll result")
        out.append(text[last:start])
        out.append(piece)
        last = end
    out.append(text[last:])
    return "".join(out)


@define("regexSplit", params=("string", "string", "int"), result="[]string")
def regex_split(pattern: str, text: str, limit: int) -> Any:
    regex = _compile_or_error(pattern)
    text = _text(text)
    if limit == 0:
        return values.TypedList([], elem_type="string")
    if pattern and text == "":
        return values.TypedList([""], elem_type="string")
    parts: list[str] = []
    begin = end = 0
    for match in find_all(regex, text=text, limit=limit):
        if limit > 0 and len(parts) == limit - 1:
            break
        end = match.start()
        if match.end() != 0:
            parts.append(text[begin:end])
        begin = match.end()
    if end != len(text):
        parts.append(text[begin:])
    return values.TypedList(parts, elem_type="string")


FUNCS = TABLE.funcs
