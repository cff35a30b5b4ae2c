"""A small Go text/template interpreter with the Sprig and Helm functions the kes chart uses.

There is no helm binary here, so the chart's default render (and a few value variations) is
checked by rendering the templates with this interpreter: actions with `{{-`/`-}}` trimming,
comments, `if`/`else if`/`else`, `with`, `range`, `define`/`include`, `$var :=`, pipelines and
parenthesised sub-pipelines. It is not Helm: a construct it does not know is an error (so a new
template construct fails loudly here rather than rendering something Helm would not).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml


class TemplateError(Exception):
    """The template uses something this interpreter does not know, or `fail`/`required` fired."""


_ACTION = re.compile(r"{{(-\s)?(.*?)(\s-)?}}", re.S)
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:\\.|[^"\\])*")
    | (?P<raw>`[^`]*`)
    | (?P<assign>:=)
    | (?P<pipe>\|)
    | (?P<lp>\()
    | (?P<rp>\))
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<var>\$[A-Za-z_0-9]*(?:\.[A-Za-z_]\w*)*)
    | (?P<field>(?:\.[A-Za-z_]\w*)+|\.)
    | (?P<ident>[A-Za-z_]\w*)
    )""",
    re.X,
)


@dataclass
class Node:
    kind: str  # text, output, if, with, range
    text: str = ""
    tokens: list[tuple[str, str]] = field(default_factory=list)
    branches: list[tuple[list[tuple[str, str]] | None, list[Node]]] = field(default_factory=list)


