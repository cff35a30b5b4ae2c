"""kubectl's JSONPath printer (`k8s.io/client-go/util/jsonpath`) over plain JSON objects.

Kanister's Wait replaces each `{$.path}` in a condition with what `kubectl -o jsonpath` would
print for the fetched object, so kes needs the same output rules: strings as-is, numbers and
booleans as Go prints them, maps and lists as compact JSON, several results joined by a space,
a missing key is an error (`<key> is not found`). Supported: literal text around `{...}` actions,
`$`/`@`, `.key`, `..key` (recursive descent), `*`, `['key']`, `[n]`, `[a:b:c]`, `[a,b]` unions,
`[?(@.path op literal)]` filters and `[?(@.path)]` existence, quoted text `{"x"}`. `range`/`end`
are not supported: they raise `JSONPathSyntaxError` like any other syntax kes cannot parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any


class JSONPathError(ValueError):
    """Evaluation failed (missing key, index out of range)."""


class JSONPathSyntaxError(JSONPathError):
    """The template cannot be parsed."""


_NAME = re.compile(r"[A-Za-z0-9_\-/$]+")
_FILTER = re.compile(r"\?\(\s*(@[^<>=!]*?)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)\Z", re.DOTALL)
_SLICE = re.compile(r"(-?\d*)\s*:\s*(-?\d*)(?:\s*:\s*(-?\d*))?\Z")

# A step: ("key", name) | ("recursive", name or None) | ("all", None) | ("index", int)
# | ("slice", (start, stop, step)) | ("union", tuple[steps]) | ("filter", (steps, op, literal))
Step = tuple[str, Any]


def _split_actions(template: str) -> list[tuple[bool, str]]:
    """Literal text and `{...}` actions in order; (is_action, text)."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            parts.append((False, template[pos:]))
            break
        if start > pos:
            parts.append((False, template[pos:start]))
        end = _closing(template, start, "{", "}")
        if end < 0:
            raise JSONPathSyntaxError("unclosed action")
        parts.append((True, template[start + 1 : end]))
        pos = end + 1
    return parts


