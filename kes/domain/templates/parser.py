"""Go text/template's parser: tokens → an AST of our own, with Go's checks and error messages.

Ported from ``text/template/parse/parse.go`` so that what Go rejects at parse time (undefined
functions and variables, ``{{break}}`` outside ``range``, a literal after a pipe) is rejected here
with the same words, and so every node keeps its position for execution errors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Container
from typing import Final

from kes.domain.templates import errors, lexer, literals, nodes

MAX_DEPTH: Final = 64  # nesting of parentheses/controls; Go allows more, Python's stack does not


@dataclasses.dataclass
class Tree:
    name: str
    root: nodes.ListNode


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
        root = nodes.ListNode(pos=0)
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
            if isinstance(node, nodes.EndNode | nodes.ElseNode):
                raise self._errorf(f"unexpected {node.go()}")
            root.nodes.append(node)
        self._add(self.name, root)
        return self.trees

    def _add(self, name: str, root: nodes.ListNode) -> None:
        existing = self.trees.get(name)
        # Go's Tree.add: an empty (whitespace-only) definition gives way to any other; two
        # non-empty ones in one parse are an error.
        if existing is None or _is_empty(existing.root):
            self.trees[name] = Tree(name=name, root=root)
        elif not _is_empty(root):
            raise self._errorf(f"template: multiple definition of template {errors.go_quote(name)}")

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
        if not isinstance(end, nodes.EndNode):
            raise self._errorf(f"unexpected {end.go()} in {context}")
        self._add(name, body)

    def _item_list(self) -> tuple[nodes.ListNode, nodes.Node]:
        body = nodes.ListNode(pos=self._peek_non_space().pos)
        while self._peek_non_space().kind is not lexer.Kind.EOF:
            node = self._text_or_action()
            if isinstance(node, nodes.EndNode | nodes.ElseNode):
                return body, node
            body.nodes.append(node)
        raise self._errorf("unexpected EOF")

    def _text_or_action(self) -> nodes.Node:
        tok = self._next_non_space()
        if tok.kind is lexer.Kind.TEXT:
            return nodes.TextNode(pos=tok.pos, text=tok.val)
        if tok.kind is lexer.Kind.LEFT_DELIM:
            self.action_line = tok.line
            try:
                return self._action()
            finally:
                self.action_line = 0
        raise self._unexpected(tok, "input")

    def _action(self) -> nodes.Node:
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
                return nodes.EndNode(pos=end.pos)
            if word in ("if", "range", "with"):
                return self._branch(word)
            if word == "template":
                return self._template_control()
        self._backup()
        tok = self._peek_non_space()
        return nodes.ActionNode(
            pos=tok.pos, line=tok.line, pipe=self._pipeline("command", lexer.Kind.RIGHT_DELIM)
        )

    def _loop_control(self, tok: lexer.Token) -> nodes.Node:
        nxt = self._next_non_space()
        if nxt.kind is not lexer.Kind.RIGHT_DELIM:
            raise self._unexpected(nxt, "{{" + tok.val + "}}")
        if self.range_depth == 0:
            raise self._errorf("{{" + tok.val + "}} outside {{range}}")
        if tok.val == "break":
            return nodes.BreakNode(pos=tok.pos, line=tok.line)
        return nodes.ContinueNode(pos=tok.pos, line=tok.line)

    def _else_control(self) -> nodes.Node:
        peek = self._peek_non_space()
        if peek.kind is lexer.Kind.KEYWORD and peek.val in ("if", "with"):
            return nodes.ElseNode(pos=peek.pos, line=peek.line)
        tok = self._expect(lexer.Kind.RIGHT_DELIM, "else")
        return nodes.ElseNode(pos=tok.pos, line=tok.line)

    def _branch(self, keyword: str) -> nodes.BranchNode:
        self._enter()
        saved = len(self.vars)
        try:
            pipe = self._pipeline(keyword, lexer.Kind.RIGHT_DELIM)
            if keyword == "range":
                self.range_depth += 1
            body, nxt = self._item_list()
            if keyword == "range":
                self.range_depth -= 1
            else_body: nodes.ListNode | None = None
            if isinstance(nxt, nodes.ElseNode):
                peek = self._peek_non_space()
                if keyword in ("if", "with") and (
                    peek.kind is lexer.Kind.KEYWORD and peek.val == keyword
                ):
                    self._next_non_space()
                    else_body = nodes.ListNode(pos=nxt.pos, nodes=[self._branch(keyword)])
                else:
                    else_body, end = self._item_list()
                    if not isinstance(end, nodes.EndNode):
                        raise self._errorf(f"expected end; found {end.go()}")
            return nodes.BranchNode(
                pos=pipe.pos,
                keyword=keyword,
                line=pipe.line,
                pipe=pipe,
                body=body,
                else_body=else_body,
            )
        finally:
            del self.vars[saved:]
            self.depth -= 1

    def _template_name(self, tok: lexer.Token, context: str) -> str:
        if tok.kind not in (lexer.Kind.STRING, lexer.Kind.RAW_STRING):
            raise self._unexpected(tok, context)
        return self._unquote(tok.val)

    def _template_control(self) -> nodes.TemplateNode:
        context = "template clause"
        tok = self._next_non_space()
        name = self._template_name(tok, context)
        pipe = None
        if self._next_non_space().kind is not lexer.Kind.RIGHT_DELIM:
            self._backup()
            pipe = self._pipeline(context, lexer.Kind.RIGHT_DELIM)
        return nodes.TemplateNode(pos=tok.pos, line=tok.line, name=name, pipe=pipe)

    def _block_control(self) -> nodes.TemplateNode:
        context = "block clause"
        tok = self._next_non_space()
        name = self._template_name(tok, context)
        pipe = self._pipeline(context, lexer.Kind.RIGHT_DELIM)
        saved_vars, saved_range = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self._item_list()
        self.vars, self.range_depth = saved_vars, saved_range
        if not isinstance(end, nodes.EndNode):
            raise self._errorf(f"unexpected {end.go()} in {context}")
        self._add(name, body)
        return nodes.TemplateNode(pos=tok.pos, line=tok.line, name=name, pipe=pipe)

    def _pipeline(self, context: str, end: lexer.Kind) -> nodes.PipeNode:
        tok = self._peek_non_space()
        pipe = nodes.PipeNode(pos=tok.pos, line=tok.line)
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

    def _declarations(self, pipe: nodes.PipeNode, context: str) -> None:
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
                pipe.decl.append(nodes.VariableNode(pos=var.pos, idents=[var.val]))
                self.vars.append(var.val)
                return
            if nxt.kind is lexer.Kind.CHAR and nxt.val == ",":
                self._next_non_space()
                pipe.decl.append(nodes.VariableNode(pos=var.pos, idents=[var.val]))
                self.vars.append(var.val)
                if context == "range" and len(pipe.decl) < 2:
                    after = self._peek_non_space().kind
                    if after in (
                        lexer.Kind.VARIABLE,
                        lexer.Kind.RIGHT_DELIM,
                        lexer.Kind.RIGHT_PAREN,
                    ):
                        continue
                    raise self._errorf("range can only initialize variables")
                raise self._errorf(f"too many declarations in {context}")
            self.i = start
            return

    def _check_pipeline(self, pipe: nodes.PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self._errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(
                cmd.args[0],
                nodes.BoolNode
                | nodes.DotNode
                | nodes.NilNode
                | nodes.NumberNode
                | nodes.StringNode,
            ):
                raise self._errorf(f"non executable command in pipeline stage {i + 2}")

    def _command(self) -> nodes.CommandNode:
        cmd = nodes.CommandNode(pos=self._peek_non_space().pos, args=[])
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

    def _operand(self) -> nodes.Node | None:
        node = self._term()
        if node is None:
            return None
        if self._peek().kind is lexer.Kind.FIELD:
            chain_pos = self._peek().pos
            fields: list[str] = []
            while self._peek().kind is lexer.Kind.FIELD:
                fields.append(self._next().val[1:])
            if isinstance(node, nodes.FieldNode):
                return nodes.FieldNode(pos=chain_pos, idents=node.idents + fields)
            if isinstance(node, nodes.VariableNode):
                return nodes.VariableNode(pos=chain_pos, idents=node.idents + fields)
            if isinstance(
                node,
                nodes.BoolNode
                | nodes.StringNode
                | nodes.NumberNode
                | nodes.NilNode
                | nodes.DotNode,
            ):
                raise self._errorf(f"unexpected . after term {errors.go_quote(node.go())}")
            return nodes.ChainNode(pos=chain_pos, node=node, fields=fields)
        return node

    def _term(self) -> nodes.Node | None:
        tok = self._next_non_space()
        kind = tok.kind
        if kind is lexer.Kind.IDENTIFIER:
            if tok.val not in self.funcs:
                raise self._errorf(f"function {errors.go_quote(tok.val)} not defined")
            return nodes.IdentifierNode(pos=tok.pos, name=tok.val)
        if kind is lexer.Kind.DOT:
            return nodes.DotNode(pos=tok.pos)
        if kind is lexer.Kind.NIL:
            return nodes.NilNode(pos=tok.pos)
        if kind is lexer.Kind.VARIABLE:
            return self._use_var(tok)
        if kind is lexer.Kind.FIELD:
            return nodes.FieldNode(pos=tok.pos, idents=[tok.val[1:]])
        if kind is lexer.Kind.BOOL:
            return nodes.BoolNode(pos=tok.pos, value=tok.val == "true")
        if kind in (lexer.Kind.NUMBER, lexer.Kind.CHAR_CONSTANT):
            return self._number(tok)
        if kind is lexer.Kind.LEFT_PAREN:
            self._enter()
            try:
                return self._pipeline("parenthesized pipeline", lexer.Kind.RIGHT_PAREN)
            finally:
                self.depth -= 1
        if kind in (lexer.Kind.STRING, lexer.Kind.RAW_STRING):
            return nodes.StringNode(pos=tok.pos, quoted=tok.val, text=self._unquote(tok.val))
        self._backup()
        return None

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._errorf("max expression depth exceeded")

    def _use_var(self, tok: lexer.Token) -> nodes.VariableNode:
        node = nodes.VariableNode(pos=tok.pos, idents=[tok.val])
        if tok.val not in self.vars:
            raise self._errorf(f"undefined variable {errors.go_quote(tok.val)}")
        return node

    def _unquote(self, quoted: str) -> str:
        if quoted.startswith("`"):
            return quoted[1:-1].replace("\r", "")
        try:
            return literals.go_unquote(quoted)
        except ValueError:
            raise self._errorf("invalid syntax") from None

    def _number(self, tok: lexer.Token) -> nodes.NumberNode:
        try:
            return literals.parse_number(tok)
        except ValueError as exc:
            raise self._errorf(str(exc)) from None


_LITERALS: Final = (
    nodes.BoolNode,
    nodes.DotNode,
    nodes.NilNode,
    nodes.NumberNode,
    nodes.StringNode,
)
_OPERAND_START: Final = frozenset(
    {
        lexer.Kind.BOOL,
        lexer.Kind.CHAR_CONSTANT,
        lexer.Kind.DOT,
        lexer.Kind.FIELD,
        lexer.Kind.IDENTIFIER,
        lexer.Kind.NUMBER,
        lexer.Kind.NIL,
        lexer.Kind.RAW_STRING,
        lexer.Kind.STRING,
        lexer.Kind.VARIABLE,
        lexer.Kind.LEFT_PAREN,
    }
)


def _describe(tok: lexer.Token) -> str:
    """Go's item.String(): ``EOF``, ``<keyword>``, or the quoted value (shortened past 10)."""
    if tok.kind is lexer.Kind.EOF:
        return "EOF"
    if tok.kind is lexer.Kind.KEYWORD:
        return f"<{tok.val}>"
    if len(tok.val) > 10:
        return errors.go_quote(tok.val[:10]) + "..."
    return errors.go_quote(tok.val)


def _is_empty(root: nodes.ListNode) -> bool:
    return all(isinstance(n, nodes.TextNode) and not n.text.strip() for n in root.nodes)


def parse(source: str, *, name: str, funcs: Container[str]) -> dict[str, Tree]:
    """All trees of ``source``: the main one under ``name`` plus each define/block."""
    return Parser(source=source, name=name, funcs=funcs).parse()
