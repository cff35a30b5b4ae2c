"""Go regexp semantics on RE2: Go's refusals and messages, FindAll/Split/Expand, linear time."""

from __future__ import annotations

import re

import pytest
import sprig_cases

from kes.domain.templates import errors
from kes.domain.templates.sprig import regex


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Examples from Go's regexp documentation.
        pytest.param('{{ regexFindAll "a." "paranormal" -1 }}', "[ar an al]", id="findall"),
        pytest.param('{{ regexFindAll "a." "paranormal" 2 }}', "[ar an]", id="findall-n"),
        pytest.param('{{ regexFindAll "a." "graal" -1 }}', "[aa]", id="findall-overlap"),
        pytest.param('{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', "---", id="dollar-name"),
        pytest.param('{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', "-W-xxW-", id="braced"),
        pytest.param('{{ regexReplaceAll "a(?P<x>x*)b" "-axb-" "<$x>" }}', "-<x>-", id="named"),
        pytest.param(
            '{{ regexReplaceAll "a(?<x>x*)b" "-axb-" "<$x>" }}', "-<x>-", id="named-go-1-22"
        ),
        pytest.param('{{ regexReplaceAll "a" "a" "$$" }}', "$", id="dollar-escape"),
        pytest.param('{{ regexReplaceAll "x*" "abxd" "-" }}', "-a-b-d-", id="empty-after-match"),
        pytest.param('{{ regexSplit "a*" "abaabaccadaaae" 5 }}', "[ b b c cadaaae]", id="split"),
        pytest.param('{{ regexSplit "a" "banana" -1 }}', "[b n n ]", id="split-trailing"),
        pytest.param('{{ regexSplit "a" "banana" 0 }}', "[]", id="split-zero"),
        pytest.param('{{ regexSplit "a" "banana" 1 }}', "[banana]", id="split-one"),
        pytest.param('{{ regexSplit "a" "" -1 }}', "[]", id="split-empty-input"),
        pytest.param('{{ regexMatch "a$" "a\\n" }}', "false", id="dollar-is-end-of-text"),
        pytest.param('{{ regexMatch "(?m)a$" "a\\nb" }}', "true", id="multiline-dollar"),
        pytest.param('{{ regexMatch "^[[:alpha:]]+$" "abc" }}', "true", id="posix-class"),
        pytest.param('{{ regexMatch "\\\\Qa.b\\\\E" "axb" }}', "false", id="quoted-literal"),
        pytest.param('{{ regexMatch "a\\\\z" "a" }}', "true", id="end-of-text-z"),
        pytest.param('{{ regexMatch "^\\\\d$" "٣" }}', "false", id="digits-are-ascii"),
        pytest.param('{{ regexMatch "(" "x" }}', "false", id="match-ignores-bad-pattern"),
        pytest.param('{{ regexFind "b+" "abbbc" }}', "bbb", id="find"),
        pytest.param('{{ regexFindAll "|a" "a" -1 }}', "[ ]", id="empty-alternative-first"),
        pytest.param('{{ regexFindAll "a*" "baa" -1 }}', "[ aa]", id="empty-abutting-dropped"),
        pytest.param('{{ regexMatch "^\\\\pL+$" "héllo" }}', "true", id="unicode-class"),
        pytest.param('{{ regexMatch "^\\\\p{Greek}$" "λ" }}', "true", id="unicode-script"),
        pytest.param('{{ regexFind "(?U)a+" "aaa" }}', "a", id="ungreedy-flag"),
        pytest.param('{{ regexMatch "\\\\Qa\\\\C\\\\E" "a\\\\C" }}', "true", id="C-inside-Q"),
        pytest.param('{{ regexReplaceAll "(a)" "a" "$1é" }}', "", id="expand-name-unicode"),
        pytest.param('{{ regexReplaceAll "(?P<x>a)" "a" "${x" }}', "${x", id="expand-unclosed"),
        pytest.param('{{ regexFind "z" "abc" }}', "", id="find-none"),
        pytest.param('{{ regexReplaceAllLiteral "b" "abc" "$0" }}', "a$0c", id="literal"),
    ],
)
def test_regex_functions_match_go(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        # Go's regexp/syntax messages (RE2's codes translated).
        pytest.param("(a)\\1", "invalid escape sequence: `\\1`", id="backreference"),
        pytest.param("a(?=b)", "invalid or unsupported Perl syntax: `(?=`", id="lookahead"),
        pytest.param("(?<=a)b", "invalid named capture: `(?<=a)b`", id="lookbehind"),
        pytest.param("[(?<=]x(?<!a)b>c", "invalid named capture: `(?<!a)b>`", id="lookbehind-gt"),
        pytest.param("a\\Z", "invalid escape sequence: `\\Z`", id="python-only-Z"),
        pytest.param("a\\C", "invalid escape sequence: `\\C`", id="any-byte-is-re2-only"),
        pytest.param("a++", "invalid nested repetition operator: `++`", id="possessive"),
        pytest.param("[a", "missing closing ]: `[a`", id="unclosed-class"),
        pytest.param("a(", "missing closing ): `a(`", id="unclosed-group"),
        pytest.param("a)", "unexpected ): `a)`", id="unopened-group"),
        pytest.param("*a", "missing argument to repetition operator: `*`", id="bare-star"),
        pytest.param("a{1001}", "invalid repeat count: `{1001}`", id="repeat-too-big"),
        pytest.param("a\\", "trailing backslash at end of expression: ``", id="trailing"),
        pytest.param("(?P<n!>a)", "invalid named capture: `(?P<n!>`", id="bad-name"),
        pytest.param("\\pX", "invalid character class range: `\\pX`", id="unknown-class"),
        pytest.param("[[:foo:]]", "invalid character class range: `[:foo:]`", id="posix-name"),
    ],
)
def test_patterns_go_rejects_are_rejected_with_gos_message(pattern: str, message: str) -> None:
    with pytest.raises(regex.RegexSyntaxError) as caught:
        regex.compile_go(pattern)
    assert str(caught.value) == f"error parsing regexp: {message}"


