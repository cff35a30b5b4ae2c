"""Go/sprig v2.22 behaviours found by running Kanister's templates: each case is Go's output.

Sources: sprig v2.22.0 list.go/dict.go, mergo v0.3.12 deepMerge (what Kanister's go.mod pins),
Masterminds/semver v1.5.0 version.go, text/template's parse.newNumber and fmt's fmtComplex.
"""

from __future__ import annotations

import pytest
import sprig_cases

from kes.domain.templates import errors


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # mergo.MergeWithOverwrite: every src value wins, empty ones too ...
        pytest.param('{{ mergeOverwrite (dict "a" "x") (dict "a" "") }}', "map[a:]", id="empty"),
        pytest.param(
            '{{ mergeOverwrite (dict "a" "x" "b" 1) (dict "a" 0 "b" false) }}',
            "map[a:0 b:false]",
            id="zeros",
        ),
        pytest.param('{{ mergeOverwrite (dict "a" 1) (dict "a" nil) }}', "map[a:<nil>]", id="nil"),
        # ... but a map never replaces a non-empty value; maps merge into maps.
        pytest.param(
            '{{ mergeOverwrite (dict "a" "x") (dict "a" (dict "b" 1)) }}', "map[a:x]", id="map"
        ),
        pytest.param(
            '{{ mergeOverwrite (dict "a" (dict "c" 2)) (dict "a" (dict "b" 1 "c" "")) }}',
            "map[a:map[b:1 c:]]",
            id="deep",
        ),
        pytest.param(
            '{{ mergeOverwrite (dict "a" (list 1)) (dict "a" (list)) }}', "map[a:[]]", id="slice"
        ),
        # merge (no overwrite) keeps non-empty values and ignores nil sources.
        pytest.param('{{ merge (dict "a" "") (dict "a" "x") }}', "map[a:x]", id="merge-fills"),
        pytest.param('{{ merge (dict "a" "y") (dict "a" "x") }}', "map[a:y]", id="merge-keeps"),
        pytest.param('{{ merge (dict) (dict "a" nil) }}', "map[]", id="merge-nil"),
    ],
)
def test_merge_follows_mergo(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param('{{ $v := semver "1.2.3" }}{{ $v.String }}', "1.2.3", id="String"),
        pytest.param('{{ (semver "v1.2.3+m").String }}', "1.2.3+m", id="String-drops-v"),
        pytest.param(
            '{{ $v := semver "1.2.3" }}{{ $v.Compare (semver "1.3.0") }}', "-1", id="Compare"
        ),
        pytest.param('{{ (semver "1.2.3").Compare (semver "1.2.3-rc") }}', "1", id="Compare-pre"),
        pytest.param(
            '{{ printf "%T" ((semver "1").Compare (semver "1")) }}', "int", id="Compare-type"
        ),
        pytest.param(
            '{{ $v := semver "1.2.3" }}{{ $v.LessThan (semver "1.3.0") }}', "true", id="LessThan"
        ),
        pytest.param('{{ (semver "2.0").GreaterThan (semver "1.9") }}', "true", id="GreaterThan"),
        pytest.param('{{ (semver "1.2.3").Equal (semver "1.2.3+b") }}', "true", id="Equal"),
        # Inc*/Set* return a Version value: no String (pointer receiver), fmt prints the fields.
        pytest.param('{{ (semver "v1.2.3").IncMinor }}', "{1 3 0   v1.3.0}", id="IncMinor"),
        pytest.param('{{ (semver "1.2.3-rc").IncPatch }}', "{1 2 3   1.2.3}", id="IncPatch-pre"),
        pytest.param('{{ (semver "1.2.3").SetMetadata "m" }}', "{1 2 3  m 1.2.3+m}", id="SetMeta"),
    ],
)
def test_methods_of_semver_versions(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param(
            '{{ (semver "1.2.3").Compare "1.3.0" }}',
            "wrong type for value; expected *semver.Version; got string",
            id="argument-type",
        ),
        pytest.param(
            '{{ (semver "1.2.3").SetPrerelease "a..b" }}',
            "error calling SetPrerelease: Invalid Prerelease string",
            id="bad-prerelease",
        ),
    ],
)
def test_semver_method_errors(template: str, message: str) -> None:
    with pytest.raises(errors.TemplateError) as caught:
        sprig_cases.render(template)
    assert str(caught.value).endswith(message)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ 1i }}", "(0+1i)", id="imaginary"),
        pytest.param("{{ 2.5i }}", "(0+2.5i)", id="fraction"),
        pytest.param("{{ -1i }}", "(0-1i)", id="negative"),
        pytest.param("{{ 0i }}", "(0+0i)", id="zero-stays-complex"),
        pytest.param("{{ 0x1p-2i }}", "(0+0.25i)", id="hex-float"),
        pytest.param("{{ 1e21i }}", "(0+1e+21i)", id="exponent"),
        pytest.param("{{ 1_0i }}", "(0+10i)", id="underscore"),
        pytest.param("{{ 1+2i }}", "(1+2i)", id="complex-pair"),
        pytest.param("{{ 1.5-2.5i }}", "(1.5-2.5i)", id="complex-minus"),
        pytest.param('{{ printf "%T" 1i }}', "complex128", id="type"),
        pytest.param('{{ printf "%.2f" 1.5i }}', "(0.00+1.50i)", id="precision"),
        pytest.param('{{ printf "%d" 1i }}', "%!d(complex128=(0+1i))", id="bad-verb"),
        pytest.param("{{ eq 1i 1i }}", "true", id="eq"),
    ],
)
def test_imaginary_literals_print_as_go(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("{{ 1_i }}", 'illegal number syntax: "1_i"', id="underscore-at-end"),
        pytest.param("{{ 1-1 }}", 'bad number syntax: "1-1"', id="pair-without-i"),
    ],
)
def test_bad_complex_literals_fail_to_parse(template: str, message: str) -> None:
    with pytest.raises(errors.ParseError) as caught:
        sprig_cases.render(template)
    assert str(caught.value).endswith(message)
