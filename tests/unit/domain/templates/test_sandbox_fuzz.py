"""Arbitrary input never escapes as anything but TemplateError (no Jinja or Python errors)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kes.domain.templates import errors, rendering

PARAMS: dict[str, Any] = {
    "S": "s",
    "N": 1,
    "L": ["a", 2, None],
    "M": {"k": "v", "n": None},
    "B": b"x",
    "Options": {"o": "p"},
}

_PIECES = [
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    ".",
    ".S",
    ".L",
    ".M.k",
    ".Nope",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    ",",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    '"t"',
    "`r`",
    "'c'",
    "1",
    "-2",
    "1.5",
    "0x1f",
    "nil",
    "true",
    "len",
    "index",
    "printf",
    '"%v"',
    "and",
    "or",
    "not",
    "eq",
    "lt",
    "upper",
    "default",
    "toJson",
    "/*",
    "*/",
    "{%",
    "%}",
    "{#",
    "#}",
    "\\",
    "\x00",
    "é",
    "日",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=25))
def test_token_soup(pieces: list[str]) -> None:
    _render_or_template_error("".join(pieces))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_in_and_around_actions(text: str) -> None:
    _render_or_template_error(text)
    _render_or_template_error("{{ " + text + " }}")
    _render_or_template_error('{{ printf "%s" ' + text + " }}")


def _render_or_template_error(source: str) -> None:
    try:
        out = rendering.render(source, PARAMS)
    except errors.TemplateError:
        return
    assert isinstance(out, str)


_EXPRS = st.sampled_from(
    [".S", ".L", ".M", "$", "$v", "$.N", "(len .L)", '(index .M "k")', "1", '"x"', ".", "nil"]
)


def _blocks(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(["if", "with", "range"]), _EXPRS, inner, inner).map(
            lambda t: "{{" + t[0] + " " + t[1] + "}}" + t[2] + "{{else}}" + t[3] + "{{end}}"
        ),
        st.tuples(_EXPRS, inner).map(
            lambda t: "{{range $i, $v := " + t[0] + "}}" + t[1] + "{{end}}"
        ),
        st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
        st.just("{{if .S}}{{break}}{{end}}"),
    )


_TEMPLATES = st.recursive(
    st.one_of(
        _EXPRS.map(lambda e: "{{" + e + "}}"),
        _EXPRS.map(lambda e: "{{$v := " + e + "}}{{$v}}"),
        _EXPRS.map(lambda e: "{{$v = " + e + "}}"),
        st.just("t"),
    ),
    _blocks,
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_TEMPLATES)
def test_nested_structures(template: str) -> None:
    _render_or_template_error(template)
    _render_or_template_error('{{define "d"}}' + template + '{{end}}{{template "d" .}}')
