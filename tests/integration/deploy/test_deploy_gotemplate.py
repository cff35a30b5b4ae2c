"""The Go-template interpreter the Helm render tests rely on, checked against outputs Go's
text/template gives for the same templates (trim markers, branches, scopes, pipelines)."""

from __future__ import annotations

from typing import Any

import gotemplate
import pytest


def _render(text: str, dot: Any = None, defines: str = "") -> str:
    table: dict[str, list[gotemplate.Node]] = {}
    gotemplate.parse(defines, table)
    nodes = gotemplate.parse(text, table)
    return gotemplate.Renderer(table).render(nodes, dot, {"$": dot})


def test_trim_markers_eat_whitespace_and_newlines() -> None:
    assert _render("a  \n  {{- 1 -}}  \n  b") == "a1b"
    assert _render("a {{ 1 }} b") == "a 1 b"
    assert _render("a\n{{- /* note */}}\nb") == "a\nb"


def test_if_else_if_else() -> None:
    text = "{{ if eq .x 1 }}one{{ else if eq .x 2 }}two{{ else }}many{{ end }}"
    assert [_render(text, {"x": n}) for n in (1, 2, 3)] == ["one", "two", "many"]


def test_truthiness_is_gos() -> None:
    text = "{{ if .v }}T{{ else }}F{{ end }}"
    falsy: tuple[Any, ...] = (0, "", [], {}, None, False)
    assert [_render(text, {"v": v}) for v in falsy] == ["F"] * 6
    assert [_render(text, {"v": v}) for v in (1, "x", [0], {"a": 1}, True)] == ["T"] * 5


def test_with_and_range_set_dot_and_dollar_is_the_root() -> None:
    dot = {"a": {"b": "B"}, "items": ["x", "y"], "m": {"z": 1, "a": 2}, "top": "T"}
    assert _render("{{ with .a }}{{ .b }}{{ $.top }}{{ end }}", dot) == "BT"
    assert _render("{{ range .items }}[{{ . }}]{{ end }}", dot) == "[x][y]"
    assert _render("{{ range .m }}{{ . }}{{ end }}", dot) == "21"  # by sorted key, as Go
    assert _render("{{ with .missing }}x{{ else }}none{{ end }}", dot) == "none"


def test_pipelines_pass_the_value_last() -> None:
    assert _render('{{ "abc-" | trimSuffix "-" | quote }}') == '"abc"'
    assert _render('{{ .t | default "d" }}', {"t": ""}) == "d"
    assert _render('{{ printf "%s-%s" "a" (include "n" .) }}', {"v": "V"},
                   '{{ define "n" }}{{ .v }}{{ end }}') == "a-V"
    assert _render('{{ $x := list "a" "b" }}{{ join "," $x }}') == "a,b"
    assert _render("{{ toYaml .m | nindent 2 }}", {"m": {"b": 1, "a": [1]}}) == (
        "\n  a:\n  - 1\n  b: 1")


def test_unknown_constructs_fail_loudly() -> None:
    with pytest.raises(gotemplate.TemplateError, match="unknown function"):
        _render("{{ lookup 1 }}")
    with pytest.raises(gotemplate.TemplateError, match="not closed"):
        _render("{{ if 1 }}x")
    with pytest.raises(gotemplate.TemplateError, match="boom"):
        _render('{{ fail "boom" }}')
    with pytest.raises(gotemplate.TemplateError, match="undefined variable"):
        _render("{{ $nope }}")
