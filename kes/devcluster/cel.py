"""A small subset of CEL for CRD ``x-kubernetes-validations`` rules.

Enough for the rules CRDs like kes's RepositoryServer use: ``self == oldSelf`` (immutable
fields), ``!has(oldSelf.x) || has(self.x)`` (fields that must not be removed), comparisons of
fields with literals, ``&&``/``||``/``!``, ``size()``. A rule outside this subset raises
:class:`UnsupportedRuleError` and the caller skips it, so an unknown rule never refuses an
object that a real apiserver would accept for the wrong reason.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+)|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!().,])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)


class UnsupportedRuleError(ValueError):
    """The rule uses CEL this subset does not implement."""


class _Absent:
    """A field that is not set (``has()`` is false; comparisons see it as missing)."""


ABSENT = _Absent()


def _tokens(rule: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(rule):
        if rule[pos:].strip() == "":
            break
        match = _TOKEN.match(rule, pos)
        if match is None or match.end() == pos:
            raise UnsupportedRuleError(f"cannot read {rule[pos:]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


# An expression tree: ("or"|"and", a, b) | ("not", a) | ("cmp", op, a, b) | ("has", path)
# | ("path", root, fields) | ("lit", value) | ("size", a)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, rule: str) -> None:
        self.tokens = _tokens(rule)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise UnsupportedRuleError("unexpected end of rule")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise UnsupportedRuleError(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        if self.pos != len(self.tokens):
            raise UnsupportedRuleError(f"unexpected {self.peek()!r}")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.peek() == "||":
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.unary()
        while self.peek() == "&&":
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        left = self.operand()
        if self.peek() in ("==", "!=", "<", ">", "<=", ">="):
            op = self.take()[1]
            return ("cmp", op, left, self.operand())
        return left

    def operand(self) -> Node:
        kind, text = self.take()
        if text == "(":
            node = self.or_expr()
            self.take(")")
            return node
        if kind == "num":
            return ("lit", int(text))
        if kind == "str":
            return ("lit", json.loads('"' + text[1:-1].replace('"', '\\"') + '"')
                    if text[0] == "'" else json.loads(text))
        if kind == "name" and text in ("true", "false", "null"):
            return ("lit", {"true": True, "false": False, "null": None}[text])
        if kind == "name" and text in ("has", "size"):
            self.take("(")
            inner = self.path() if text == "has" else self.or_expr()
            self.take(")")
            return ("has", inner) if text == "has" else ("size", inner)
        if kind == "name" and text in ("self", "oldSelf"):
            self.pos -= 1
            return self.path()
        raise UnsupportedRuleError(f"unsupported {text!r}")

    def path(self) -> Node:
        kind, root = self.take()
        if root not in ("self", "oldSelf"):
            raise UnsupportedRuleError(f"unsupported {root!r}")
        fields: list[str] = []
        while self.peek() == ".":
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise UnsupportedRuleError(f"unsupported field {name!r}")
            fields.append(name)
        return ("path", root, tuple(fields))


@functools.lru_cache(maxsize=256)
def compile_rule(rule: str) -> Node:
    """The parsed rule (cached); raises UnsupportedRuleError outside the subset."""
    return _Parser(rule).parse()


def uses_old_self(rule: str) -> bool:
    """True for transition rules, which only run on updates where the old value exists."""
    return re.search(r"\boldSelf\b", rule) is not None


def _resolve(root: Any, fields: tuple[str, ...]) -> Any:
    current = root
    for field in fields:
        if not isinstance(current, dict) or field not in current:
            return ABSENT
        current = current[field]
    return current


def _evaluate(node: Node, *, self_value: Any, old_value: Any) -> Any:
    tag = node[0]
    if tag == "lit":
        return node[1]
    if tag == "path":
        return _resolve(self_value if node[1] == "self" else old_value, node[2])
    if tag == "has":
        return _evaluate(node[1], self_value=self_value, old_value=old_value) is not ABSENT
    if tag == "not":
        return not _evaluate(node[1], self_value=self_value, old_value=old_value)
    if tag in ("or", "and"):
        left = bool(_evaluate(node[1], self_value=self_value, old_value=old_value))
        if tag == "or" and left:
            return True
        if tag == "and" and not left:
            return False
        return bool(_evaluate(node[2], self_value=self_value, old_value=old_value))
    if tag == "size":
        value = _evaluate(node[1], self_value=self_value, old_value=old_value)
        return len(value) if isinstance(value, str | list | dict) else 0
    op, left, right = node[1], node[2], node[3]
    a = _evaluate(left, self_value=self_value, old_value=old_value)
    b = _evaluate(right, self_value=self_value, old_value=old_value)
    if op in ("==", "!="):
        return (a == b) is (op == "==")
    if not (isinstance(a, int | float | str) and type(a) is type(b)):
        raise UnsupportedRuleError(f"cannot compare {a!r} and {b!r}")
    ordering: Any = a  # same type on both sides, checked above
    return {"<": ordering < b, ">": ordering > b, "<=": ordering <= b, ">=": ordering >= b}[op]


def holds(rule: str, *, self_value: Any, old_value: Any = ABSENT) -> bool:
    """Evaluate ``rule`` with ``self`` (and ``oldSelf``); raises UnsupportedRuleError."""
    return bool(_evaluate(compile_rule(rule), self_value=self_value, old_value=old_value))
