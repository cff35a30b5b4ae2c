"""Go text/template's parser: tokens → an AST of our own, with Go's checks and error messages.

Ported from ``text/template/parse/parse.go`` so that what Go rejects at parse time (undefined
functions and variables, ``{{break}}`` outside ``range``, a literal after a pipe) is rejected here
with the same words, and so every node keeps its position for execution errors.
"""

from __future__ import annotations

import ast as pyast
import dataclasses
from collections.abc import Container
from typing import Final

from kes.domain.templates import errors, lexer

MAX_DEPTH: Final = 64  # nesting of parentheses/controls; Go allows more, Python's stack does not


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
class _EndNode(Node):
    def go(self) -> str:
        return "{{end}}"


@dataclasses.dataclass(eq=False)
class _ElseNode(Node):
    line: int

    def go(self) -> str:
        return "{{else}}"


@dataclasses.dataclass
class Tree:
    name: str
    root: ListNode


class _StopError(Exception):
    pass


class Parser:
    """Parses one source into the main tree plus the ``define``/``block`` trees it declares."""

    def __init__(self, *, source: str, name: str, funcs: Container[str]) -> None:
        self.source = source
        self.name = name
        self.funcs = funcs
        self.tokens = lexer.lex(source)
        self.i = 0
        self.last_line = 1
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.depth = 0
        self.action_line = 0
        self.trees: dict[str, Tree] = {}

    # -- token stream ------------------------------------------------------------------------

    def _tok(self, j: int) -> lexer.Token:
        # The stream ends with EOF or ERROR, which repeats forever (as Go's lexer does).
        return self.tokens[min(j, len(self.tokens) - 1)]

    def _next(self) -> lexer.Token:
        tok = self._tok(self.i)
        self.i += 1
        self.last_line = tok.line
        return tok

    def _backup(self, n: int = 1) -> None:
        self.i -= n

    def _peek(self) -> lexer.Token:
        return self._tok(self.i)

    def _next_non_space(self) -> lexer.Token:
        tok = self._next()
        while tok.kind is lexer.Kind.SPACE:
            tok = self._next()
        return tok

    def _peek_non_space(self) -> lexer.Token:
        j = self.i
        while self._tok(j).kind is lexer.Kind.SPACE:
            j += 1
        return self._tok(j)

    def _skip_spaces(self) -> None:
        while self._tok(self.i).kind is lexer.Kind.SPACE:
            self.i += 1

    # -- errors ------------------------------------------------------------------------------

    def _errorf(self, message: str) -> _StopError:
        raise errors.ParseError(name=self.name, line=self.last_line, message=message)

    def _unexpected(self, tok: lexer.Token, context: str) -> _StopError:
        if tok.kind is lexer.Kind.ERROR:
            extra = ""
            if self.action_line and self.action_line != tok.line:
                extra = f" in action started at {self.name}:{self.action_line}"
                if tok.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            raise self._errorf(tok.val + extra)
        raise self._errorf(f"unexpected {_describe(tok)} in {context}")

    def _expect(self, kind: lexer.Kind, context: str) -> lexer.Token:
        tok = self._next_non_space()
        if tok.kind is not kind:
            raise self._unexpected(tok, context)
        return tok

    # -- grammar -----------------------------------------------------------------------------

    def parse(self) -> dict[str, Tree]:
        root = ListNode(pos=0)
        while self._peek().kind is not lexer.Kind.EOF:
            if self._peek().kind is lexer.Kind.LEFT_DELIM:
                start = self.i
                self._next()
                tok = self._next_non_space()
                if tok.kind is lexer.Kind.KEYWORD and tok.val == "define":
                    self._parse_definition()
                    continue
                self.i = start
            node = self._text_or_action()
            if isinstance(node, _EndNode | _ElseNode):
                raise self._errorf(f"unexpected {node.go()}")
            root.nodes.append(node)
        self._add(self.name, root)
        return self.trees

    def _add(self, name: str, root: ListNode) -> None:
        existing = self.trees.get(name)
        # Go: a non-empty redefinition replaces; an empty (whitespace-only) one is ignored.
        if existing is not None and _is_empty(root):
            return
        self.trees[name] = Tree(name=name, root=root)

    def _parse_definition(self) -> None:
        context = "define clause"
        tok = self._next_non_space()
        if tok.kind not in (lexer.Kind.STRING, lexer.Kind.RAW_STRING):
            raise self._unexpected(tok, context)
        name = self._unquote(tok.val)
        self._expect(lexer.Kind.RIGHT_DELIM, context)
        saved_vars, self.vars = self.vars, ["$"]
        body, end = self._item_list()
        self.vars = saved_vars
        if not isinstance(end, _EndNode):
            raise self._errorf(f"unexpected {end.go()} in {context}")
        self._add(name, body)

    def _item_list(self) -> tuple[ListNode, Node]:
        body = ListNode(pos=self._peek_non_space().pos)
        while self._peek_non_space().kind is not lexer.Kind.EOF:
            node = self._text_or_action()
            if isinstance(node, _EndNode | _ElseNode):
                return body, node
            body.nodes.append(node)
        raise self._errorf("unexpected EOF")

    def _text_or_action(self) -> Node:
        tok = self._next_non_space()
        if tok.kind is lexer.Kind.TEXT:
            return TextNode(pos=tok.pos, text=tok.val)
        if tok.kind is lexer.Kind.LEFT_DELIM:
            self.action_line = tok.line
            try:
                return self._action()
            finally:
                self.action_line = 0
        raise self._unexpected(tok, "input")

    def _action(self) -> Node:
        tok = self._next_non_space()
        if tok.kind is lexer.Kind.KEYWORD:
            word = tok.val
            if word == "block":
                return self._block_control()
            if word in ("break", "continue"):
                return self._loop_control(tok)
            if word == "else":
                return self._else_control()
            if word == "end":
                end = self._expect(lexer.Kind.RIGHT_DELIM, "end")
                return _EndNode(pos=end.pos)
            if word in ("if", "range", "with"):
                return self._branch(word)
            if word == "template":
                return self._template_control()
        self._backup()
        tok = self._peek_non_space()
        return ActionNode(
            pos=tok.pos, line=tok.line, pipe=self._pipeline("command", lexer.Kind.RIGHT_DELIM)
        )

    def _loop_control(self, tok: lexer.Token) -> Node:
        nxt = self._next_non_space()
        if nxt.kind is not lexer.Kind.RIGHT_DELIM:
            raise self._unexpected(nxt, "{{" + tok.val + "}}")
        if self.range_depth == 0:
            raise self._errorf("{{" + tok.val + "}} outside {{range}}")
        if tok.val == "break":
            return BreakNode(pos=tok.pos, line=tok.line)
        return ContinueNode(pos=tok.pos, line=tok.line)

    def _else_control(self) -> Node:
        peek = self._peek_non_space()
        if peek.kind is lexer.Kind.KEYWORD and peek.val in ("if", "with"):
            return _ElseNode(pos=peek.pos, line=peek.line)
        tok = self._expect(lexer.Kind.RIGHT_DELIM, "else")
        return _ElseNode(pos=tok.pos, line=tok.line)

    def _branch(self, keyword: str) -> BranchNode:
        self._enter()
        saved = len(self.vars)
        try:
            pipe = self._pipeline(keyword, lexer.Kind.RIGHT_DELIM)
            if keyword == "range":
                self.range_depth += 1
            body, nxt = self._item_list()
            if keyword == "range":
                self.range_depth -= 1
            else_body: ListNode | None = None
            if isinstance(nxt, _ElseNode):
                peek = self._peek_non_space()
                if keyword in ("if", "with") and (
                    peek.kind is lexer.Kind.KEYWORD and peek.val == keyword
                ):
                    self._next_non_space()
                    else_body = ListNode(pos=nxt.pos, nodes=[self._branch(keyword)])
                else:
                    else_body, end = self._item_list()
                    if not isinstance(end, _EndNode):
                        raise self._errorf(f"expected end; found {end.go()}")
            return BranchNode(
                pos=pipe.pos, keyword=keyword, line=pipe.line, pipe=pipe, body=body,
                else_body=else_body,
            )
        finally:
            del self.vars[saved:]
            self.depth -= 1

    def _template_name(self, tok: lexer.Token, context: str) -> str:
        if tok.kind not in (lexer.Kind.STRING, lexer.Kind.RAW_STRING):
            raise self._unexpected(tok, context)
        return self._unquote(tok.val)

    def _template_control(self) -> TemplateNode:
        context = "template clause"
        tok = self._next_non_space()
        name = self._template_name(tok, context)
        pipe = None
        if self._next_non_space().kind is not lexer.Kind.RIGHT_DELIM:
            self._backup()
            pipe = self._pipeline(context, lexer.Kind.RIGHT_DELIM)
        return TemplateNode(pos=tok.pos, line=tok.line, name=name, pipe=pipe)

    def _block_control(self) -> TemplateNode:
        context = "block clause"
        tok = self._next_non_space()
        name = self._template_name(tok, context)
        pipe = self._pipeline(context, lexer.Kind.RIGHT_DELIM)
        saved_vars, saved_range = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self._item_list()
        self.vars, self.range_depth = saved_vars, saved_range
        if not isinstance(end, _EndNode):
            raise self._errorf(f"unexpected {end.go()} in {context}")
        self._add(name, body)
        return TemplateNode(pos=tok.pos, line=tok.line, name=name, pipe=pipe)

    def _pipeline(self, context: str, end: lexer.Kind) -> PipeNode:
        tok = self._peek_non_space()
        pipe = PipeNode(pos=tok.pos, line=tok.line)
        self._declarations(pipe, context)
        while True:
            tok = self._next_non_space()
            if tok.kind is end:
                self._check_pipeline(pipe, context)
                return pipe
            if tok.kind in _OPERAND_START:
                self._backup()
                pipe.cmds.append(self._command())
            else:
                raise self._unexpected(tok, context)

    def _declarations(self, pipe: PipeNode, context: str) -> None:
        while True:
            start = self.i
            var = self._peek_non_space()
            if var.kind is not lexer.Kind.VARIABLE:
                return
            self._next_non_space()
            nxt = self._peek_non_space()
            if nxt.kind in (lexer.Kind.ASSIGN, lexer.Kind.DECLARE):
                pipe.is_assign = nxt.kind is lexer.Kind.ASSIGN
                self._next_non_space()
                pipe.decl.append(VariableNode(pos=var.pos, idents=[var.val]))
                self.vars.append(var.val)
                return
            if nxt.kind is lexer.Kind.CHAR and nxt.val == ",":
                self._next_non_space()
                pipe.decl.append(VariableNode(pos=var.pos, idents=[var.val]))
                self.vars.append(var.val)
                if context == "range" and len(pipe.decl) < 2:
                    after = self._peek_non_space().kind
                    if after in (
                        lexer.Kind.VARIABLE, lexer.Kind.RIGHT_DELIM, lexer.Kind.RIGHT_PAREN
                    ):
                        continue
                    raise self._errorf("range can only initialize variables")
                raise self._errorf(f"too many declarations in {context}")
            self.i = start
            return

    def _check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self._errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], BoolNode | DotNode | NilNode | NumberNode | StringNode):
                raise self._errorf(f"non executable command in pipeline stage {i + 2}")

    def _command(self) -> CommandNode:
        cmd = CommandNode(pos=self._peek_non_space().pos, args=[])
        while True:
            self._skip_spaces()
            operand = self._operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self._next()
            if tok.kind is lexer.Kind.SPACE:
                continue
            if tok.kind in (lexer.Kind.RIGHT_DELIM, lexer.Kind.RIGHT_PAREN):
                self._backup()
            elif tok.kind is not lexer.Kind.PIPE:
                raise self._unexpected(tok, "operand")
            break
        if not cmd.args:
            raise self._errorf("empty command")
        return cmd

    def _operand(self) -> Node | None:
        node = self._term()
        if node is None:
            return None
        if self._peek().kind is lexer.Kind.FIELD:
            chain_pos = self._peek().pos
            fields: list[str] = []
            while self._peek().kind is lexer.Kind.FIELD:
                fields.append(self._next().val[1:])
            if isinstance(node, FieldNode):
                return FieldNode(pos=chain_pos, idents=node.idents + fields)
            if isinstance(node, VariableNode):
                return VariableNode(pos=chain_pos, idents=node.idents + fields)
            if isinstance(node, BoolNode | StringNode | NumberNode | NilNode | DotNode):
                raise self._errorf(f"unexpected . after term {errors.go_quote(node.go())}")
            return ChainNode(pos=chain_pos, node=node, fields=fields)
        return node

    def _term(self) -> Node | None:
        tok = self._next_non_space()
        kind = tok.kind
        if kind is lexer.Kind.IDENTIFIER:
            if tok.val not in self.funcs:
                raise self._errorf(f"function {errors.go_quote(tok.val)} not defined")
            return IdentifierNode(pos=tok.pos, name=tok.val)
        if kind is lexer.Kind.DOT:
            return DotNode(pos=tok.pos)
        if kind is lexer.Kind.NIL:
            return NilNode(pos=tok.pos)
        if kind is lexer.Kind.VARIABLE:
            return self._use_var(tok)
        if kind is lexer.Kind.FIELD:
            return FieldNode(pos=tok.pos, idents=[tok.val[1:]])
        if kind is lexer.Kind.BOOL:
            return BoolNode(pos=tok.pos, value=tok.val == "true")
        if kind in (lexer.Kind.NUMBER, lexer.Kind.CHAR_CONSTANT):
            return self._number(tok)
        if kind is lexer.Kind.LEFT_PAREN:
            self._enter()
            try:
                return self._pipeline("parenthesized pipeline", lexer.Kind.RIGHT_PAREN)
            finally:
                self.depth -= 1
        if kind in (lexer.Kind.STRING, lexer.Kind.RAW_STRING):
            return StringNode(pos=tok.pos, quoted=tok.val, text=self._unquote(tok.val))
        self._backup()
        return None

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._errorf("max expression depth exceeded")

    def _use_var(self, tok: lexer.Token) -> VariableNode:
        node = VariableNode(pos=tok.pos, idents=[tok.val])
        if tok.val not in self.vars:
            raise self._errorf(f"undefined variable {errors.go_quote(tok.val)}")
        return node

    def _unquote(self, quoted: str) -> str:
        if quoted.startswith("`"):
            return quoted[1:-1].replace("\r", "")
        try:
            return _go_unquote(quoted)
        except ValueError:
            raise self._errorf("invalid syntax") from None

    def _number(self, tok: lexer.Token) -> NumberNode:
        try:
            return parse_number(tok)
        except ValueError as exc:
            raise self._errorf(str(exc)) from None


