"""The subset of Kubernetes JSONPath that CRD printer columns use.

``.spec.replicas``, ``.metadata.labels.app``, ``.items[0].name``, ``.items[-1]``, ``.items[*].x``,
``.status.conditions[?(@.type=="Ready")].status``, ``['dotted.key']``; an optional ``{}``
wrapper is accepted as kubectl writes it. Evaluation returns every match, in document order.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any


class JSONPathError(ValueError):
    """An expression this subset cannot parse."""


_FILTER = re.compile(
    r"\?\(\s*@((?:\.[A-Za-z0-9_\-]+)+)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)"
)
_NAME = re.compile(r"[A-Za-z0-9_\-$]+")

# A step: ("key", name) | ("index", int) | ("all", None) | ("filter", (path, op, value))
Step = tuple[str, Any]


@functools.lru_cache(maxsize=256)
def parse(expression: str) -> tuple[Step, ...]:
    """The steps of ``expression``; raises JSONPathError on anything outside the subset.
    Cached: a Table evaluates the same few printer-column paths for every row."""
    text = expression.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == ".":
            match = _NAME.match(text, pos + 1)
            if match is None:
                if text.startswith("*", pos + 1):
                    steps.append(("all", None))
                    pos += 2
                    continue
                raise JSONPathError(f"invalid JSONPath {expression!r}: bad name at {pos}")
            steps.append(("key", match.group(0)))
            pos = match.end()
        elif char == "[":
            end = _closing_bracket(text, pos, expression=expression)
            steps.append(_bracket(text[pos + 1:end].strip(), expression=expression))
            pos = end + 1
        else:
            raise JSONPathError(f"invalid JSONPath {expression!r}: unexpected {char!r}")
    return tuple(steps)


def _closing_bracket(text: str, start: int, *, expression: str) -> int:
    depth = 0
    quote: str | None = None
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
    raise JSONPathError(f"invalid JSONPath {expression!r}: unclosed '['")


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _bracket(inner: str, *, expression: str) -> Step:
    if inner == "*":
        return ("all", None)
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        return ("key", inner[1:-1])
    if re.fullmatch(r"-?\d+", inner):
        return ("index", int(inner))
    match = _FILTER.fullmatch(inner)
    if match:
        path = tuple(match.group(1)[1:].split("."))
        operator = match.group(2)
        value = _literal(match.group(3)) if match.group(3) is not None else None
        return ("filter", (path, operator, value))
    raise JSONPathError(f"invalid JSONPath {expression!r}: unsupported [{inner}]")


def _lookup(obj: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    current = obj
    for part in path:
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _compare(left: Any, operator: str, right: Any) -> bool:
    if operator == "==":
        return bool(left == right or str(left) == str(right))
    if operator == "!=":
        return not (left == right or str(left) == str(right))
    try:
        a, b = float(left), float(right)
    except (TypeError, ValueError):
        return False
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]


def _step(values: list[Any], step: Step) -> list[Any]:
    kind, argument = step
    out: list[Any] = []
    for value in values:
        if kind == "key":
            if isinstance(value, dict) and argument in value:
                out.append(value[argument])
        elif kind == "index":
            if isinstance(value, list) and -len(value) <= argument < len(value):
                out.append(value[argument])
        elif kind == "all":
            if isinstance(value, list):
                out.extend(value)
            elif isinstance(value, dict):
                out.extend(value.values())
        else:
            path, operator, expected = argument
            items = value if isinstance(value, list) else []
            for item in items:
                found, actual = _lookup(item, path)
                if found and (operator is None or _compare(actual, operator, expected)):
                    out.append(item)
    return out


def find(*, obj: Any, expression: str) -> list[Any]:
    """All values ``expression`` selects in ``obj`` ([] when none)."""
    values = [obj]
    for step in parse(expression):
        values = _step(values, step)
        if not values:
            return []
    return values
