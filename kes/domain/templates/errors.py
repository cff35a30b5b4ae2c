"""Template errors with Go's wording and positions.

text/template reports parse errors as ``template: NAME:LINE: message`` and execution errors as
``template: NAME:LINE:COL: executing "NAME" at <NODE>: message``; Kanister passes both through
(except a missing map key, which it rewrites). Users grep for these strings, so we keep them.
"""

from __future__ import annotations

import dataclasses


class TemplateError(Exception):
    """Any failure to parse or execute a template; the message is what Kanister would print."""


@dataclasses.dataclass(frozen=True)
class Position:
    """Where a node sits in its template: Go's line (1-based) and byte column (0-based)."""

    name: str
    line: int
    col: int
    context: str

    @property
    def location(self) -> str:
        return f"{self.name}:{self.line}:{self.col}"


class ParseError(TemplateError):
    """A syntax error found while lexing or parsing."""

    def __init__(self, *, name: str, line: int, message: str) -> None:
        super().__init__(f"template: {name}:{line}: {message}")
        self.detail = message


class ExecError(Exception):
    """Raised by the runtime at a node (by index into the unit's position table)."""

    def __init__(self, node: int, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def exec_message(*, position: Position, executing: str, message: str) -> str:
    """Go's ``state.errorf`` wording for an execution error."""
    return (
        f"template: {position.location}: executing {go_quote(executing)} "
        f"at <{position.context}>: {message}"
    )


def go_quote(text: str) -> str:
    """strconv.Quote for the printable texts that appear in error messages."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
