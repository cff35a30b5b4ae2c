import pytest

from kes.domain import durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("90s", 90.0, id="seconds"),
        pytest.param("5m", 300.0, id="minutes"),
        pytest.param("1h30m", 5400.0, id="compound"),
        pytest.param("1.5s", 1.5, id="fraction"),
        pytest.param("250ms", 0.25, id="milliseconds"),
        pytest.param("-2s", -2.0, id="negative"),
        pytest.param("0", 0.0, id="zero"),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert durations.parse_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", 'time: invalid duration ""', id="empty"),
        pytest.param("5", 'time: missing unit in duration "5"', id="no-unit"),
        pytest.param("5x", 'time: unknown unit "x" in duration "5x"', id="unknown-unit"),
        pytest.param("1h 30m", 'time: unknown unit "h " in duration "1h 30m"', id="space"),
        pytest.param("-", 'time: invalid duration "-"', id="sign-only"),
    ],
)
def test_bad_durations_have_gos_message(text: str, message: str) -> None:
    with pytest.raises(durations.DurationError) as caught:
        durations.parse_seconds(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        pytest.param(2.0, "2s", id="seconds"),
        pytest.param(90.0, "1m30s", id="minutes"),
        pytest.param(5400.0, "1h30m0s", id="hours"),
        pytest.param(1.5, "1.5s", id="fraction"),
        pytest.param(0.0, "0s", id="zero"),
    ],
)
def test_durations_print_as_go_prints_them(seconds: float, text: str) -> None:
    assert durations.format_seconds(seconds) == text
