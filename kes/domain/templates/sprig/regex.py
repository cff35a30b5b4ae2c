"""sprig's regex functions (v2.22.0) with Go RE2 syntax, run on Python's ``re``.

RE2 and ``re`` agree on most syntax; where they differ kes translates (``\\z``, ``$`` meaning end
of text, ``[[:alpha:]]`` classes, ``\\Q…\\E``, ``(?<name>``) or refuses what RE2 rejects
(backreferences, lookaround) with Go's error text, so a blueprint that fails in Kanister fails in
kes too. Matching is ASCII for ``\\d \\w \\s \\b`` as in RE2. FindAll/ReplaceAll skip an empty
match that abuts the previous match, as Go does and Python does not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any, Final

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define

_POSIX: Final = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


class RegexSyntaxError(ValueError):
    """The pattern is not valid RE2; the message is Go's."""


def _error(*, code: str, fragment: str) -> RegexSyntaxError:
    return RegexSyntaxError(f"error parsing regexp: {code}: `{fragment}`")


def check_backtracking(pattern: str) -> None:
    """Refuse a repeated group that itself repeats (``(a+)+``, ``(\\w*\\s?)*``).

    RE2 runs such patterns in linear time; Python's backtracking engine can take exponential
    time on them, and a template must not be able to stall the controller. This is the one
    pattern family kes refuses although Go accepts it.
    """
    stack: list[bool] = [False]
    closed_inner = False
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        just_closed, closed_inner = closed_inner, False
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            end = i + 1
            if end < n and pattern[end] == "^":
                end += 1
            if end < n and pattern[end] == "]":
                end += 1
            while end < n and pattern[end] != "]":
                end += 2 if pattern[end] == "\\" else 1
            i = end + 1
            continue
        if ch == "(":
            stack.append(False)
        elif ch == ")" and len(stack) > 1:
            inner = stack.pop()
            stack[-1] = stack[-1] or inner
            closed_inner = inner
        elif ch in "*+{":
            if just_closed:
                raise RegexSyntaxError(
                    "error parsing regexp: kes refuses nested repetition, which could "
                    f"backtrack for exponential time: `{pattern}`"
                )
            stack[-1] = True
        i += 1


