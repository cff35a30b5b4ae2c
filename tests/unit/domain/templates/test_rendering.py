"""Rendering entry points: caching, params shapes, error mapping and secrecy of messages."""

from __future__ import annotations

from typing import Any

import pytest

from kes.domain import templates
from kes.domain.templates import errors, rendering, values


def test_public_api_is_reexported() -> None:
    assert templates.render is rendering.render
    assert templates.render_args is rendering.render_args
    assert templates.TemplateError is errors.TemplateError
    with pytest.raises(AttributeError):
        _ = templates.nothing_here


def test_compiled_units_are_cached_by_source_text() -> None:
    source = "{{ .A }}-cache-test"
    first = rendering.compile_template(source)
    assert rendering.compile_template(source) is first
    assert rendering.render(source, {"A": 1}) == "1-cache-test"
    assert rendering.render(source, {"A": 2}) == "2-cache-test"


def test_text_without_actions_is_returned_unchanged() -> None:
    assert rendering.render("no actions } { here", {}) == "no actions } { here"


def test_struct_params_are_accepted_as_dot() -> None:
    params = values.GoStruct("param.TemplateParams", {"Time": "t", "Options": values.TypedMap()})
    assert rendering.render("{{ .Time }}", params) == "t"
    assert rendering.render('{{ index .Options "x" }}|', params) == "|"
    with pytest.raises(errors.TemplateError) as info:
        rendering.render("{{ .Nope }}", params)
    assert str(info.value).endswith("can't evaluate field Nope in type param.TemplateParams")


def test_plain_dict_options_get_the_typed_map_zero_value() -> None:
    assert rendering.render('{{ index .Options "x" }}|', {"Options": {"a": "b"}}) == "|"
    assert rendering.render('{{ index .Other "x" }}', {"Other": {"a": "b"}}) == "<no value>"


def test_nil_dot() -> None:
    assert rendering.render("{{ . }}", None) == "<no value>"
    with pytest.raises(errors.TemplateError) as info:
        rendering.render("{{ .X }}", None)
    # Not "map has no entry", so Kanister passes Go's message through.
    assert str(info.value) == (
        'template: config:1:3: executing "config" at <.X>: nil data; no entry for key "X"'
    )


def test_check_reports_parse_errors_only() -> None:
    rendering.check("{{ .Anything.At.All }}")
    with pytest.raises(errors.TemplateError, match='function "seq" not defined'):
        rendering.check("{{ seq 1 2 }}")


def test_render_args_handles_tuples_and_non_string_keys() -> None:
    out = rendering.render_args({1: ("{{ .A }}", None), "{{ .A }}": {"k": True}}, {"A": "x"})
    assert out == {1: ["x", None], "x": {"k": True}}


def test_render_args_error_propagates() -> None:
    with pytest.raises(errors.TemplateError, match='"B" not found'):
        rendering.render_args({"a": ["ok", "{{ .B }}"]}, {})


def test_render_artifacts_rebuilds_each_artifact_from_its_two_fields() -> None:
    out = rendering.render_artifacts(
        {
            "a": {"keyValue": {"k": "{{ .V }}"}, "kopiaSnapshot": "", "other": "x"},
            "b": {"keyValue": {}, "kopiaSnapshot": "{{ .V }}"},
        },
        {"V": 1},
    )
    assert out == {"a": {"keyValue": {"k": "1"}}, "b": {"kopiaSnapshot": "1"}}


def test_render_object_refs_names_the_failing_ref() -> None:
    refs = {"authSecret": {"kind": "secret", "name": "{{ .Object.spec.missing }}"}}
    with pytest.raises(errors.TemplateError) as info:
        rendering.render_object_refs(refs, {"Time": "t", "Object": {"spec": {}}})
    assert str(info.value) == (
        'could not render object reference {authSecret}: Failed to render template: "missing" '
        "not found"
    )


def test_render_object_refs_renders_every_string_field() -> None:
    refs = {
        "r": {
            "apiVersion": "v1",
            "group": "",
            "resource": "{{ .R }}",
            "kind": "Secret",
            "name": "{{ .N }}",
            "namespace": "{{ .NS }}",
        }
    }
    params = {"Time": "t", "R": "secrets", "N": "n", "NS": "ns"}
    assert rendering.render_object_refs(refs, params) == {
        "r": {
            "apiVersion": "v1",
            "group": "",
            "resource": "secrets",
            "kind": "Secret",
            "name": "n",
            "namespace": "ns",
        }
    }


