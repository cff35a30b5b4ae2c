"""Go template AST → Jinja2 source, plus the tables the generated code refers to by index.

Control flow maps onto Jinja2 (``if``, ``for``, ``break``/``continue``; a range's ``else`` tests a
flag on the iterator, since Jinja's for/else misbehaves after ``break``); every Go
expression becomes a call into ``runtime`` with a node index, so Go's semantics and error positions
survive. Go variables live in a per-execution frame of slots resolved at compile time (Go scoping
is lexical, and ``$x = v`` inside a ``range`` must reach the outer ``$x``, which Jinja scoping
would not allow). Each ``define``/``block`` becomes its own Jinja2 source with its own frame;
``execution`` runs them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kes.domain.templates import errors, gofuncs, lexer, literals, nodes, parser, runtime, values


@dataclasses.dataclass(frozen=True)
class CallSite:
    func: values.GoFunc
    name: str
    cmd_node: int
    arg_nodes: tuple[int, ...]  # -1: a literal already converted at compile time
    arg_types: tuple[str, ...]
    callee: str | None  # the "call" builtin's callee text


def _jstr(text: str) -> str:
    """A Jinja2 string literal for ``text`` (Jinja decodes literals with unicode-escape)."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


@dataclasses.dataclass
class Tables:
    """What the generated code refers to by index: node positions, call sites, constants."""

    source: str
    name: str
    funcs: dict[str, values.GoFunc]
    positions: list[tuple[errors.Position, str]] = dataclasses.field(default_factory=list)
    sites: list[CallSite] = dataclasses.field(default_factory=list)
    consts: list[Any] = dataclasses.field(default_factory=list)
    missing_zero: bool = False  # missingkey=zero rather than Kanister's missingkey=error