def _closing(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    quote = ""
    for pos in range(start, len(text)):
        char = text[pos]
        if quote:
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return pos
    return -1


def parse_path(text: str) -> tuple[Step, ...]:
    """The steps of one action's path (`$.a.b[0]`, `.a..b`, `@.x`)."""
    text = text.strip()
    if text[:1] in ("$", "@"):
        text = text[1:]
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if text.startswith("..", pos):
            match = _NAME.match(text, pos + 2)
            if match is not None:
                steps.append(("recursive", match.group(0)))
                pos = match.end()
            elif text.startswith("*", pos + 2):
                steps.append(("recursive", None))
                pos += 3
            else:
                steps.append(("recursive", None))
                pos += 2
        elif char == ".":
            if text.startswith("*", pos + 1):
                steps.append(("all", None))
                pos += 2
                continue
            match = _NAME.match(text, pos + 1)
            if match is None:
                if pos + 1 == len(text):  # a lone "." means the current object
                    break
                raise JSONPathSyntaxError(f"unrecognized character in action: {text[pos + 1]!r}")
            steps.append(("key", match.group(0)))
            pos = match.end()
        elif char == "[":
            end = _closing(text, pos, "[", "]")
            if end < 0:
                raise JSONPathSyntaxError("unterminated array")
            steps.append(_bracket(text[pos + 1 : end].strip()))
            pos = end + 1
        elif char.isspace():
            pos += 1
        else:
            raise JSONPathSyntaxError(f"unrecognized character in action: {char!r}")
    return tuple(steps)


def _bracket(inner: str) -> Step:
    if inner == "*":
        return ("all", None)
    if inner.startswith("?"):
        match = _FILTER.match(inner)
        if match is None:
            raise JSONPathSyntaxError(f"invalid filter: [{inner}]")
        literal = None if match[3] is None else _literal(match[3])
        return ("filter", (parse_path(match[1]), match[2], literal))
    if "," in inner:
        return ("union", tuple(_bracket(part.strip()) for part in _split_union(inner)))
    if inner[:1] in ("'", '"') and inner[-1:] == inner[:1] and len(inner) >= 2:
        return ("key", inner[1:-1])
    match = _SLICE.match(inner)
    if match is not None:
        bounds = tuple(int(v) if v not in (None, "") else None for v in match.groups())
        return ("slice", bounds)
    try:
        return ("index", int(inner))
    except ValueError:
        raise JSONPathSyntaxError(f"invalid array index {inner}") from None


def _split_union(inner: str) -> list[str]:
    parts, current, quote = [], "", ""
    for char in inner:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ",":
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def _literal(text: str) -> Any:
    text = text.strip()
    if text[:1] in ("'", '"') and text[-1:] == text[:1]:
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        raise JSONPathSyntaxError(f"unrecognized filter value {text}") from None


def _apply(step: Step, values: list[Any]) -> list[Any]:
    kind, arg = step
    out: list[Any] = []
    for value in values:
        if kind == "key":
            if not isinstance(value, Mapping) or arg not in value:
                raise JSONPathError(f"{arg} is not found")
            out.append(value[arg])
        elif kind == "all":
            if isinstance(value, Mapping):
                out.extend(value[k] for k in sorted(value))
            elif isinstance(value, list):
                out.extend(value)
        elif kind == "recursive":
            out.extend(_descend(value, arg))
        elif kind == "index":
            if not isinstance(value, list):
                raise JSONPathError(f"{_go_kind(value)} is not array or slice")
            index = arg + len(value) if arg < 0 else arg
            if not 0 <= index < len(value):
                raise JSONPathError(f"array index out of bounds: index {arg}, length {len(value)}")
            out.append(value[index])
        elif kind == "slice":
            if not isinstance(value, list):
                raise JSONPathError(f"{_go_kind(value)} is not array or slice")
            out.extend(value[slice(*arg)])
        elif kind == "union":
            for part in arg:
                out.extend(_apply(part, [value]))
        elif kind == "filter":
            items = value if isinstance(value, list) else []
            out.extend(item for item in items if _matches(item, arg))
    return out


def _descend(value: Any, name: str | None) -> list[Any]:
    found: list[Any] = []
    children: list[Any] = []
    if isinstance(value, Mapping):
        if name is not None and name in value:
            found.append(value[name])
        children = [value[k] for k in sorted(value)]
    elif isinstance(value, list):
        children = list(value)
    if name is None:
        found.extend(children)
    for child in children:
        found.extend(_descend(child, name))
    return found


def _matches(item: Any, spec: tuple[tuple[Step, ...], str | None, Any]) -> bool:
    steps, op, literal = spec
    try:
        values = evaluate_steps(steps, item)
    except JSONPathError:
        return False
    if op is None:
        return bool(values)
    if not values:
        return False
    left = values[0]
    try:
        return bool(
            {
                "==": lambda: left == literal,
                "!=": lambda: left != literal,
                "<": lambda: left < literal,
                ">": lambda: left > literal,
                "<=": lambda: left <= literal,
                ">=": lambda: left >= literal,
            }[op]()
        )
    except TypeError:
        return False


def _go_kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, str):
        return "string"
    return "interface"


def evaluate_steps(steps: tuple[Step, ...], root: Any) -> list[Any]:
    values = [root]
    for step in steps:
        values = _apply(step, values)
    return values


def format_value(value: Any) -> str:
    """How kubectl prints one result: JSON for maps/lists, Go `%v` for scalars."""
    if isinstance(value, Mapping | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def execute(template: str, obj: Any) -> str:
    """What `kubectl get -o jsonpath=<template>` prints for `obj` (missing keys are errors)."""
    out: list[str] = []
    for is_action, text in _split_actions(template):
        if not is_action:
            out.append(text)
            continue
        stripped = text.strip()
        if stripped[:1] in ("'", '"') and stripped[-1:] == stripped[:1] and len(stripped) > 1:
            out.append(stripped[1:-1])
            continue
        if stripped in ("end",) or stripped.startswith("range "):
            raise JSONPathSyntaxError(f"unsupported action: {stripped}")
        values = evaluate_steps(parse_path(stripped), obj)
        out.append(" ".join(format_value(v) for v in values))
    return "".join(out)


def check(template: str) -> None:
    """Parse only; `JSONPathSyntaxError` when kes cannot parse `template`."""
    for is_action, text in _split_actions(template):
        stripped = text.strip()
        if not is_action or (stripped[:1] in ("'", '"') and stripped[-1:] == stripped[:1]):
            continue
        if stripped == "end" or stripped.startswith("range "):
            raise JSONPathSyntaxError(f"unsupported action: {stripped}")
        parse_path(stripped)