SECRET = b"hunter2-very-secret"


@pytest.mark.parametrize(
    "template",
    [
        "{{ upper .S }}",
        "{{ range (toString .S) }}{{ end }}",
        "{{ eq .S .S }}",
        "{{ index .S 99 }}",
        "{{ .S.Field }}",
        '{{ len (toString .S) | printf "%d" | atoi | add1 | index .S }}',
        "{{ b64enc .S }}",
        "{{ lt (toString .S) 1 }}",
    ],
)
def test_errors_never_contain_secret_values(template: str) -> None:
    params: dict[str, Any] = {"S": SECRET}
    with pytest.raises(errors.TemplateError) as info:
        rendering.render(template, params)
    message = str(info.value)
    assert "hunter2" not in message
    assert "[104 117 110" not in message  # nor as Go prints bytes


def test_error_position_on_later_lines_counts_bytes() -> None:
    with pytest.raises(errors.TemplateError) as info:
        rendering.render("line one\n  é {{ .A.B }}", {"A": 1})
    assert str(info.value) == (
        'template: config:2:10: executing "config" at <.A.B>: '
        "can't evaluate field B in type interface {}"
    )


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("{{ .Missing }}", "<no value>"),
        ("{{ .Options.nope }}|", "|"),
        ("{{ if .Missing }}yes{{ else }}no{{ end }}", "no"),
        ("{{ .Present }}", "here"),
    ],
)
def test_missingkey_zero_as_wait_conditions_use(template: str, want: str) -> None:
    params = {"Present": "here", "Options": {"a": "b"}}
    assert rendering.render(template, params, missing_key="zero") == want


def test_missingkey_zero_still_fails_through_nil() -> None:
    with pytest.raises(errors.TemplateError, match=r"nil pointer evaluating interface \{\}\.B"):
        rendering.render("{{ .Missing.B }}", {}, missing_key="zero")
    assert rendering.render("{{ .X }}", None, missing_key="zero") == "<no value>"


def test_missingkey_modes_are_cached_separately() -> None:
    assert rendering.render("{{ .Q }}", {}, missing_key="zero") == "<no value>"
    with pytest.raises(errors.TemplateError, match='"Q" not found'):
        rendering.render("{{ .Q }}", {})


def _no_profile() -> values.GoStruct:
    return values.GoStruct("param.TemplateParams", {"Profile": None, "Time": "t"})


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("{{ .Profile }}", "<nil>"),
        ("{{ if .Profile }}p{{ else }}none{{ end }}", "none"),
        ("{{ toJson .Profile }}", "null"),
        ("{{ print .Profile }}", "<nil>"),
        ("{{ with .Profile }}p{{ end }}|", "|"),
        ("{{ and .Profile 1 }}", "<nil>"),
        ("{{ $p := .Profile }}{{ $p }}", "<nil>"),
        ("{{ eq .Profile .Profile }}", "true"),
        ("{{ len .Profile }}", "x"),
    ],
)
def test_nil_struct_pointer_is_a_typed_nil(template: str, want: str) -> None:
    if want == "x":
        with pytest.raises(errors.TemplateError, match=r"error calling len: len of nil pointer$"):
            rendering.render(template, _no_profile())
        return
    assert rendering.render(template, _no_profile()) == want


def test_field_of_nil_struct_pointer() -> None:
    with pytest.raises(errors.TemplateError) as info:
        rendering.render("{{ .Profile.Location.Bucket }}", _no_profile())
    assert str(info.value) == (
        'template: config:1:11: executing "config" at <.Profile.Location.Bucket>: '
        "nil pointer evaluating *param.Profile.Location"
    )


def _nested(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = {"a": [value]}
    return value


def test_args_nested_past_the_limit_fail_with_a_template_error_not_a_recursion_error() -> None:
    shallow = _nested(rendering.MAX_ARGS_DEPTH // 2 - 1, "{{ .X }}")
    assert rendering.render_args({"podOverride": shallow}, {"X": "1"}) == {
        "podOverride": _nested(rendering.MAX_ARGS_DEPTH // 2 - 1, "1")
    }
    with pytest.raises(errors.TemplateError, match="nested 100 or more levels deep"):
        rendering.render_args({"podOverride": _nested(5000, "{{ .X }}")}, {"X": "1"})
