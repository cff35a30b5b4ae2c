"""env/expandenv see an empty environment unless the controller allow-lists names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sprig_cases

from kes.domain.templates import sprig
from kes.domain.templates.sprig import environment


@pytest.fixture(autouse=True)
def _reset_allow_list() -> Iterator[None]:
    yield
    sprig.allow_env([])


def test_environment_is_empty_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KES_TEST_SECRET", "s3cr3t")
    assert sprig_cases.render('{{ env "KES_TEST_SECRET" }}') == ""
    assert sprig_cases.render('{{ expandenv "x=$KES_TEST_SECRET" }}') == "x="


def test_allowed_names_are_readable_and_others_stay_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KES_TEST_REGION", "eu-west-1")
    monkeypatch.setenv("KES_TEST_SECRET", "s3cr3t")
    sprig.allow_env(["KES_TEST_REGION"])
    assert environment.allowed_env() == frozenset({"KES_TEST_REGION"})
    assert sprig_cases.render('{{ env "KES_TEST_REGION" }}') == "eu-west-1"
    assert sprig_cases.render('{{ env "KES_TEST_SECRET" }}') == ""
    rendered = sprig_cases.render('{{ expandenv "${KES_TEST_REGION}/$KES_TEST_SECRET/$$" }}')
    assert rendered == "eu-west-1//"


def test_allow_env_replaces_the_previous_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KES_TEST_A", "a")
    sprig.allow_env(["KES_TEST_A"])
    sprig.allow_env(["KES_TEST_B"])
    assert sprig_cases.render('{{ env "KES_TEST_A" }}') == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("plain", "plain", id="no-vars"),
        pytest.param("a$", "a$", id="trailing-dollar"),
        pytest.param("a${unclosed", "a", id="bad-brace-dropped"),
        pytest.param("$1x", "x", id="special-single-char"),
        pytest.param("cost: $%", "cost: $%", id="dollar-before-punctuation"),
    ],
)
def test_expandenv_syntax_follows_os_expand(text: str, expected: str) -> None:
    assert environment.expandenv(text) == expected
