"""The template AST: Go's text/template/parse node types, each printing itself as Go does.

``go()`` is Go's ``Node.String()``, which execution errors quote as their context
(``executing "config" at <.Options.x>``), so it must match Go's spelling exactly.
"""

from __future__ import annotations

import dataclasses

from kes.domain.templates import errors


@dataclasses.dataclass(eq=False)
class Node:
    pos: int

    def go(self) -> str:
        raise NotImplementedError


@dataclasses.dataclass(eq=False)
class TextNode(Node):
    text: str

    def go(self) -> str:
        return self.text


@dataclasses.dataclass(eq=False)
class IdentifierNode(Node):
    name: str

    def go(self) -> str:
        return self.name


@dataclasses.dataclass(eq=False)
class VariableNode(Node):
    idents: list[str]  # "$x", then fields

    def go(self) -> str:
        return ".".join(self.idents)


@dataclasses.dataclass(eq=False)
class DotNode(Node):
    def go(self) -> str:
        return "."


@dataclasses.dataclass(eq=False)
class NilNode(Node):
    def go(self) -> str:
        return "nil"


@dataclasses.dataclass(eq=False)
class FieldNode(Node):
    idents: list[str]

    def go(self) -> str:
        return "".join("." + i for i in self.idents)


@dataclasses.dataclass(eq=False)
class ChainNode(Node):
    node: Node
    fields: list[str]

    def go(self) -> str:
        inner = f"({self.node.go()})" if isinstance(self.node, PipeNode) else self.node.go()
        return inner + "".join("." + f for f in self.fields)


@dataclasses.dataclass(eq=False)
class BoolNode(Node):
    value: bool

    def go(self) -> str:
        return "true" if self.value else "false"


@dataclasses.dataclass(eq=False)
class NumberNode(Node):
    text: str
    is_int: bool = False
    is_uint: bool = False
    is_float: bool = False
    int_value: int = 0
    float_value: float = 0.0
    is_char: bool = False
    is_complex: bool = False
    complex_value: complex = 0j

    def go(self) -> str:
        return self.text


@dataclasses.dataclass(eq=False)
class StringNode(Node):
    quoted: str
    text: str

    def go(self) -> str:
        return self.quoted


@dataclasses.dataclass(eq=False)
class CommandNode(Node):
    args: list[Node]

    def go(self) -> str:
        return " ".join(f"({a.go()})" if isinstance(a, PipeNode) else a.go() for a in self.args)


@dataclasses.dataclass(eq=False)
class PipeNode(Node):
    line: int
    is_assign: bool = False
    decl: list[VariableNode] = dataclasses.field(default_factory=list)
    cmds: list[CommandNode] = dataclasses.field(default_factory=list)

    def go(self) -> str:
        out = ""
        if self.decl:
            out = ", ".join(v.go() for v in self.decl) + (" = " if self.is_assign else " := ")
        return out + " | ".join(c.go() for c in self.cmds)


@dataclasses.dataclass(eq=False)
class ListNode(Node):
    nodes: list[Node] = dataclasses.field(default_factory=list)

    def go(self) -> str:
        return "".join(n.go() for n in self.nodes)


@dataclasses.dataclass(eq=False)
class ActionNode(Node):
    line: int
    pipe: PipeNode

    def go(self) -> str:
        return "{{" + self.pipe.go() + "}}"


@dataclasses.dataclass(eq=False)
class BranchNode(Node):
    """if / range / with: a pipeline, a body and an optional else."""

    keyword: str
    line: int
    pipe: PipeNode
    body: ListNode
    else_body: ListNode | None

    def go(self) -> str:
        out = "{{" + self.keyword + " " + self.pipe.go() + "}}" + self.body.go()
        if self.else_body is not None:
            out += "{{else}}" + self.else_body.go()
        return out + "{{end}}"


@dataclasses.dataclass(eq=False)
class TemplateNode(Node):
    line: int
    name: str
    pipe: PipeNode | None

    def go(self) -> str:
        inner = f" {self.pipe.go()}" if self.pipe is not None else ""
        return "{{template " + errors.go_quote(self.name) + inner + "}}"


@dataclasses.dataclass(eq=False)
class BreakNode(Node):
    line: int

    def go(self) -> str:
        return "{{break}}"


@dataclasses.dataclass(eq=False)
class ContinueNode(Node):
    line: int

    def go(self) -> str:
        return "{{continue}}"


@dataclasses.dataclass(eq=False)
class EndNode(Node):
    def go(self) -> str:
        return "{{end}}"


@dataclasses.dataclass(eq=False)
class ElseNode(Node):
    line: int

    def go(self) -> str:
        return "{{else}}"
