"""The label selector grammar of k8s.io/apimachinery, lexer and parser.

Split from :mod:`selectors` (which holds the public functions and field selectors) because the
grammar alone is most of the code: tokens, the value/operator contexts in which ``in`` is a
keyword or a value, and the exact error messages the apiserver answers with.
"""

from __future__ import annotations

import dataclasses
import re


class SelectorError(ValueError):
    """An unparsable or unsupported selector; ``str(err)`` is the apiserver's message (400)."""


@dataclasses.dataclass(frozen=True)
class Requirement:
    """One label requirement: operator is one of =, ==, !=, in, notin, exists, !."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end"
    " with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
    " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or"
    " '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or"
    " 'my_value',  or '12345', regex used for validation is"
    " '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_PREFIX_MSG = (
    "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
    " characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
    " 'example.com', regex used for validation is"
    " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)

# --- label selector lexer -------------------------------------------------------------------

_SPECIAL = set("=!(),><")
_WHITESPACE = set(" \t\r\n")
_SYMBOLS = {")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", "<": "<",
            "!=": "!=", "(": "("}
_KEYWORDS = {"in", "notin"}
_IDENT = "IDENT"
_END = "END"
_ERROR = "ERROR"


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens as (kind, literal); kind is the symbol itself, a keyword, IDENT, END or ERROR."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= len(text):
            tokens.append((_END, ""))
            return tokens
        if text[pos] in _SPECIAL:
            # Longest run of special characters that still forms a known symbol.
            buffer = ""
            last: str | None = None
            while pos < len(text) and text[pos] in _SPECIAL:
                buffer += text[pos]
                if buffer in _SYMBOLS:
                    last = buffer
                    pos += 1
                elif last is not None:
                    break
                else:
                    pos += 1
            if last is None:
                tokens.append((_ERROR, f"error expected: keyword found '{buffer}'"))
                tokens.append((_END, ""))
                return tokens
            tokens.append((last, last))
            continue
        start = pos
        while pos < len(text) and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        tokens.append((word if word in _KEYWORDS else _IDENT, word))


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.position = 0

    def _token(self, *, values: bool, advance: bool) -> tuple[str, str]:
        kind, literal = self.tokens[min(self.position, len(self.tokens) - 1)]
        if advance:
            self.position += 1
        # In a value position the keywords are ordinary identifiers ("x in (in)").
        if values and kind in _KEYWORDS:
            kind = _IDENT
        return kind, literal

    def lookahead(self, *, values: bool = True) -> tuple[str, str]:
        return self._token(values=values, advance=False)

    def consume(self, *, values: bool = True) -> tuple[str, str]:
        return self._token(values=values, advance=True)

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            kind, literal = self.lookahead()
            if kind in (_IDENT, "!"):
                try:
                    requirements.append(self.requirement())
                except SelectorError as err:
                    raise SelectorError(f"unable to parse requirement: {err}") from None
                kind, literal = self.consume()
                if kind == _END:
                    return requirements
                if kind != ",":
                    raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
                next_kind, next_literal = self.lookahead()
                if next_kind not in (_IDENT, "!"):
                    raise SelectorError(
                        f"found '{next_literal}', expected: identifier after ','"
                    )
            elif kind == _END:
                return requirements
            else:
                raise SelectorError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )

    def requirement(self) -> Requirement:
        kind, literal = self.consume()
        negated = kind == "!"
        if negated:
            kind, literal = self.consume()
        if kind != _IDENT:
            raise SelectorError(f"found '{literal}', expected: identifier")
        _check_key(literal, field="")
        key = literal
        # "!key=value" is not a thing: the caller then finds '=' where it expects ','.
        if negated:
            return Requirement(key=key, operator="!")
        if self.lookahead()[0] in (_END, ","):
            return Requirement(key=key, operator="exists")
        op_kind, op_literal = self.consume(values=False)
        if op_kind in ("in", "notin"):
            values = self.value_set()
        elif op_kind in ("=", "==", "!="):
            values = self.exact_value()
        elif op_kind in (">", "<"):
            values = self.exact_value()
            if not values[0].lstrip("-").isdigit():
                raise SelectorError(
                    f'values[0]: Invalid value: "{values[0]}": for \'Gt\', \'Lt\' operators,'
                    " the value must be an integer"
                )
        else:
            raise SelectorError(
                f"found '{op_literal}', expected: in, notin, =, ==, !=, gt, lt"
            )
        for index, value in enumerate(values):
            if not _LABEL_VALUE.fullmatch(value) or len(value) > 63:
                detail = _LABEL_VALUE_MSG
                if len(value) > 63:
                    detail = "must be no more than 63 characters"
                raise SelectorError(f'values[{index}][{key}]: Invalid value: "{value}": {detail}')
        return Requirement(key=key, operator=op_kind, values=values)

    def value_set(self) -> tuple[str, ...]:
        kind, literal = self.consume()
        if kind != "(":
            raise SelectorError(f"found '{literal}' expected: '('")
        kind, literal = self.lookahead()
        if kind == ")":
            self.consume()
            return ("",)
        if kind not in (_IDENT, ","):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        found: set[str] = set()
        while True:
            kind, item = self.consume()
            if kind == _IDENT:
                found.add(item)
                next_kind, next_literal = self.lookahead()
                if next_kind == ",":
                    self.consume()
                    if self.lookahead()[0] == ")":
                        found.add("")
                        break
                    continue
                if next_kind == ")":
                    break
                raise SelectorError(f"found '{next_literal}', expected: ',' or ')'")
            if kind == ",":
                found.add("")
                if self.lookahead()[0] == ")":
                    break
                continue
            raise SelectorError(f"found '{item}', expected: ',', or identifier")
        self.consume()  # the closing parenthesis
        return tuple(sorted(found))

    def exact_value(self) -> tuple[str, ...]:
        kind, _ = self.lookahead()
        if kind in (_END, ","):
            return ("",)
        kind, literal = self.consume()
        if kind == _IDENT:
            return (literal,)
        raise SelectorError(f"found '{literal}', expected: identifier")


def _check_key(key: str, *, field: str) -> None:
    prefix_path = f"{field}: " if field else ""
    prefix, _, name = key.rpartition("/")
    errors: list[str] = []
    if "/" in key and not prefix:
        errors.append("prefix part must be non-empty")
    elif prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        errors.append(_PREFIX_MSG)
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    elif not _NAME_PART.fullmatch(name):
        errors.append(_NAME_PART_MSG)
    if errors:
        raise SelectorError(f'{prefix_path}Invalid value: "{key}": {"; ".join(errors)}')


def parse(text: str) -> list[Requirement]:
    """The requirements of a non-empty selector, in the order written."""
    return _Parser(text).parse()