def _tokens(source: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pos = 0
    source = source.rstrip()
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None or match.end() == pos:
            raise TemplateError(f"cannot tokenise {source[pos:]!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        pos = match.end()
    return found


def _pieces(text: str) -> list[tuple[str, str]]:
    """("text", s) and ("action", s) in order, with the trim markers applied."""
    pieces: list[tuple[str, str]] = []
    pos = 0
    trim_next = False
    for match in _ACTION.finditer(text):
        before = text[pos:match.start()]
        if trim_next:
            before = before.lstrip()
        if match.group(1):
            before = before.rstrip()
        pieces.append(("text", before))
        pieces.append(("action", match.group(2).strip()))
        trim_next = bool(match.group(3))
        pos = match.end()
    rest = text[pos:]
    pieces.append(("text", rest.lstrip() if trim_next else rest))
    return pieces


def parse(text: str, defines: dict[str, list[Node]]) -> list[Node]:
    """The node tree of one file; `define` blocks go into `defines`."""
    stack: list[tuple[Node | None, list[Node], str]] = [(None, [], "root")]
    for kind, content in _pieces(text):
        body = stack[-1][1]
        if kind == "text":
            if content:
                body.append(Node("text", text=content))
            continue
        if content.startswith("/*"):
            continue
        word = content.split(None, 1)[0] if content else ""
        rest = content[len(word):].strip()
        if word in ("if", "with", "range"):
            node = Node(word, branches=[(_tokens(rest), [])])
            body.append(node)
            stack.append((node, node.branches[0][1], word))
        elif word == "define":
            name = json.loads(rest)
            stack.append((None, defines.setdefault(name, []), "define"))
        elif word == "else":
            owner = stack[-1][0]
            if owner is None:
                raise TemplateError("else outside if/with/range")
            condition = rest[2:].strip() if rest.startswith("if ") else rest
            branch: tuple[list[tuple[str, str]] | None, list[Node]] = (
                _tokens(condition) if condition else None, [])
            owner.branches.append(branch)
            stack[-1] = (owner, branch[1], stack[-1][2])
        elif word == "end":
            if len(stack) == 1:
                raise TemplateError("end without an opener")
            stack.pop()
        else:
            body.append(Node("output", tokens=_tokens(content)))
    if len(stack) != 1:
        raise TemplateError(f"{len(stack) - 1} blocks not closed")
    return stack[0][1]


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (
        isinstance(value, dict | list | tuple) and not value
    )


def _to_yaml(value: Any) -> str:
    if value is None or value == {}:
        return "{}" if value == {} else "null"
    return str(yaml.safe_dump(value, default_flow_style=False, sort_keys=True)).rstrip("\n")


def _quote(value: Any) -> str:
    return json.dumps(_text(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _required(message: str, value: Any) -> Any:
    if not _truthy(value):
        raise TemplateError(message)
    return value


def _fail(message: str) -> Any:
    raise TemplateError(message)


def _indent(width: int, text: Any) -> str:
    pad = " " * width
    return "\n".join(pad + line for line in _text(text).split("\n"))


FUNCTIONS: dict[str, Any] = {
    "toYaml": _to_yaml,
    "nindent": lambda width, text: "\n" + _indent(width, text),
    "indent": _indent,
    "quote": _quote,
    "default": lambda fallback, value=None: value if _truthy(value) else fallback,
    "printf": lambda fmt, *args: re.sub(r"%[sdv]", "{}", fmt).format(*map(_text, args)),
    "trunc": lambda n, text: _text(text)[:n],
    "trimSuffix": lambda suffix, text: _text(text).removesuffix(suffix),
    "contains": lambda part, text: part in _text(text),
    "replace": lambda old, new, text: _text(text).replace(old, new),
    "required": _required,
    "fail": _fail,
    "has": lambda item, items: item in (items or []),
    "list": lambda *items: list(items),
    "eq": lambda a, *others: any(a == o for o in others),
    "ne": lambda a, b: a != b,
    "not": lambda value: not _truthy(value),
    "and": lambda *values: next((v for v in values if not _truthy(v)), values[-1]),
    "or": lambda *values: next((v for v in values if _truthy(v)), values[-1]),
    "join": lambda sep, items: sep.join(_text(i) for i in items or []),
}


class Renderer:
    """Renders parsed nodes against Helm's top-level object."""

    def __init__(self, defines: dict[str, list[Node]]) -> None:
        self.defines = defines

    def render(self, nodes: list[Node], dot: Any, variables: dict[str, Any]) -> str:
        out: list[str] = []
        for node in nodes:
            if node.kind == "text":
                out.append(node.text)
            elif node.kind == "output":
                value = self._pipeline(node.tokens, dot, variables)
                if not _is_assignment(node.tokens):
                    out.append(_text(value))
            else:
                out.append(self._block(node, dot, variables))
        return "".join(out)

    def include(self, name: str, dot: Any) -> str:
        if name not in self.defines:
            raise TemplateError(f'no template "{name}"')
        return self.render(self.defines[name], dot, {"$": dot})

    def _block(self, node: Node, dot: Any, variables: dict[str, Any]) -> str:
        if node.kind == "if":
            for condition, body in node.branches:
                if condition is None or _truthy(self._pipeline(condition, dot, variables)):
                    return self.render(body, dot, variables)
            return ""
        first, body = node.branches[0]
        assert first is not None
        value = self._pipeline(first, dot, variables)
        otherwise = node.branches[1][1] if len(node.branches) > 1 else []
        if not _truthy(value):
            return self.render(otherwise, dot, variables)
        if node.kind == "with":
            return self.render(body, value, variables)
        items = [value[k] for k in sorted(value)] if isinstance(value, dict) else value
        return "".join(self.render(body, item, variables) for item in items)

    def _pipeline(self, tokens: list[tuple[str, str]], dot: Any, variables: dict[str, Any]) -> Any:
        target = None
        if _is_assignment(tokens):
            target, tokens = tokens[0][1], tokens[2:]
        commands: list[list[tuple[str, str]]] = [[]]
        depth = 0
        for token in tokens:
            if token[0] == "pipe" and depth == 0:
                commands.append([])
                continue
            depth += {"lp": 1, "rp": -1}.get(token[0], 0)
            commands[-1].append(token)
        value: Any = _NOTHING
        for command in commands:
            value = self._command(command, dot, variables, piped=value)
        if target is not None:
            variables[target] = value
        return value

    def _command(
        self, tokens: list[tuple[str, str]], dot: Any, variables: dict[str, Any], *, piped: Any
    ) -> Any:
        operands = self._operands(tokens, dot, variables)
        head_kind, head = tokens[0]
        if head_kind == "ident" and head not in ("true", "false", "nil"):
            args = operands[1:] + ([] if piped is _NOTHING else [piped])
            if head == "include":
                return self.include(args[0], args[1])
            if head not in FUNCTIONS:
                raise TemplateError(f"unknown function {head}")
            return FUNCTIONS[head](*args)
        if len(operands) != 1 or piped is not _NOTHING:
            raise TemplateError(f"cannot call a non-function: {tokens}")
        return operands[0]

    def _operands(
        self, tokens: list[tuple[str, str]], dot: Any, variables: dict[str, Any]
    ) -> list[Any]:
        values: list[Any] = []
        i = 0
        while i < len(tokens):
            kind, text = tokens[i]
            if kind == "lp":
                depth, j = 1, i + 1
                while depth:
                    depth += {"lp": 1, "rp": -1}.get(tokens[j][0], 0)
                    j += 1
                values.append(self._pipeline(tokens[i + 1:j - 1], dot, variables))
                i = j
                continue
            values.append(self._operand(kind, text, dot, variables))
            i += 1
        return values

    def _operand(self, kind: str, text: str, dot: Any, variables: dict[str, Any]) -> Any:
        if kind == "str":
            return json.loads(text)
        if kind == "raw":
            return text[1:-1]
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "field":
            return _walk(dot, text)
        if kind == "var":
            name, _, path = text.partition(".")
            if name not in variables:
                raise TemplateError(f"undefined variable {name}")
            return _walk(variables[name], "." + path if path else ".")
        if kind == "ident":
            return {"true": True, "false": False, "nil": None}.get(text, text)
        raise TemplateError(f"unexpected {text!r}")


_NOTHING = object()


def _is_assignment(tokens: list[tuple[str, str]]) -> bool:
    return len(tokens) > 2 and tokens[0][0] == "var" and tokens[1][0] == "assign"


def _walk(value: Any, path: str) -> Any:
    for key in [k for k in path.split(".") if k]:
        value = value.get(key) if isinstance(value, dict) else None
    return value
