"""The marker line matches Go's `fmt.Fprintln(w, "###Phase-output###:", json.Marshal(...))`."""

from __future__ import annotations

import pytest

from kes.domain import outputs


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param("v", '"v"', id="plain"),
        pytest.param("<>&", r'"\u003c\u003e\u0026"', id="html-safe"),
        pytest.param('"\\', r'"\"\\"', id="quote-backslash"),
        pytest.param("\n\r\t", r'"\n\r\t"', id="short-escapes"),
        pytest.param("\b\f", r'"\b\f"', id="go-1-22-short-escapes"),
        pytest.param("\x00\x01\x1f", r'"\u0000\u0001\u001f"', id="control"),
        pytest.param("\x7f", '"\x7f"', id="del-is-raw"),
        pytest.param("é☃😀", '"é☃😀"', id="non-ascii-raw"),
        pytest.param("\u2028\u2029", r'"\u2028\u2029"', id="line-separators"),
        pytest.param("a\udcffb", r'"a\ufffdb"', id="undecodable-byte"),
        pytest.param("'", '"\'"', id="apostrophe-raw"),
    ],
)
def test_go_json_string(value: str, encoded: str) -> None:
    assert outputs.go_json_string(value) == encoded


def test_marker_line_is_one_line_with_a_single_space_after_the_marker() -> None:
    line = outputs.marker_line(key="k", value="a b")
    assert line == '###Phase-output###: {"key":"k","value":"a b"}\n'


def test_marker_line_rejects_bad_keys() -> None:
    with pytest.raises(outputs.OutputError):
        outputs.marker_line(key="bad key", value="v")
