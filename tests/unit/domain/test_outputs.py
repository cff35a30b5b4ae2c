"""The marker parser behaves as Kanister's `LogAndParse` and `parseLogAndCreateOutput`."""

from __future__ import annotations

import re
import tracemalloc

import pytest

from kes.domain import outputs

M = "###Phase-output###: "
BAD_KEY = "Key should contain only alphanumeric characters and underscore"


def _marker(key: str, value: str) -> str:
    return outputs.marker_line(key=key, value=value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            M + '{"key":"version","value":"0.110.0"}', {"version": "0.110.0"}, id="one-marker"
        ),
        pytest.param(
            M + '{"key":"a","value":"1"}\n' + M + '{"key":"b","value":"2"}\n',
            {"a": "1", "b": "2"},
            id="two-markers",
        ),
        pytest.param(
            "Random message " + M + '{"key":"version","value":"0.110.0"}',
            {"version": "0.110.0"},
            id="mid-line",
        ),
        pytest.param(
            "Random message with newline \n" + M + '{"key":"version","value":"0.110.0"}',
            {"version": "0.110.0"},
            id="after-newline",
        ),
        pytest.param("Random message", None, id="no-marker"),
        pytest.param("", None, id="empty"),
        pytest.param(
            M + '{"key":"k","value":"1"}\n' + M + '{"key":"k","value":"2"}',
            {"k": "2"},
            id="last-key-wins",
        ),
        pytest.param(M + "   \n", None, id="marker-without-content-is-ignored"),
        pytest.param(
            M + '{"KEY":"k","Value":"v","extra":1}',
            {"k": "v"},
            id="go-field-names-fold-case-and-unknown-fields-are-ignored",
        ),
        pytest.param(M + '{"key":"k","value":null}', {"k": ""}, id="null-is-empty"),
        pytest.param(M + '{"key":"k","value":"a"}\r\n', {"k": "a"}, id="crlf"),
    ],
)
def test_kubeexec_parsing(text: str, expected: dict[str, str] | None) -> None:
    assert outputs.parse_or_none(text) == expected


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("Invalid message", id="not-json"),
        pytest.param('{"key":"k","value":2}', id="value-not-a-string"),
        pytest.param('{"key":"k","value":"v"} trailing', id="trailing-data"),
        pytest.param('"just a string"', id="not-an-object"),
        pytest.param('{"key":"k","value":NaN}', id="nan"),
    ],
)
def test_bad_json_fails_with_kanisters_message(content: str) -> None:
    with pytest.raises(outputs.OutputError, match=r"^Failed to unmarshal key-value pair$"):
        outputs.parse(M + content + "\n")


def test_kubetask_parsing_returns_an_empty_map_without_markers() -> None:
    assert outputs.parse("just\nlogs\n") == {}


def test_plain_text_and_the_text_before_a_marker_are_logged() -> None:
    logged: list[str] = []
    outputs.parse("first\n\nbefore " + M + '{"key":"k","value":"v"}\nlast', on_log=logged.append)
    assert logged == ["first", "before ", '{"key":"k","value":"v"}', "last"]


@pytest.mark.parametrize("split_at", list(range(1, len(outputs.MARKER))))
def test_marker_split_across_two_lines_is_joined_at_its_shortest_prefix(split_at: int) -> None:
    head, tail = outputs.MARKER[:split_at], outputs.MARKER[split_at:]
    text = f'log {head}\n{tail} {{"key":"k","value":"v"}}\n'
    shortest = next(i for i in range(1, len(outputs.MARKER)) if head.endswith(outputs.MARKER[:i]))
    expected = {"k": "v"} if shortest == split_at else {}
    # Kanister's check takes the shortest matching prefix, so "##" + "#Phase..." is not joined.
    assert outputs.parse(text) == expected


def test_split_marker_state_survives_empty_lines_and_resets_on_other_lines() -> None:
    assert outputs.parse('x ###Pha\n\nse-output###: {"key":"k","value":"v"}\n') == {"k": "v"}
    assert outputs.parse('x ###Pha\nother\nse-output###: {"key":"k","value":"v"}\n') == {}


def test_values_round_trip_through_the_writer() -> None:
    value = 'a "quoted" \\ <tag> & \n\t\b\f\x01 é \u2028 ☃'
    assert outputs.parse(_marker("k", value)) == {"k": value}


