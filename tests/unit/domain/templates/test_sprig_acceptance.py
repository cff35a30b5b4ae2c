"""The Go/sprig behaviours the issue calls easy to miss, each as Kanister renders it."""

from __future__ import annotations

import datetime
import re

import pytest
import sprig_cases

from kes.domain.templates import errors, values


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ .Bytes | upper }}", id="upper"),
        pytest.param("{{ .Bytes | b64enc }}", id="b64enc"),
        pytest.param("{{ .Bytes | sha256sum }}", id="sha256sum"),
        pytest.param('{{ .Bytes | contains "h" }}', id="contains"),
    ],
)
def test_secret_bytes_are_refused_where_sprig_wants_a_string(template: str) -> None:
    with pytest.raises(errors.TemplateError, match=re.escape("expected string; got []uint8")):
        sprig_cases.render(template)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ .Bytes | toString }}", "hi", id="toString"),
        pytest.param('{{ printf "%s" .Bytes }}', "hi", id="printf-s"),
        pytest.param("{{ quote .Bytes }}", '"hi"', id="quote"),
        pytest.param("{{ cat .Bytes }}", "[104 105]", id="cat-prints-v"),
        pytest.param("{{ .Bytes }}", "[104 105]", id="plain-print"),
        pytest.param('{{ index .Secrets.s.Data "password" | toString }}', "hi", id="index-secret"),
    ],
)
def test_secret_bytes_are_accepted_by_stringifying_functions(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ until .I }}", id="until"),
        pytest.param('{{ repeat .I "x" }}', id="repeat"),
        pytest.param('{{ plural "a" "b" .I }}', id="plural"),
    ],
)
def test_int64_params_are_not_go_int(template: str) -> None:
    with pytest.raises(errors.TemplateError, match=re.escape("expected int; got int64")):
        sprig_cases.render(template)


def test_go_int_results_are_accepted_where_int_is_wanted() -> None:
    assert sprig_cases.render('{{ repeat (len "ab") "x" }}') == "xx"
    assert sprig_cases.render('{{ repeat (int .I) "x" }}') == "xxx"


def test_sprig_slice_replaces_go_slice_and_fails_on_strings() -> None:
    assert sprig_cases.render("{{ slice .L 1 }}") == "[a b]"
    with pytest.raises(errors.TemplateError, match="list should be type of slice or array"):
        sprig_cases.render('{{ slice "abc" 1 2 }}')


def test_floats_print_in_exponent_form_but_json_in_full() -> None:
    assert sprig_cases.render("{{ .F }} {{ toJson .F }}") == "1e+06 1000000"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ add 0.1 0.2 }}", "0", id="float-truncated"),
        pytest.param('{{ add "3" 1.9 }}', "4", id="string-and-float"),
        pytest.param('{{ add1 "x" }}', "1", id="unparsable-is-zero"),
        pytest.param('{{ int64 "0x10" }}', "16", id="hex-string"),
        pytest.param('{{ int "017" }}', "15", id="octal-string"),
        pytest.param('{{ float64 "abc" }}', "0", id="bad-float"),
        pytest.param("{{ div -7 2 }}", "-3", id="div-truncates"),
        pytest.param("{{ mod -7 3 }}", "-1", id="mod-sign-of-dividend"),
        pytest.param("{{ add 9223372036854775807 1 }}", "-9223372036854775808", id="wraps"),
        pytest.param("{{ round 2.5 0 }}", "3", id="round-half-up"),
        pytest.param("{{ round -2.5 0 }}", "-3", id="round-negative"),
        pytest.param("{{ round 1.2345 2 0.3 }}", "1.24", id="round-custom-threshold"),
        pytest.param('{{ floor "1.5" }}', "1", id="floor-string"),
        pytest.param("{{ add 1 2 | typeOf }}", "int64", id="math-returns-int64"),
        pytest.param('{{ atoi "x" }}', "0", id="atoi-bad"),
        pytest.param('{{ toDecimal "8" }}', "0", id="toDecimal-not-octal"),
        pytest.param('{{ toDecimal "0o17" }}', "0", id="toDecimal-no-prefix"),
        pytest.param('{{ int64 "0o17" }}', "15", id="base-zero-prefix"),
        pytest.param('{{ int64 "1_000" }}', "1000", id="base-zero-underscore"),
        pytest.param('{{ atoi "1_000" }}', "0", id="atoi-no-underscore"),
        pytest.param('{{ int64 "٣" }}', "0", id="non-ascii-digit"),
        pytest.param('{{ float64 "١.5" }}', "0", id="non-ascii-float"),
        pytest.param('{{ float64 "-Inf" }}', "-Inf", id="float-infinity"),
        pytest.param('{{ float64 "0x1p-2" }}', "0.25", id="hex-float"),
        pytest.param('{{ max "5" 2 }}', "5", id="max-string"),
    ],
)
def test_math_converts_like_sprig(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param('{{ default "d" 0.0 }}', "d", id="zero-float"),
        pytest.param('{{ default "d" (dict) }}', "d", id="empty-map"),
        pytest.param('{{ default "d" false }}', "d", id="false"),
        pytest.param('{{ default "d" "x" }}', "x", id="set"),
        pytest.param('{{ default "d" }}', "d", id="no-value-piped"),
        pytest.param('{{ .Options.empty | default "d" }}', "d", id="empty-option"),
        pytest.param("{{ empty (list) }}", "true", id="empty-list"),
        pytest.param("{{ empty .Bytes }}", "false", id="bytes"),
        pytest.param('{{ coalesce "" nil 0 "z" }}', "z", id="coalesce"),
        pytest.param("{{ first (list) }}", "<no value>", id="nil-result-prints-no-value"),
    ],
)
def test_emptiness_is_go_zero_values(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


def test_date_given_a_non_time_formats_the_current_time() -> None:
    before = datetime.datetime.now(datetime.UTC).year
    rendered = int(sprig_cases.render('{{ date "2006" "not a time" }}'))
    after = datetime.datetime.now(datetime.UTC).year
    assert rendered in (before, after)


def test_kanister_time_idiom_renders_the_action_date() -> None:
    template = '{{ toDate "2006-01-02T15:04:05.999999999Z07:00" .Time | date "2006-01-02" }}'
    assert sprig_cases.render(template) == "2026-11-28"


def test_to_date_on_a_mismatch_is_go_zero_time() -> None:
    assert sprig_cases.render('{{ toDate "2006-01-02" "x" }}') == "0001-01-01 00:00:00 +0000 UTC"


def test_functions_sprig_v2_lacks_are_parse_errors() -> None:
    for name in (
        "fromJson",
        "toRawJson",
        "seq",
        "get",
        "dig",
        "duration",
        "durationRound",
        "mustToDate",
        "mustFirst",
        "randInt",
        "addf",
        "chunk",
        "osBase",
    ):
        with pytest.raises(errors.TemplateError, match=f'function "{name}" not defined'):
            sprig_cases.render("{{ " + name + " 1 }}")


def test_struct_params_are_not_maps_to_sprig() -> None:
    params = sprig_cases.PARAMS | {"P": values.GoStruct("param.Profile", {"A": 1}, pointer=True)}
    assert sprig_cases.render("{{ kindOf .P }} {{ typeOf .P }} {{ empty .P }}", params) == (
        "ptr *param.Profile false"
    )
    assert sprig_cases.render("{{ toJson .P }}", params) == '{"A":1}'