def translate(pattern: str) -> str:
    """RE2 pattern → equivalent Python pattern, or RegexSyntaxError."""
    check_backtracking(pattern)
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    multiline = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise _error(code="trailing backslash at end of expression", fragment="")
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt.isdigit() and nxt != "0":
                raise _error(code="invalid escape sequence", fragment="\\" + nxt)
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Z":
                raise _error(code="invalid escape sequence", fragment="\\Z")
            elif nxt in "pP":
                raise _error(code="invalid character class range", fragment=pattern[i : i + 3])
            else:
                out.append(ch + nxt)
            i += 2
            continue
        if in_class:
            if ch == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2 : end] if end > 0 else ""
                negate = name.startswith("^")
                key = name[1:] if negate else name
                if key not in _POSIX:
                    raise _error(
                        code="invalid character class range", fragment=pattern[i : end + 2]
                    )
                if negate:
                    raise _error(
                        code="invalid character class range", fragment=pattern[i : end + 2]
                    )
                out.append(_POSIX[key])
                i = end + 2
                continue
            if ch == "]":
                in_class = False
            elif ch == "[":
                out.append("\\[")
                i += 1
                continue
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if ch == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2 : i + 4]
            if rest[:1] in ("=", "!") or rest in ("<=", "<!"):
                raise _error(code="invalid or unsupported Perl syntax", fragment=pattern[i : i + 3])
            if rest[:1] == "<":
                out.append("(?P<")
                i += 3
                continue
            flags = re.match(r"\(\?([imsU-]*)(\)|:)", pattern[i:])
            if flags is not None and "U" in flags.group(1):
                raise _error(code="invalid or unsupported Perl syntax", fragment="(?U")
            if flags is not None and "m" in flags.group(1).split("-")[0]:
                multiline = True
        if ch == "$" and not multiline:
            out.append("\\Z")
            i += 1
            continue
        if ch in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise _error(code="invalid nested repetition operator", fragment=pattern[i : i + 2])
        out.append(ch)
        i += 1
    if in_class:
        raise _error(code="missing closing ]", fragment=pattern[pattern.rfind("[") :])
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_go(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(translate(pattern), re.ASCII)
    except re.error as exc:
        raise RegexSyntaxError(f"error parsing regexp: {exc.msg}: `{pattern}`") from None


def _compile_or_error(pattern: str) -> re.Pattern[str]:
    try:
        return compile_go(pattern)
    except RegexSyntaxError as exc:
        raise values.FuncError(f"regexp: Compile(`{pattern}`): {exc}") from None


def find_all(regex: re.Pattern[str], *, text: str, limit: int) -> Iterator[re.Match[str]]:
    """Go's allMatches: successive matches, dropping empty ones that abut the previous match."""
    count = 0
    prev_end = -1
    for match in regex.finditer(text):
        if limit >= 0 and count >= limit:
            return
        if match.start() == match.end() and match.start() == prev_end:
            continue
        prev_end = match.end()
        count += 1
        yield match


def expand(template: str, *, match: re.Match[str]) -> str:
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
        if template[i + 1] == "{":
            end = template.find("}", i + 2)
            name = template[i + 2 : end] if end > 0 else ""
            if end < 0 or not re.fullmatch(r"\w+", name, re.ASCII):
                out.append(ch)
                i += 1
                continue
            i = end + 1
        else:
            named = re.match(r"\w+", template[i + 1 :], re.ASCII)
            if named is None:
                out.append(ch)
                i += 1
                continue
            name = named.group(0)
            i += 1 + len(name)
        out.append(_group(match, name=name))
    return "".join(out)


def _group(match: re.Match[str], *, name: str) -> str:
    try:
        key: int | str = int(name) if name.isdigit() else name
        return match.group(key) or ""
    except IndexError:
        return ""


@define("regexMatch", params=("string", "string"), result="bool")
def regex_match(pattern: str, text: str) -> bool:
    try:
        return compile_go(pattern).search(text) is not None
    except RegexSyntaxError:
        # sprig v2 ignores the compile error and answers false.
        return False


@define("regexFindAll", params=("string", "string", "int"), result="[]string")
def regex_find_all(pattern: str, text: str, limit: int) -> Any:
    regex = _compile_or_error(pattern)
    return values.TypedList(
        (m.group(0) for m in find_all(regex, text=text, limit=limit)), elem_type="string"
    )


@define("regexFind", params=("string", "string"), result="string")
def regex_find(pattern: str, text: str) -> str:
    match = _compile_or_error(pattern).search(text)
    return match.group(0) if match else ""


@define("regexReplaceAll", params=("string", "string", "string"), result="string")
def regex_replace_all(pattern: str, text: str, replacement: str) -> str:
    return _replace(pattern, text=text, render=lambda m: expand(replacement, match=m))


@define("regexReplaceAllLiteral", params=("string", "string", "string"), result="string")
def regex_replace_all_literal(pattern: str, text: str, replacement: str) -> str:
    return _replace(pattern, text=text, render=lambda _m: replacement)


def _replace(pattern: str, *, text: str, render: Any) -> str:
    regex = _compile_or_error(pattern)
    out: list[str] = []
    last = 0
    total = 0
    for match in find_all(regex, text=text, limit=-1):
        piece = render(match)
        total += match.start() - last + len(piece)
        registry.check_size(total, what="regexReplaceAll result")
        out.append(text[last : match.start()])
        out.append(piece)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


@define("regexSplit", params=("string", "string", "int"), result="[]string")
def regex_split(pattern: str, text: str, limit: int) -> Any:
    regex = _compile_or_error(pattern)
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
