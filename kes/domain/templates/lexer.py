"""Go text/template's lexer, token for token.

A faithful port of ``text/template/parse/lex.go``: delimiters ``{{ }}``, trim markers (``{{- `` and
`` -}}``, which need the space), comments, and the tokens inside actions. Positions are byte offsets
into the UTF-8 source because Go's error columns count bytes.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Final


class Kind(enum.Enum):
    ERROR = "error"
    EOF = "EOF"
    TEXT = "text"
    LEFT_DELIM = "{{"
    RIGHT_DELIM = "}}"
    SPACE = "space"
    IDENTIFIER = "identifier"
    FIELD = "field"
    VARIABLE = "variable"
    STRING = "string"
    RAW_STRING = "raw string"
    CHAR_CONSTANT = "char constant"
    NUMBER = "number"
    BOOL = "bool"
    NIL = "nil"
    DOT = "."
    PIPE = "|"
    LEFT_PAREN = "("
    RIGHT_PAREN = ")"
    ASSIGN = "="
    DECLARE = ":="
    CHAR = "char"
    COMMENT = "comment"
    KEYWORD = "keyword"


KEYWORDS: Final = frozenset(
    {"block", "break", "continue", "define", "else", "end", "if", "range", "template", "with"}
)
_LEFT: Final = "{{"
_RIGHT: Final = "}}"
_SPACES: Final = " \t\r\n"
# Go's scanNumber: what it accepts may still be rejected by the parser ("-", "1e").
_NUMBER: Final = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]*)?"
    r"|0[oO][0-7_]*(?:\.[0-7_]*)?|0[bB][01_]*(?:\.[01_]*)?"
    r"|[0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]*)?)i?"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    val: str
    pos: int  # character offset into the source
    line: int


class Lexer:
    """Produces the token list for one template source; errors become an ERROR token."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.start = 0
        self.line = 1
        self.start_line = 1
        self.tokens: list[Token] = []
        self.paren_depth = 0

    # -- helpers -----------------------------------------------------------------------------

    def _emit(self, kind: Kind) -> None:
        text = self.src[self.start : self.pos]
        self.tokens.append(Token(kind, text, self.start, self.start_line))
        self.start = self.pos
        self.start_line = self.line

    def _ignore(self) -> None:
        self.line += self.src.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def _advance(self, n: int = 1) -> None:
        self.line += self.src.count("\n", self.pos, self.pos + n)
        self.pos += n

    def _peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.src[i] if i < len(self.src) else ""

    def _error(self, message: str) -> bool:
        self.tokens.append(Token(Kind.ERROR, message, self.start, self.start_line))
        return False

    def _at_right_trim(self) -> bool:
        return (
            self._peek() in _SPACES
            and self._peek() != ""
            and self._peek(1) == "-"
            and self.src.startswith(_RIGHT, self.pos + 2)
        )

    # -- states ------------------------------------------------------------------------------

    def run(self) -> list[Token]:
        while self._lex_text() and self._lex_action():
            pass
        return self.tokens

    def _lex_text(self) -> bool:
        found = self.src.find(_LEFT, self.pos)
        if found < 0:
            self._advance(len(self.src) - self.pos)
            if self.pos > self.start:
                self._emit(Kind.TEXT)
            self._emit(Kind.EOF)
            return False
        self._advance(found - self.pos)
        trim = self.src.startswith("-", found + 2) and self._peek(3) in _SPACES and self._peek(3)
        end = self.pos
        if trim:
            end = len(self.src[: self.pos].rstrip(_SPACES))
        if end > self.start:
            self.tokens.append(
                Token(Kind.TEXT, self.src[self.start : end], self.start, self.start_line)
            )
        self.start = self.pos
        self.start_line = self.line
        return True

    def _lex_action(self) -> bool:
        """At ``{{``: emit the delimiter, a comment or the action's tokens up to ``}}``."""
        trim_left = self._peek(2) == "-" and self._peek(3) in _SPACES and self._peek(3) != ""
        after = 4 if trim_left else 2
        if self.src.startswith("/*", self.pos + after):
            # Go emits no delimiters around a comment; the parser never sees it.
            self._advance(after)
            self._ignore()
            return self._lex_comment()
        self._advance(2)
        self._emit(Kind.LEFT_DELIM)
        if trim_left:
            self._advance(2)
            self._ignore()
        self.paren_depth = 0
        while True:
            if self.src.startswith(_RIGHT, self.pos) or self._at_right_trim():
                if self.paren_depth:
                    return self._error("unclosed left paren")
                return self._lex_right_delim()
            if not self._lex_inside_action():
                return False

    def _lex_right_delim(self) -> bool:
        trim = self._at_right_trim()
        if trim:
            self._advance(2)
            self._ignore()
        self._advance(2)
        self._emit(Kind.RIGHT_DELIM)
        if trim:
            rest = len(self.src) - len(self.src[self.pos :].lstrip(_SPACES))
            self._advance(rest - self.pos)
            self._ignore()
        return True

    def _lex_comment(self) -> bool:
        end = self.src.find("*/", self.pos + 2)
        if end < 0:
            return self._error("unclosed comment")
        self._advance(end + 2 - self.pos)
        trim = self._at_right_trim()
        if not self.src.startswith(_RIGHT, self.pos) and not trim:
            return self._error("comment ends before closing delimiter")
        self._ignore()
        trim = self._at_right_trim()
        self._advance(4 if trim else 2)
        if trim:
            rest = len(self.src) - len(self.src[self.pos :].lstrip(_SPACES))
            self._advance(rest - self.pos)
        self._ignore()
        return True

    def _lex_inside_action(self) -> bool:
        ch = self._peek()
        if ch == "":
            return self._error("unclosed action")
        if ch in _SPACES:
            while self._peek() in _SPACES and self._peek() != "" and not self._at_right_trim():
                self._advance()
            if self._at_right_trim():
                # The space belongs to the trim marker; only emit what precedes it.
                if self.pos > self.start:
                    self._emit(Kind.SPACE)
                return True
            self._emit(Kind.SPACE)
            return True
        if ch == "=":
            self._advance()
            self._emit(Kind.ASSIGN)
        elif ch == ":":
            if self._peek(1) != "=":
                self._advance()
                return self._error("expected :=")
            self._advance(2)
            self._emit(Kind.DECLARE)
        elif ch == "|":
            self._advance()
            self._emit(Kind.PIPE)
        elif ch == '"':
            return self._lex_quote()
        elif ch == "`":
            end = self.src.find("`", self.pos + 1)
            if end < 0:
                return self._error("unterminated raw quoted string")
            self._advance(end + 1 - self.pos)
            self._emit(Kind.RAW_STRING)
        elif ch == "$":
            self._advance()
            return self._lex_word(Kind.VARIABLE)
        elif ch == "'":
            return self._lex_char()
        elif ch == ".":
            if self._peek(1).isdigit() and self._peek(1).isascii():
                return self._lex_number()
            self._advance()
            return self._lex_word(Kind.FIELD)
        elif ch in "+-" or (ch.isdigit() and ch.isascii()):
            return self._lex_number()
        elif _is_alnum(ch):
            return self._lex_identifier()
        elif ch == "(":
            self._advance()
            self._emit(Kind.LEFT_PAREN)
            self.paren_depth += 1
        elif ch == ")":
            self._advance()
            self.paren_depth -= 1
            if self.paren_depth < 0:
                return self._error("unexpected right paren")
            self._emit(Kind.RIGHT_PAREN)
        elif ch.isascii() and ch.isprintable():
            self._advance()
            self._emit(Kind.CHAR)
        else:
            return self._error(f"unrecognized character in action: {_unicode_repr(ch)}")
        return True

    def _lex_word(self, kind: Kind) -> bool:
        """After ``$`` or ``.``: the alphanumeric run (possibly empty)."""
        while _is_alnum(self._peek()):
            self._advance()
        if kind is Kind.FIELD and self.pos - self.start == 1:
            self._emit(Kind.DOT)
            return True
        if not self._at_terminator():
            return self._error(f"bad character {_unicode_repr(self._peek())}")
        self._emit(kind)
        return True

    def _lex_identifier(self) -> bool:
        while _is_alnum(self._peek()):
            self._advance()
        if not self._at_terminator():
            return self._error(f"bad character {_unicode_repr(self._peek())}")
        word = self.src[self.start : self.pos]
        if word in KEYWORDS:
            kind = Kind.KEYWORD
        elif word in ("true", "false"):
            kind = Kind.BOOL
        elif word == "nil":
            kind = Kind.NIL
        else:
            kind = Kind.IDENTIFIER
        self._emit(kind)
        return True

    def _at_terminator(self) -> bool:
        ch = self._peek()
        if ch == "" or ch in _SPACES or ch in ".,|:)(":
            return True
        return self.src.startswith(_RIGHT, self.pos)

    def _lex_quote(self) -> bool:
        return self._lex_quoted('"', kind=Kind.STRING, unterminated="unterminated quoted string")

    def _lex_char(self) -> bool:
        return self._lex_quoted(
            "'", kind=Kind.CHAR_CONSTANT, unterminated="unterminated character constant"
        )

    def _lex_quoted(self, quote: str, *, kind: Kind, unterminated: str) -> bool:
        """Go's lexQuote/lexChar: up to the closing quote, skipping escapes, on one line."""
        i = self.pos + 1
        while True:
            ch = self.src[i] if i < len(self.src) else ""
            if ch == "\\":
                nxt = self.src[i + 1] if i + 1 < len(self.src) else ""
                if nxt not in ("", "\n"):
                    i += 2
                    continue
                ch = nxt
            if ch in ("", "\n"):
                self._advance(i - self.pos)
                return self._error(unterminated)
            if ch == quote:
                break
            i += 1
        self._advance(i + 1 - self.pos)
        self._emit(kind)
        return True

    def _lex_number(self) -> bool:
        end = self._scan_number(self.pos)
        if end is not None and self.src[end : end + 1] in ("+", "-"):
            # A complex constant such as 1+2i: no spaces, and it must end in 'i'.
            end = self._scan_number(end)
            if end is not None and self.src[end - 1] != "i":
                self._advance(end - self.pos)
                return self._error(f'bad number syntax: "{self.src[self.start : self.pos]}"')
        if end is None:
            return self._error(f'bad number syntax: "{self.src[self.start : self.pos]}"')
        self._advance(end - self.pos)
        self._emit(Kind.NUMBER)
        return True

    def _scan_number(self, pos: int) -> int | None:
        """Go's scanNumber from `pos`: the end of the number, or None (bad number syntax)."""
        match = _NUMBER.match(self.src, pos)
        end = match.end() if match else pos
        if _is_alnum(self.src[end : end + 1]):
            # Go's scanNumber takes one more character into the message: "3k" of "3kk".
            self._advance(end + 1 - self.pos)
            return None
        return end


def _is_alnum(ch: str) -> bool:
    # Go: '_' or unicode.IsLetter or unicode.IsDigit (Nd only; Python's isalnum takes more).
    return ch != "" and (ch == "_" or ch.isalpha() or ch.isdecimal())


def _unicode_repr(ch: str) -> str:
    """Go's ``%#U``: ``U+0026 '&'``."""
    if ch == "":
        return "U+FFFFFFFF"  # Go's eof rune (-1) shown as %#U
    code = ord(ch)
    if ch.isprintable():
        return f"U+{code:04X} '{ch}'"
    return f"U+{code:04X}"


def lex(source: str) -> list[Token]:
    """All tokens of ``source``, ending with EOF or ERROR."""
    return Lexer(source).run()


def byte_column(source: str, pos: int) -> tuple[int, int]:
    """Go's (line, column) of a character offset; the column counts UTF-8 bytes (ErrorContext)."""
    before = source[:pos]
    newline = before.rfind("\n")
    line_text = before if newline < 0 else before[newline + 1 :]
    return before.count("\n") + 1, len(line_text.encode("utf-8"))
