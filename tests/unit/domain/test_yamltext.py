"""YAML for kubectl: strings Go's YAML reads as numbers are quoted, and everything round-trips."""

from __future__ import annotations

import pytest
import yaml

from kes.domain import yamltext


@pytest.mark.parametrize("value", ["825e0417", "1e3", "+1e-3", "0o17", "12345678", "1.5", ".5"])
def test_strings_go_yaml_reads_as_numbers_are_quoted(value: str) -> None:
    text = yamltext.dump({"id": value})
    assert text == f"id: '{value}'\n"
    assert yaml.safe_load(text) == {"id": value}


@pytest.mark.parametrize("value", ["4aa8e8bd", "e10", "abc", "1e", "0o8"])
def test_other_strings_stay_plain(value: str) -> None:
    assert yamltext.dump({"id": value}) == f"id: {value}\n"


def test_numbers_stay_numbers_and_streams_round_trip() -> None:
    documents = [{"a": 1, "b": 1.5, "c": "825e0417"}, {"kind": "List", "items": []}]
    assert list(yaml.safe_load_all(yamltext.dump_all(documents))) == documents