def test_compile_errors_surface_with_go_prefix() -> None:
    with pytest.raises(errors.TemplateError) as caught:
        sprig_cases.render('{{ regexFindAll "(" "x" -1 }}')
    assert str(caught.value).endswith(
        "error calling regexFindAll: regexp: Compile(`(`): error parsing regexp: "
        "missing closing ): `(`"
    )


def test_compile_errors_quote_a_pattern_go_cannot_backquote() -> None:
    with pytest.raises(errors.TemplateError, match=re.escape('regexp: Compile("`(")')):
        sprig_cases.render('{{ regexFind "`(" "x" }}')


def test_character_class_brackets_stay_literal() -> None:
    assert regex.compile_go("[[]").fullmatch("[") is not None
    assert regex.compile_go("[]a]").fullmatch("]") is not None


def test_regexes_run_on_re2() -> None:
    # Linear time by construction: every sprig regex function compiles through compile_go.
    assert type(regex.compile_go("(a+)+$")).__module__ == "re2"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Each takes seconds to hours on a backtracking engine; RE2 is linear in the input.
        pytest.param('{{ regexMatch "^(a|a)*$" .S }}', "false", id="alternation-star"),
        pytest.param('{{ regexMatch "(a+)+$" .S }}', "false", id="nested-plus"),
        pytest.param('{{ regexMatch "^(a*)*b$" .S }}', "false", id="nested-star"),
        pytest.param('{{ regexMatch "^(\\\\w+\\\\s?)*$" .S }}', "false", id="words"),
        pytest.param('{{ regexFindAll "(a|aa)+c" .S -1 }}', "[]", id="findall"),
        pytest.param('{{ regexReplaceAll "(a*)*x" .S "y" | len }}', "20001", id="replace"),
    ],
)
def test_pathological_patterns_answer_as_go_does(template: str, expected: str) -> None:
    params = sprig_cases.PARAMS | {"S": "a" * 20_000 + "!"}
    assert sprig_cases.render(template, params) == expected
