"""sprig's case functions (v2.22.0): upper, lower, title, untitle, swapcase, snake/kebab/camel.

Go maps case rune by rune with Unicode's simple mappings (``ß`` stays ``ß`` in ``upper``, a final
``Σ`` lowers to ``σ``); Python's ``str.upper``/``lower`` use full, context-sensitive mappings, so
kes maps each rune itself. The word-splitting rules of snake/kebab/camel are huandu/xstrings'.
"""

from __future__ import annotations

import unicodedata

from kes.domain.templates.sprig import registry, strings

TABLE = registry.Table()
define = TABLE.define


def rune_upper(ch: str) -> str:
    """unicode.ToUpper: Go maps rune to rune; Python's full mapping may grow (ß → SS)."""
    mapped = ch.upper()
    return mapped if len(mapped) == 1 else ch


def rune_lower(ch: str) -> str:
    """unicode.ToLower: rune to rune (İ → i, where Python adds a combining dot)."""
    mapped = ch.lower()
    return mapped if len(mapped) == 1 else mapped[0]


def rune_title(ch: str) -> str:
    mapped = ch.title()
    return mapped if len(mapped) == 1 else ch


@define("upper", params=("string",), result="string")
def upper(text: str) -> str:
    if text.isascii():
        return text.upper()
    return "".join(rune_upper(ch) for ch in text)


@define("lower", params=("string",), result="string")
def lower(text: str) -> str:
    # Per rune, so a final sigma stays σ as in Go rather than Python's context-sensitive ς.
    if text.isascii():
        return text.lower()
    return "".join(rune_lower(ch) for ch in text)


@define("title", params=("string",), result="string")
def title(text: str) -> str:
    out = []
    prev = " "
    for ch in text:
        out.append(rune_title(ch) if _is_separator(prev) else ch)
        prev = ch
    return "".join(out)


def _is_separator(ch: str) -> bool:
    if ord(ch) <= 0x7F:
        return not (ch.isalnum() or ch == "_")
    if unicodedata.category(ch)[0] in "LN":
        return False
    return strings.go_is_space(ch)


@define("untitle", params=("string",), result="string")
def untitle(text: str) -> str:
    out = []
    prev_space = True
    for ch in text:
        out.append(rune_lower(ch) if prev_space else ch)
        prev_space = strings.go_is_space(ch)
    return "".join(out)


@define("swapcase", params=("string",), result="string")
def swapcase(text: str) -> str:
    return "".join(
        rune_lower(ch) if ch.isupper() or ch.istitle() else rune_upper(ch) if ch.islower() else ch
        for ch in text
    )


@define("snakecase", params=("string",), result="string")
def snakecase(text: str) -> str:
    return _camel_to_lower(text, connector="_")


@define("kebabcase", params=("string",), result="string")
def kebabcase(text: str) -> str:
    return _camel_to_lower(text, connector="-")


def _camel_to_lower(text: str, *, connector: str) -> str:
    """huandu/xstrings' camelCaseToLowerCase: ``HTTPServer`` → ``http_server``, ``NoHTTPS`` →
    ``no_https``; spaces, hyphens and underscores become the connector."""
    out: list[str] = []
    runes = list(text)
    pos = 0
    r0 = connector

    def take() -> str:
        nonlocal pos
        pos += 1
        return runes[pos - 1]

    while pos < len(runes):
        prev = r0
        r0 = take()
        if not r0.isupper():
            out.append(connector if r0 in " -_" else r0)
            if r0 in " -_":
                r0 = connector
            continue
        if prev != connector:
            out.append(connector)
        out.append(rune_lower(r0))
        if pos >= len(runes):
            break
        r0 = take()
        if not r0.isupper():
            out.append(r0)
            continue
        # A run of capitals is an abbreviation followed by a word: HTTPServer → http_server.
        # (Older xstrings repeated the last rune of "ABc"; kes follows the corrected output.)
        written = False
        while pos < len(runes):
            r1, r0 = r0, take()
            if not r0.isupper():
                if r0 in " -_":
                    r0 = connector
                    out.append(rune_lower(r1))
                else:
                    out.extend((connector, rune_lower(r1), r0))
                    written = True
                break
            out.append(rune_lower(r1))
        if (pos >= len(runes) and not written) or r0 == connector:
            out.append(rune_lower(r0))
    return "".join(out)


@define("camelcase", params=("string",), result="string")
def camelcase(text: str) -> str:
    if not text:
        return ""
    out: list[str] = []
    i = 0
    while i < len(text) and text[i] == "_":
        out.append("_")
        i += 1
    rest = text[i:]
    if not rest:
        return "".join(out)
    current = rune_upper(rest[0])
    for ch in rest[1:]:
        previous, current = current, ch
        if previous == "_" and current == "_":
            out.append(previous)
            continue
        if previous == "_":
            current = rune_upper(current)
        else:
            out.append(previous)
    out.append(current)
    return "".join(out)


FUNCS = TABLE.funcs