def test_long_lines_and_long_values_survive_chunking() -> None:
    prefix = "p" * (500 * 1024)
    value = "v" * (500 * 1024)
    text = prefix + _marker("big", value)
    assert outputs.parse(text) == {"big": value}


@pytest.mark.parametrize("piece", [1, 7, 4096, 65536, 70000])
def test_feeding_in_any_pieces_gives_the_same_result(piece: int) -> None:
    lines = [
        ("x" * 10_000) + "\n",
        _marker("a", "1"),
        "y" * 100_000 + "\n",
        "pre " + _marker("b", "b" * 70_000),
        "tail ###Phase-",
        'output###: {"key":"c","value":"3"}',
    ]
    data = "".join(lines).encode()
    scanner = outputs.OutputScanner()
    for start in range(0, len(data), piece):
        scanner.feed(data[start : start + piece])
    assert scanner.close() == {"a": "1", "b": "b" * 70_000, "c": "3"}


def test_lines_without_markers_of_any_length_give_nothing() -> None:
    text = "\n".join("z" * 50_000 for _ in range(10))
    assert outputs.parse(text) == {}
    assert outputs.parse_or_none(text) is None


@pytest.mark.parametrize("key", ["validKey", "validKey2", "valid_key", "_", "0"])
def test_valid_keys(key: str) -> None:
    outputs.validate_key(key)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("", "Key should not be empty", id="empty"),
        pytest.param("invalid-key", BAD_KEY, id="dash"),
        pytest.param("invalid.key", BAD_KEY, id="dot"),
        pytest.param("`invalidKey", BAD_KEY, id="backtick"),
        pytest.param("key\n", BAD_KEY, id="trailing-newline"),
        pytest.param("ключ", BAD_KEY, id="non-ascii"),
    ],
)
def test_invalid_keys(key: str, message: str) -> None:
    with pytest.raises(outputs.OutputError, match=f"^{re.escape(message)}$"):
        outputs.validate_key(key)


def test_scanning_goes_on_after_a_bad_marker() -> None:
    logged: list[str] = []
    scanner = outputs.OutputScanner(on_log=logged.append)
    with pytest.raises(outputs.OutputError):
        scanner.feed(
            b"one\n" + M.encode() + b"{bad\ntwo\n" + M.encode() + b'{"key":"k","value":"v"}\n'
        )
    scanner.feed(b"three\n")
    assert scanner.close() == {"k": "v"}
    assert logged == ["one", "{bad", "two", '{"key":"k","value":"v"}', "three"]


def test_a_marker_past_the_output_limit_fails_and_the_stream_goes_on() -> None:
    scanner = outputs.OutputScanner()
    big = _marker("big", "v" * (outputs.MAX_OUTPUT_BYTES + 1)).encode()
    with pytest.raises(outputs.OutputError, match="Phase output is larger than 1 MiB"):
        scanner.feed(big)
    scanner.feed(_marker("small", "1").encode())
    assert scanner.close() == {"small": "1"}


def test_outputs_of_many_keys_count_together_against_the_limit() -> None:
    scanner = outputs.OutputScanner()
    value = "v" * (outputs.MAX_OUTPUT_BYTES // 4)
    for index in range(3):
        scanner.feed(_marker(f"k{index}", value).encode())
    with pytest.raises(outputs.OutputError, match="larger than 1 MiB"):
        scanner.feed(_marker("k3", value + "more").encode())
    assert sorted(scanner.close()) == ["k0", "k1", "k2"]


def test_an_endless_marker_line_costs_bounded_memory() -> None:
    """A pod that prints a marker and then 64 MiB without a newline: one error, little memory."""
    scanner = outputs.OutputScanner()
    piece = b"x" * outputs.CHUNK
    errors = 0
    tracemalloc.start()
    try:
        scanner.feed(outputs.MARKER.encode())
        for _ in range(1024):
            try:
                scanner.feed(piece)
            except outputs.OutputError:
                errors += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert errors == 1
    assert peak < 4 * outputs.MAX_OUTPUT_BYTES, peak
    scanner.feed(b"\n" + _marker("after", "ok").encode())
    assert scanner.close() == {"after": "ok"}