_OPERAND_START: Final = frozenset(
    {
        lexer.Kind.BOOL, lexer.Kind.CHAR_CONSTANT, lexer.Kind.DOT, lexer.Kind.FIELD,
        lexer.Kind.IDENTIFIER, lexer.Kind.NUMBER, lexer.Kind.NIL, lexer.Kind.RAW_STRING,
        lexer.Kind.STRING, lexer.Kind.VARIABLE, lexer.Kind.LEFT_PAREN,
    }
)
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


def parse_number(tok: lexer.Token) -> NumberNode:
    """Go's ``newNumber``: which of int / uint / float a literal can be."""
    text = tok.val
    node = NumberNode(pos=tok.pos, text=text)
    if tok.kind is lexer.Kind.CHAR_CONSTANT:
        value = _go_unquote('"' + text[1:-1] + '"') if text != "'\"'" else '"'
        if len(value) != 1:
            raise ValueError(f"malformed character constant: {text}")
        code = ord(value)
        node.is_int = node.is_uint = node.is_float = node.is_char = True
        node.int_value, node.float_value = code, float(code)
        return node
    if text.endswith("i"):
        raise ValueError(f"illegal number syntax: {errors.go_quote(text)}")
    clean = text.replace("_", "")
    as_int = _parse_go_int(clean)
    if as_int is not None:
        if 0 <= as_int < 2**64:
            node.is_uint = True
        if _INT64_MIN <= as_int <= _INT64_MAX:
            node.is_int = True
            node.int_value = as_int
            node.is_float = True
            node.float_value = float(as_int)
        elif not node.is_uint:
            raise ValueError(f"illegal number syntax: {errors.go_quote(text)}")
        if node.is_uint and not node.is_int:
            node.is_float = True
            node.float_value = float(as_int)
        return node
    try:
        number = float.fromhex(clean) if clean.lstrip("+-")[:2] in ("0x", "0X") else float(clean)
    except ValueError:
        raise ValueError(f"illegal number syntax: {errors.go_quote(text)}") from None
    if not any(c in text for c in ".eEpP"):
        raise ValueError(f"integer overflow: {errors.go_quote(text)}")
    node.is_float = True
    node.float_value = number
    if number == int(number) and _INT64_MIN <= int(number) <= _INT64_MAX:
        node.is_int = True
        node.int_value = int(number)
    return node


