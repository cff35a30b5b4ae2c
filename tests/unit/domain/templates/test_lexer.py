"""The lexer: Go's tokens, trim markers, comments, positions and lexical errors."""

from __future__ import annotations

import pytest

from kes.domain.templates import lexer

K = lexer.Kind


def _kinds(source: str) -> list[tuple[lexer.Kind, str]]:
    return [(t.kind, t.val) for t in lexer.lex(source) if t.kind is not K.SPACE]


def test_text_and_action_tokens() -> None:
    assert _kinds("a {{ .X.Y | f $v 1 \"s\" `r` 'c' true nil . }} b") == [
        (K.TEXT, "a "),
        (K.LEFT_DELIM, "{{"),
        (K.FIELD, ".X"),
        (K.FIELD, ".Y"),
        (K.PIPE, "|"),
        (K.IDENTIFIER, "f"),
        (K.VARIABLE, "$v"),
        (K.NUMBER, "1"),
        (K.STRING, '"s"'),
        (K.RAW_STRING, "`r`"),
        (K.CHAR_CONSTANT, "'c'"),
        (K.BOOL, "true"),
        (K.NIL, "nil"),
        (K.DOT, "."),
        (K.RIGHT_DELIM, "}}"),
        (K.TEXT, " b"),
        (K.EOF, ""),
    ]


def test_keywords_declare_assign_parens() -> None:
    assert _kinds("{{ range $i, $e := (f) }}{{ $x = 1 }}") == [
        (K.LEFT_DELIM, "{{"),
        (K.KEYWORD, "range"),
        (K.VARIABLE, "$i"),
        (K.CHAR, ","),
        (K.VARIABLE, "$e"),
        (K.DECLARE, ":="),
        (K.LEFT_PAREN, "("),
        (K.IDENTIFIER, "f"),
        (K.RIGHT_PAREN, ")"),
        (K.RIGHT_DELIM, "}}"),
        (K.LEFT_DELIM, "{{"),
        (K.VARIABLE, "$x"),
        (K.ASSIGN, "="),
        (K.NUMBER, "1"),
        (K.RIGHT_DELIM, "}}"),
        (K.EOF, ""),
    ]


@pytest.mark.parametrize(
    ("source", "texts"),
    [
        pytest.param("a  \n {{- 1 -}} \n b", ["a", "b"], id="both"),
        pytest.param("a {{- 1 }} b", ["a", " b"], id="left"),
        pytest.param("a {{ 1 -}} b", ["a ", "b"], id="right"),
        pytest.param("a {{-1}} b", ["a ", " b"], id="negative-number-is-not-a-trim"),
        pytest.param("a {{- /* c */ -}} b", ["a", "b"], id="comment"),
    ],
)
def test_trim_markers(source: str, texts: list[str]) -> None:
    assert [t.val for t in lexer.lex(source) if t.kind is K.TEXT] == texts


def test_comment_produces_no_tokens() -> None:
    assert _kinds("x{{/* a\nmultiline */}}y") == [(K.TEXT, "x"), (K.TEXT, "y"), (K.EOF, "")]


@pytest.mark.parametrize(
    "number", ["0", "42", "-7", "+3", "1.5", ".5", "1e6", "1E-3", "0x1F", "0o17", "0b101", "1_000"]
)
def test_numbers(number: str) -> None:
    assert _kinds("{{ " + number + " }}")[1] == (K.NUMBER, number)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ .X", "unclosed action"),
        ('{{ "abc }}', "unterminated quoted string"),
        ("{{ `abc }}", "unterminated raw quoted string"),
        ("{{ 'a }}", "unterminated character constant"),
        ("{{ 3k }}", 'bad number syntax: "3k"'),
        ("{{ .a-b }}", "bad character U+002D '-'"),
        ("{{ ( .X }}", "unclosed left paren"),
        ("{{ ) }}", "unexpected right paren"),
        ("{{ : }}", "expected :="),
        ("{{/* x", "unclosed comment"),
        ("{{/* x */ }}", "comment ends before closing delimiter"),
        ("{{ \u00e9\u0301 }}", "bad character U+0301 '\u0301'"),
        ("{{ \x01 }}", "unrecognized character in action: U+0001"),
    ],
)
def test_errors(source: str, message: str) -> None:
    last = lexer.lex(source)[-1]
    assert last.kind is K.ERROR
    assert last.val == message


def test_lines_are_counted_through_text_actions_and_raw_strings() -> None:
    tokens = lexer.lex("a\nb{{ `x\ny` }}\n{{ .Z }}")
    field = next(t for t in tokens if t.kind is K.FIELD)
    assert field.line == 4
    assert lexer.byte_column("a\nb{{ `x\ny` }}\n{{ .Z }}", field.pos) == (4, 3)


def test_byte_column_counts_utf8_bytes() -> None:
    source = "é{{ .X }}"
    pos = source.index(".X")
    assert lexer.byte_column(source, pos) == (1, 5)