class _TreeCompiler:
    """Emits the Jinja2 source of one tree; shares the unit's tables."""

    def __init__(self, unit: Tables, tree_name: str) -> None:
        self.unit = unit
        self.tree_name = tree_name
        self.scopes: list[tuple[str, int]] = [("$", 0)]
        self.slots = 1
        self.names = 0
        self.out: list[str] = []

    # -- tables ------------------------------------------------------------------------------

    def nid(self, node: nodes.Node) -> int:
        line, col = lexer.byte_column(self.unit.source, node.pos)
        pos = errors.Position(name=self.unit.name, line=line, col=col, context=node.go())
        self.unit.positions.append((pos, self.tree_name))
        return len(self.unit.positions) - 1

    def const(self, value: Any) -> str:
        self.unit.consts.append(value)
        return f"K[{len(self.unit.consts) - 1}]"

    def fresh(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def error(self, node: nodes.Node, message: str) -> str:
        return f"E({self.nid(node)}, {_jstr(message)})"

    # -- statements --------------------------------------------------------------------------

    def compile_list(self, body: nodes.ListNode, dot: str) -> None:
        for node in body.nodes:
            self.compile_node(node, dot)

    def compile_node(self, node: nodes.Node, dot: str) -> None:
        if isinstance(node, nodes.TextNode):
            if node.text:
                self.out.append("{{ " + _jstr(node.text) + " }}")
        elif isinstance(node, nodes.ActionNode):
            value = self.pipeline(node.pipe, dot)
            if node.pipe.decl:
                self.declare(node.pipe, value)
            else:
                self.out.append("{{ " + value + " }}")
        elif isinstance(node, nodes.BranchNode):
            self.branch(node, dot)
        elif isinstance(node, nodes.TemplateNode):
            arg = self.pipeline(node.pipe, dot) if node.pipe is not None else "None"
            self.out.append("{{ TM(R, " + f"{self.nid(node)}, {_jstr(node.name)}, {arg}" + ") }}")
        elif isinstance(node, nodes.BreakNode):
            self.out.append("{% break %}")
        elif isinstance(node, nodes.ContinueNode):
            self.out.append("{% continue %}")

    def declare(self, pipe: nodes.PipeNode, value: str) -> None:
        for var in pipe.decl:
            name = var.idents[0]
            if pipe.is_assign and self.known(name):
                slot = self.lookup(name)
            else:
                if pipe.is_assign:
                    # Go's parser lets `$x = v` declare; execution then fails in setVar.
                    node = _last_node(pipe)
                    refusal = self.error(node, f"undefined variable: {name}")
                    self.out.append("{% do " + refusal + " %}")
                slot = self.slots
                self.slots += 1
                self.scopes.append((name, slot))
            self.out.append("{% do S.set(" + f"{slot}, {value}" + ") %}")

    def variable(self, node: nodes.VariableNode) -> str:
        name = node.idents[0]
        if self.known(name):
            return f"S[{self.lookup(name)}]"
        # `{{ $v := $v }}` parses (Go declares before parsing the value) but fails when run.
        return self.error(node, f"undefined variable: {name}")

    def known(self, name: str) -> bool:
        return any(var == name for var, _ in self.scopes)

    def lookup(self, name: str) -> int:
        for var, slot in reversed(self.scopes):
            if var == name:
                return slot
        raise AssertionError(f"parser let through undefined variable {name}")

    def branch(self, node: nodes.BranchNode, dot: str) -> None:
        saved = len(self.scopes)
        if node.keyword == "range":
            self.range(node, dot)
        else:
            value = self.pipeline(node.pipe, dot)
            if node.pipe.decl:
                self.declare(node.pipe, value)
                value = f"S[{self.lookup(node.pipe.decl[-1].idents[0])}]"
            inner = dot
            if node.keyword == "with":
                inner = self.fresh("d")
                self.out.append("{% set " + inner + " = " + value + " %}")
                value = inner
            self.out.append("{% if " + value + " %}")
            self.compile_list(node.body, inner)
            if node.else_body is not None:
                self.out.append("{% else %}")
                self.compile_list(node.else_body, dot)
            self.out.append("{% endif %}")
        del self.scopes[saved:]

    def range(self, node: nodes.BranchNode, dot: str) -> None:
        value = self.pipeline(node.pipe, dot)
        key, elem, loop = self.fresh("k"), self.fresh("d"), self.fresh("r")
        nid = self.nid(_last_node(node.pipe))
        self.out.append(
            "{% set " + f"{loop} = RG(R, {nid}, {value}, {len(node.pipe.decl)})" + " %}"
        )
        self.out.append("{% for " + f"{key}, {elem} in {loop}" + " %}")
        slots = []
        for var in node.pipe.decl:
            name = var.idents[0]
            if node.pipe.is_assign and self.known(name):
                slot = self.lookup(name)
            else:
                if node.pipe.is_assign:
                    # As in Go, assigning an undeclared variable fails once the loop runs.
                    refusal = self.error(var, f"undefined variable: {name}")
                    self.out.append("{% do " + refusal + " %}")
                slot = self.slots
                self.slots += 1
                self.scopes.append((name, slot))
            slots.append(slot)
        sources = [elem] if len(slots) == 1 else [key, elem]
        for slot, source in zip(slots, sources, strict=False):
            self.out.append("{% do S.set(" + f"{slot}, {source}" + ") %}")
        self.compile_list(node.body, elem)
        self.out.append("{% endfor %}")
        if node.else_body is not None:
            # Not Jinja's for/else: with {% break %} it would also run after a partial loop.
            self.out.append("{% if not " + loop + ".ran %}")
            self.compile_list(node.else_body, dot)
            self.out.append("{% endif %}")

    # -- expressions -------------------------------------------------------------------------

    def pipeline(self, pipe: nodes.PipeNode, dot: str) -> str:
        value: str | None = None
        for cmd in pipe.cmds:
            value = self.command(cmd, dot, value, pipe)
        assert value is not None
        return value

    def not_a_function(
        self, cmd: nodes.CommandNode, final: str | None, at: nodes.Node | None = None
    ) -> str | None:
        if len(cmd.args) > 1 or final is not None:
            return self.error(
                at or cmd.args[0], f"can't give argument to non-function {cmd.args[0].go()}"
            )
        return None

    def command(
        self, cmd: nodes.CommandNode, dot: str, final: str | None, pipe: nodes.PipeNode
    ) -> str:
        first = cmd.args[0]
        if isinstance(first, nodes.FieldNode):
            args = self.method_args(cmd, final, dot)
            return self.field(first, dot, first.idents, args=args)
        if isinstance(first, nodes.ChainNode):
            receiver = self.operand(first.node, dot)
            args = self.method_args(cmd, final, dot)
            return self.field(first, receiver, first.fields, args=args)
        if isinstance(first, nodes.IdentifierNode):
            return self.call(first, cmd, cmd.args[1:], final, dot)
        if isinstance(first, nodes.VariableNode):
            var = self.variable(first)
            if len(first.idents) == 1:
                return self.not_a_function(cmd, final) or var
            args = self.method_args(cmd, final, dot)
            return self.field(first, var, first.idents[1:], args=args)
        if isinstance(first, nodes.PipeNode):
            # Go has just done s.at(pipe) for the enclosing pipeline, so the error names it.
            return self.not_a_function(cmd, final, pipe) or self.pipeline(first, dot)
        refused = self.not_a_function(cmd, final)
        if refused:
            return refused
        if isinstance(first, nodes.NilNode):
            return self.error(first, "nil is not a command")
        return self.literal(first, dot)

    def literal(self, node: nodes.Node, dot: str) -> str:
        """evalEmptyInterface for literals: what ``{{ 3 }}`` or ``(1.5)`` evaluates to."""
        if isinstance(node, nodes.DotNode):
            return dot
        if isinstance(node, nodes.NilNode):
            return "None"
        if isinstance(node, nodes.BoolNode | nodes.NumberNode | nodes.StringNode):
            return self.converted(node, "interface {}")
        return self.operand(node, dot)

    def converted(self, node: nodes.Node, typ: str) -> str:
        """A literal converted at compile time, or the run-time error Go would raise."""
        try:
            value = literals.convert(node, typ)
        except literals.RefusedError as refused:
            return self.error(node, refused.message)
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, str):
            return _jstr(value)
        return self.const(value)

    def method_args(self, cmd: nodes.CommandNode, final: str | None, dot: str) -> list[str] | None:
        """The argument expressions of ``.Method a b``, or None when there are none."""
        if len(cmd.args) == 1 and final is None:
            return None
        exprs = [self.typed_arg(arg, "interface {}", dot)[0] for arg in cmd.args[1:]]
        return [*exprs, final] if final is not None else exprs

    def field(
        self, node: nodes.Node, receiver: str, names: list[str], *, args: list[str] | None = None
    ) -> str:
        quoted = ", ".join(_jstr(n) for n in names)
        if args is not None:
            extra = "".join(", " + a for a in args)
            return f"FX({self.nid(node)}, {receiver}, [{quoted}]{extra})"
        func = "FZ" if self.unit.missing_zero else "F"
        return f"{func}({self.nid(node)}, {receiver}, {quoted})"

    def operand(self, node: nodes.Node, dot: str) -> str:
        """evalArg with no type: the value of a field, variable, pipeline, call or chain."""
        if isinstance(node, nodes.FieldNode):
            return self.field(node, dot, node.idents, args=None)
        if isinstance(node, nodes.VariableNode):
            var = self.variable(node)
            if len(node.idents) == 1:
                return var
            return self.field(node, var, node.idents[1:], args=None)
        if isinstance(node, nodes.PipeNode):
            return self.pipeline(node, dot)
        if isinstance(node, nodes.IdentifierNode):
            return self.call(node, node, [], None, dot)
        if isinstance(node, nodes.ChainNode):
            return self.field(node, self.operand(node.node, dot), node.fields, args=None)
        if isinstance(node, nodes.DotNode):
            return dot
        if isinstance(node, nodes.NilNode):
            return "None"
        return self.literal(node, dot)

    def typed_arg(self, node: nodes.Node, typ: str, dot: str) -> tuple[str, bool]:
        """evalArg: (expression, whether the runtime must still check its type)."""
        if isinstance(node, nodes.NilNode):
            # reflect.Value (the builtins' parameter type) is a struct: Go refuses nil there.
            if typ == "interface {}" or typ.startswith(("[]", "map[", "*")):
                return "None", False
            return self.error(node, f"cannot assign nil to {typ}"), False
        if not isinstance(node, nodes.BoolNode | nodes.NumberNode | nodes.StringNode):
            # Checked even for interface{}: the runtime turns typed nils and <no value> into None.
            return self.operand(node, dot), True
        return self.converted(node, typ), False

    def call(
        self,
        ident: nodes.IdentifierNode,
        cmd: nodes.Node,
        args: list[nodes.Node],
        final: str | None,
        dot: str,
    ) -> str:
        name = ident.name
        func = self.unit.funcs[name]
        is_builtin = func is gofuncs.BUILTINS.get(name)
        num_in = len(args) + (final is not None)
        params = func.params
        if func.variadic:
            num_fixed = len(params) - 1
            if num_in < num_fixed:
                return self.error(
                    ident,
                    f"wrong number of args for {name}: want at least {num_fixed} got {len(args)}",
                )
        else:
            num_fixed = len(params)
            if num_in != num_fixed:
                return self.error(
                    ident, f"wrong number of args for {name}: want {num_fixed} got {num_in}"
                )
        elem = params[-1][3:] if func.variadic else ""
        if is_builtin and name in ("and", "or"):
            parts = [self.typed_arg(a, runtime.REFLECT_VALUE, dot)[0] for a in args]
            if final is not None:
                parts.append(final)
            return "(" + f" {name} ".join(parts) + ")"
        exprs: list[str] = []
        nodes: list[int] = []
        types: list[str] = []
        for i, arg in enumerate(args):
            typ = params[i] if i < num_fixed else elem
            expr, check = self.typed_arg(arg, typ, dot)
            exprs.append(expr)
            nodes.append(self.nid(arg) if check else -1)
            types.append(typ)
        if final is not None:
            typ = params[num_in - 1] if (not func.variadic or num_in - 1 < num_fixed) else elem
            exprs.append(final)
            nodes.append(self.nid(cmd))
            types.append(typ)
        callee = None
        if is_builtin and name == "call":
            callee = args[0].go() if args else "<final>"
        site = CallSite(
            func=func,
            name=name,
            cmd_node=self.nid(cmd),
            arg_nodes=tuple(nodes),
            arg_types=tuple(types),
            callee=callee,
        )
        self.unit.sites.append(site)
        return f"C(R, {len(self.unit.sites) - 1}" + "".join(", " + e for e in exprs) + ")"


def _last_node(pipe: nodes.PipeNode) -> nodes.Node:
    """The node Go's state last pointed at (s.at) after evaluating ``pipe``."""
    node = pipe.cmds[-1].args[-1]
    return _last_node(node) if isinstance(node, nodes.PipeNode) else node


def compile_source(
    source: str, *, name: str, funcs: dict[str, values.GoFunc], missing_zero: bool = False
) -> tuple[Tables, dict[str, tuple[str, int]]]:
    """Parse ``source`` and emit, per Go tree, its Jinja2 source and its number of slots."""
    tables = Tables(source=source, name=name, funcs=funcs, missing_zero=missing_zero)
    trees = parser.parse(source, name=name, funcs=funcs)
    compiled: dict[str, tuple[str, int]] = {}
    for tree_name, tree in trees.items():
        tc = _TreeCompiler(tables, tree_name)
        tc.compile_list(tree.root, "d0")
        compiled[tree_name] = ("".join(tc.out), tc.slots)
    return tables, compiled
