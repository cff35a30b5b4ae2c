"""No template reaches Python internals, the process or unbounded time and memory."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from kes.domain.templates import errors, execution, rendering

SSTI = [
    "{{ .__class__ }}",
    '{{ "".__class__.__mro__ }}',
    "{{ cycler.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__.os.popen('id').read() }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{{ .Options.__dict__ }}",
    '{{ index . "__class__" }}',
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ range . }}{{ .__init__ }}{{ end }}",
    '{{ printf "%v" .__globals__ }}',
    "{{ $x := .Options }}{{ $x.__class__.__name__ }}",
    "{{ (index .L 0).__class__ }}",
    "{{ call .Options.items }}",
]


@pytest.mark.parametrize("payload", SSTI)
def test_ssti_payloads_fail_or_print_nothing_pythonic(payload: str) -> None:
    params = {"Options": {"a": "b"}, "L": ["x"]}
    try:
        out = rendering.render(payload, params)
    except errors.TemplateError as exc:
        assert "Traceback" not in str(exc)
        return
    # Anything that renders must be plain Go output, never a Python object's repr.
    assert "class" not in out
    assert "<" not in out or out.count("<no value>") == out.count("<")


def test_jinja_syntax_in_text_is_plain_text() -> None:
    text = "{% for x in range(10) %}{% endfor %} {# c #} {%- raw -%} {%}"
    assert rendering.render(text, {}) == text
    assert rendering.render("{{ `{{ 1 }}` }} {% x %}", {}) == "{{ 1 }} {% x %}"


def test_infinite_template_recursion_is_an_error() -> None:
    with pytest.raises(errors.TemplateError, match="exceeded maximum template depth"):
        rendering.render('{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}', {})


def test_deep_parenthesis_nesting_is_a_parse_error() -> None:
    with pytest.raises(errors.TemplateError, match="max expression depth exceeded"):
        rendering.render("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", {})


def test_deep_control_nesting_is_a_parse_error() -> None:
    with pytest.raises(errors.TemplateError, match="max expression depth exceeded"):
        rendering.render("{{ if true }}" * 3000 + "{{ end }}" * 3000, {})


@pytest.mark.parametrize(
    "payload",
    [
        '{{ repeat 100000000 "x" }}',
        "{{ until 1000000000 }}",
        "{{ range 100000000000 }}{{ end }}",
        '{{ range 100000000 }}{{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }}{{ end }}',
        '{{ $s := repeat 1000000 "x" }}{{ range 1000 }}{{ $s }}{{ end }}',
    ],
)
def test_huge_output_is_bounded_in_time_and_memory(payload: str) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(errors.TemplateError):
            rendering.render(payload, {})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 30
    assert peak < 256 * 1024 * 1024


def test_output_limit_message() -> None:
    with pytest.raises(errors.TemplateError, match="output exceeds the size kes allows"):
        rendering.render('{{ $s := repeat 1000000 "x" }}{{ range 100 }}{{ $s }}{{ end }}', {})


def test_generated_jinja_only_calls_runtime_names() -> None:
    unit = execution.Unit(
        source='{{ range $i, $e := .L }}{{ $i }}{{ upper $e }}{{ end }}{{ "{% x %}" }}',
        name="config",
        funcs=rendering.FUNCS,
        env=execution.make_environment(),
    )
    source = unit.jinja_sources["config"]
    assert "__" not in source
    assert "upper" not in source  # functions are reached by call-site index, not by name


def test_deeply_nested_ranges_are_a_template_error() -> None:
    source = "{{ range . }}" * 30 + "x" + "{{ end }}" * 30
    with pytest.raises(errors.TemplateError, match="max expression depth exceeded"):
        rendering.render(source, [1])


def test_moderately_nested_ranges_work() -> None:
    source = "{{ range $ }}" * 8 + "x" + "{{ end }}" * 8
    assert rendering.render(source, [1, 2]) == "x" * 256


@pytest.mark.parametrize(
    "payload",
    [
        '{{ $d := dict }}{{ range until 5000 }}{{ $d = dict "a" $d }}{{ end }}{{ $d }}',
        "{{ $d := list }}{{ range until 5000 }}{{ $d = list $d }}{{ end }}{{ toJson $d }}",
    ],
)
def test_values_nested_too_deep_are_a_template_error(payload: str) -> None:
    with pytest.raises(errors.TemplateError, match="value nested deeper than kes can handle"):
        rendering.render(payload, {})


@pytest.mark.parametrize(
    "payload",
    [
        '{{ $s := "xxxxxxxx" }}{{ range until 64 }}{{ $s = cat $s $s }}{{ end }}',
        '{{ $s := "xxxxxxxx" }}{{ range until 64 }}{{ $s = printf "%s%s" $s $s }}{{ end }}',
        "{{ $d := list 1 }}{{ range until 64 }}{{ $d = list $d $d }}{{ end }}{{ $d }}",
        "{{ $d := list 1 }}{{ range until 64 }}{{ $d = list $d $d }}{{ end }}{{ toJson $d }}",
    ],
)
def test_doubling_values_are_bounded(payload: str) -> None:
    started = time.monotonic()
    with pytest.raises(errors.TemplateError, match="result exceeds the size kes allows"):
        rendering.render(payload, {})
    assert time.monotonic() - started < 30


def test_render_time_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(execution, "MAX_RENDER_SECONDS", 0.2)
    payload = '{{ range until 100000 }}{{ range until 100000 }}{{ "" }}{{ end }}{{ end }}'
    with pytest.raises(errors.TemplateError, match=r"(ran longer|iteration limit)"):
        rendering.render(payload, {})


def test_shared_big_strings_in_a_list_are_bounded() -> None:
    payload = (
        '{{ $s := repeat 1000000 "x" }}{{ $l := list }}'
        "{{ range until 1000 }}{{ $l = append $l $s }}{{ end }}{{ $l }}"
    )
    with pytest.raises(errors.TemplateError, match="result exceeds the size kes allows"):
        rendering.render(payload, {})
