"""The parser: Go's tree shapes, node spelling (used in error contexts) and parse errors."""

from __future__ import annotations

import pytest

from kes.domain.templates import errors, nodes, parser, rendering

FUNCS = rendering.FUNCS


def _parse(source: str) -> dict[str, parser.Tree]:
    return parser.parse(source, name="config", funcs=FUNCS)


@pytest.mark.parametrize(
    "source",
    [
        "{{.X}}",
        '{{.X.Y | printf "%s" 1}}',
        "{{$x := index .L 0}}",
        "{{$x = 1}}",
        "{{if .A}}a{{else}}b{{end}}",
        "{{range $i, $e := .L}}{{$e}}{{end}}",
        "{{with .A}}x{{end}}",
        '{{(printf "%d" 1).X}}',
        '{{template "t" .}}',
        "{{len (index .L 1)}}",
        "{{'a'}}{{1.5}}{{0x10}}{{true}}{{nil}}",
    ],
)
def test_round_trip_spelling(source: str) -> None:
    """Each node prints back the way Go's String() does (the templates above are canonical)."""
    assert _parse(source)["config"].root.go() == source


def test_else_if_nests_an_if_in_the_else_list() -> None:
    root = _parse("{{if .A}}a{{else if .B}}b{{else}}c{{end}}")["config"].root
    outer = root.nodes[0]
    assert isinstance(outer, nodes.BranchNode)
    assert outer.else_body is not None
    inner = outer.else_body.nodes[0]
    assert isinstance(inner, nodes.BranchNode)
    assert inner.keyword == "if"
    assert inner.go() == "{{if .B}}b{{else}}c{{end}}"


def test_define_and_block_make_trees() -> None:
    trees = _parse('{{define "a"}}A{{end}}{{block "b" .}}B{{end}}main')
    assert set(trees) == {"config", "a", "b"}
    assert trees["a"].root.go() == "A"
    assert trees["config"].root.go() == '{{template "b" .}}main'


def test_empty_redefinition_keeps_the_first() -> None:
    trees = _parse('{{define "a"}}A{{end}}{{define "a"}}  {{end}}')
    assert trees["a"].root.go() == "A"


def test_field_chain_position_is_the_second_field() -> None:
    action = _parse("{{ .A.B }}")["config"].root.nodes[0]
    assert isinstance(action, nodes.ActionNode)
    field = action.pipe.cmds[0].args[0]
    assert isinstance(field, nodes.FieldNode)
    assert (field.idents, field.pos) == (["A", "B"], 5)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("42", "int", 42),
        ("-0x10", "int", -16),
        ("1e3", "float", 1000.0),
        ("'\\n'", "int", 10),
        ("1.5", "float", 1.5),
        ("18446744073709551615", "uint", 18446744073709551615),
    ],
)
def test_numbers(text: str, kind: str, value: float) -> None:
    action = _parse("{{ " + text + " }}")["config"].root.nodes[0]
    assert isinstance(action, nodes.ActionNode)
    number = action.pipe.cmds[0].args[0]
    assert isinstance(number, nodes.NumberNode)
    if kind == "int":
        assert number.is_int and number.int_value == value
    elif kind == "uint":
        assert number.is_uint and not number.is_int
    else:
        assert number.is_float and number.float_value == value


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ 99999999999999999999999 }}", 'integer overflow: "99999999999999999999999"'),
        ("{{ 1_i }}", 'illegal number syntax: "1_i"'),
        ("{{ 1-1 }}", 'bad number syntax: "1-1"'),
        ('{{ "\\q" }}', "invalid syntax"),
        ("{{ range .L }}{{ end }}{{ break }}", "{{break}} outside {{range}}"),
        ("{{ define 1 }}{{ end }}", 'unexpected "1" in define clause'),
        ('{{ define "a" }}', "unexpected EOF"),
        ("{{ if .A }}{{ else }}{{ else if .B }}{{ end }}", "expected end; found {{else}}"),
        ("{{ range $a, 1 := .L }}{{ end }}", "range can only initialize variables"),
        ("{{ .A | }}{{ | .A }}", 'unexpected "|" in command'),
        ("{{ with }}{{ end }}", "missing value for with"),
        ("{{ template }}", 'unexpected "}}" in template clause'),
        ("{{ .X \n\n", "unclosed action started at config:1"),
        ('{{ "abcdefghijklmnop" "x" ( }}', "unclosed left paren"),
        ("{{ 1 2 ) }}", "unexpected right paren"),
        ("{{ a }}", 'function "a" not defined'),
        ("{{ .X .Y . }}x{{ $ := 1 }}{{ end", "unclosed action"),
    ],
)
def test_parse_errors(source: str, message: str) -> None:
    with pytest.raises(errors.ParseError) as info:
        _parse(source)
    assert info.value.detail == message


def test_error_in_multiline_action_names_where_it_started() -> None:
    with pytest.raises(errors.ParseError) as info:
        _parse("x\n{{ .A\n\n")
    assert str(info.value) == "template: config:4: unclosed action started at config:2"


def test_parse_error_line_is_the_current_token_line() -> None:
    with pytest.raises(errors.ParseError) as info:
        _parse("a\nb\n{{ if .X }}\n{{ else }}\n{{ nope }}")
    assert str(info.value) == 'template: config:5: function "nope" not defined'


def test_two_non_empty_definitions_are_an_error() -> None:
    with pytest.raises(errors.ParseError) as info:
        _parse('{{define "a"}}A{{end}}{{define "a"}}B{{end}}')
    assert info.value.detail == 'template: multiple definition of template "a"'


def test_empty_definition_gives_way() -> None:
    trees = _parse('{{define "a"}} {{end}}{{define "a"}}B{{end}}')
    assert trees["a"].root.go() == "B"
