"""Go literals in templates: numbers (``newNumber``), character constants and quoted strings.

Which of int / uint / float a literal can be decides how it converts to a function's parameter
(``expected integer; found 1.5``) and how it prints, so this follows Go's rules, not Python's.
"""

from __future__ import annotations

import ast as pyast
from typing import Any, Final

from kes.domain.templates import errors, lexer, nodes, values

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_INTEGER_TYPES: Final = frozenset(
    {"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"}
)


class RefusedError(Exception):
    """Go refuses this literal for this parameter type; ``message`` is its wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def convert(node: nodes.Node, typ: str) -> Any:
    """Go's evalArg for a bool, number or string literal passed as a parameter of type ``typ``.

    Untyped constants convert (``1`` to an int64 parameter is int64), anything else is refused
    with text/template's words (``expected integer; found 1.5``).
    """
    if typ in ("interface {}", "reflect.Value"):
        return ideal(node)
    if typ == "bool" and isinstance(node, nodes.BoolNode):
        return node.value
    if typ == "string" and isinstance(node, nodes.StringNode):
        return node.text
    if typ in _INTEGER_TYPES and isinstance(node, nodes.NumberNode) and node.is_int:
        return values.GoInt(node.int_value) if typ == "int" else node.int_value
    if typ == "float64" and isinstance(node, nodes.NumberNode) and node.is_float:
        return node.float_value
    expected = {"bool": "bool", "string": "string", "float64": "float"}.get(typ)
    if typ in _INTEGER_TYPES:
        expected = "integer"
    if expected is None:
        raise RefusedError(f"can't handle {node.go()} for arg of type {typ}")
    raise RefusedError(f"expected {expected}; found {node.go()}")


def ideal(node: nodes.Node) -> Any:
    """evalEmptyInterface / idealConstant: a literal's value where any type is accepted."""
    if isinstance(node, nodes.BoolNode):
        return node.value
    if isinstance(node, nodes.StringNode):
        return node.text
    assert isinstance(node, nodes.NumberNode)
    if node.is_complex:
        return node.complex_value  # "incontrovertible", as Go's idealConstant says
    is_plain_float = (
        node.is_float
        and not _is_hex_int(node.text)
        and not node.is_char
        and any(c in node.text for c in ".eEpP")
    )
    if is_plain_float:
        return node.float_value
    if node.is_int:
        return values.GoInt(node.int_value)
    raise RefusedError(f"{node.text} overflows int")


def _is_hex_int(text: str) -> bool:
    """Go's isHexInt: 0x… without a p exponent (so 0x1E is an int, 0x1p-2 a float).

    Like Go, a signed literal (-0x1E) is not a hex int, so its E makes it a float constant.
    """
    lowered = text.lower()
    return lowered.startswith("0x") and "p" not in lowered


def parse_number(tok: lexer.Token) -> nodes.NumberNode:
    """Go's ``newNumber``: which of int / uint / float a literal can be."""
    text = tok.val
    node = nodes.NumberNode(pos=tok.pos, text=text)
    if tok.kind is lexer.Kind.CHAR_CONSTANT:
        body = text[1:-1]
        # In a rune literal \' is the escape and " stands for itself (the reverse of strings).
        if body == "\\'":
            value = "'"
        elif body == '"':
            value = '"'
        else:
            try:
                value = go_unquote('"' + body + '"')
            except ValueError:
                raise ValueError(f"malformed character constant: {text}") from None
        if len(value) != 1:
            raise ValueError(f"malformed character constant: {text}")
        code = ord(value)
        node.is_int = node.is_uint = node.is_float = node.is_char = True
        node.int_value, node.float_value = code, float(code)
        return node
    if text.endswith("i"):
        return _complex_number(node, text)
    clean = text.replace("_", "")
    as_int = _parse_go_int(clean)
    if as_int is not None and not _INT64_MIN <= as_int < 2**64:
        as_int = None  # too big for Go's ParseInt/ParseUint; the float path reports overflow
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


def _complex_number(node: nodes.NumberNode, text: str) -> nodes.NumberNode:
    """An imaginary (``1i``) or complex (``1+2i``) constant: a complex128, as in Go."""
    body = text[:-1]
    try:
        if "_" in body:
            # strconv's underscoreOK: only between digits (or after a base prefix).
            if any(not (a.isalnum() and b.isalnum()) for a, b in _around_underscores(body)):
                raise ValueError(text)
            body = body.replace("_", "")
        if body.lstrip("+-")[:2] in ("0x", "0X"):
            value = complex(0, float.fromhex(body))
        else:
            try:
                value = complex(0, float(body))
            except ValueError:
                value = complex(body + "j")  # "1+2i": Go lets fmt.Sscan read the pair
    except ValueError:
        raise ValueError(f"illegal number syntax: {errors.go_quote(text)}") from None
    node.is_complex = True
    node.complex_value = value
    # Go's simplifyComplex: a constant with no imaginary part is also a float (and maybe an int).
    if value.imag == 0:
        node.is_float = True
        node.float_value = value.real
        if value.real == int(value.real) and _INT64_MIN <= int(value.real) <= _INT64_MAX:
            node.is_int = True
            node.int_value = int(value.real)
            node.is_uint = node.int_value >= 0
    return node


def _around_underscores(text: str) -> list[tuple[str, str]]:
    return [
        (text[i - 1 : i], text[i + 1 : i + 2]) for i, ch in enumerate(text) if ch == "_"
    ]


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


def go_unquote(quoted: str) -> str:
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