def _parse_go_int(text: str) -> int | None:
    sign = 1
    body = text
    if body[:1] in "+-" and body:
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    try:
        if body[:2] in ("0x", "0X"):
            return sign * int(body[2:], 16)
        if body[:2] in ("0o", "0O"):
            return sign * int(body[2:], 8)
        if body[:2] in ("0b", "0B"):
            return sign * int(body[2:], 2)
        if len(body) > 1 and body[0] == "0" and body.isdigit():
            return sign * int(body, 8)
        if body.isdigit():
            return sign * int(body)
    except ValueError:
        return None
    return None


def _go_unquote(quoted: str) -> str:
    """strconv.Unquote for a double-quoted Go string (escapes as in Go, not Python)."""
    body = quoted[1:-1]
    if "\\" not in body:
        return body
    # Go and Python agree on \a \b \f \n \r \t \v \\ \" \xNN \uNNNN \UNNNNNNNN and octal \NNN;
    # Go has no \N{...} and rejects \' in double quotes and unknown escapes.
    i = 0
    while i < len(body):
        if body[i] == "\\":
            nxt = body[i + 1 : i + 2]
            if nxt not in 'abfnrtv\\"xuU01234567':
                raise ValueError("invalid escape")
            i += 2
        else:
            i += 1
    result = pyast.literal_eval('"' + body.replace("\n", "\\n") + '"')
    if not isinstance(result, str):
        raise ValueError("not a string")
    return result


def _describe(tok: lexer.Token) -> str:
    """Go's item.String(): ``EOF``, ``<keyword>``, or the quoted value (shortened past 10)."""
    if tok.kind is lexer.Kind.EOF:
        return "EOF"
    if tok.kind is lexer.Kind.KEYWORD:
        return f"<{tok.val}>"
    if len(tok.val) > 10:
        return errors.go_quote(tok.val[:10]) + "..."
    return errors.go_quote(tok.val)


def _is_empty(root: ListNode) -> bool:
    return all(isinstance(n, TextNode) and not n.text.strip() for n in root.nodes)


def parse(source: str, *, name: str, funcs: Container[str]) -> dict[str, Tree]:
    """All trees of ``source``: the main one under ``name`` plus each define/block."""
    return Parser(source=source, name=name, funcs=funcs).parse()
