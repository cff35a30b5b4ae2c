"""Go RE2 regex semantics on Python's re: translation, refusals, FindAll/Split/Expand rules."""

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
        pytest.param('{{ regexFind "z" "abc" }}', "", id="find-none"),
        pytest.param('{{ regexReplaceAllLiteral "b" "abc" "$0" }}', "a$0c", id="literal"),
    ],
)
def test_regex_functions_match_go(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        pytest.param("(a)\\1", "invalid escape sequence", id="backreference"),
        pytest.param("a(?=b)", "invalid or unsupported Perl syntax", id="lookahead"),
        pytest.param("(?<=a)b", "invalid or unsupported Perl syntax", id="lookbehind"),
        pytest.param("a\\Z", "invalid escape sequence", id="python-only-Z"),
        pytest.param("a++", "invalid nested repetition operator", id="possessive"),
        pytest.param("[a", "missing closing ]", id="unclosed-class"),
        pytest.param("\\pL", "invalid character class range", id="unicode-class-unsupported"),
    ],
)
def test_patterns_re2_rejects_are_rejected(pattern: str, message: str) -> None:
    with pytest.raises(regex.RegexSyntaxError, match=re.escape(message)):
        regex.translate(pattern)


def test_compile_errors_surface_with_go_prefix() -> None:
    with pytest.raises(errors.TemplateError, match=re.escape("regexp: Compile(`(`)")):
        sprig_cases.render('{{ regexFindAll "(" "x" -1 }}')


def test_translation_keeps_character_class_brackets_literal() -> None:
    assert regex.compile_go("[[]").fullmatch("[") is not None
    assert regex.compile_go("[]a]").fullmatch("]") is not None


@pytest.mark.parametrize(
    "pattern",
    ["(a+)+", "(a*)*$", "(\\w+\\s?)*", "((a)+)+", "(a+){2,}", "(?:x+)+"],
)
def test_nested_repetition_is_refused_to_bound_matching_time(pattern: str) -> None:
    with pytest.raises(regex.RegexSyntaxError, match="nested repetition"):
        regex.translate(pattern)


@pytest.mark.parametrize("pattern", ["(ab)+", "(a+)?", "[(]+", "\\(a+\\)+", "a+b+", "(a|b)+"])
def test_ordinary_repetition_is_allowed(pattern: str) -> None:
    regex.translate(pattern)


def test_a_catastrophic_pattern_fails_instead_of_stalling() -> None:
    params = sprig_cases.PARAMS | {"S": "a" * 40 + "b"}
    with pytest.raises(errors.TemplateError, match="nested repetition"):
        sprig_cases.render('{{ regexFindAll "(a+)+$" .S -1 }}', params)
    assert sprig_cases.render('{{ regexMatch "(a+)+$" .S }}', params) == "false"
