"""sprig's ``env`` and ``expandenv``, reading an allow-listed view of the environment.

In Kanister these read the controller's whole environment, credentials included, into any
blueprint. kes shows templates an EMPTY environment unless the operator names variables with
``allow_env`` (the controller's flag); the names are read when the template runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define

_allowed: frozenset[str] = frozenset()
_NAME = re.compile(r"[A-Za-z0-9_]+")


def allow_env(names: Iterable[str]) -> None:
    """Let templates read exactly these environment variables (replacing any earlier list)."""
    global _allowed
    _allowed = frozenset(names)


def allowed_env() -> frozenset[str]:
    return _allowed


def lookup(name: str) -> str:
    if name not in _allowed:
        return ""
    return os.environ.get(name, "")


@define("env", params=("string",), result="string")
def env(name: str) -> str:
    return lookup(name)


@define("expandenv", params=("string",), result="string")
def expandenv(text: str) -> str:
    """os.ExpandEnv: ``$NAME`` and ``${NAME}``; unknown or disallowed names expand to ""."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch != "$" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "{":
            end = text.find("}", i + 2)
            if end < 0:
                # Go drops a bad "${" syntax entirely.
                i = n
                continue
            out.append(lookup(text[i + 2 : end]))
            i = end + 1
            continue
        if nxt in "*#$@!?-" or nxt.isdigit():
            out.append(lookup(nxt))
            i += 2
            continue
        match = _NAME.match(text, i + 1)
        if match is None:
            out.append(ch)
            i += 1
            continue
        out.append(lookup(match.group(0)))
        i = match.end()
    return "".join(out)


FUNCS = TABLE.funcs
