import pytest

from kes.controller import timeouts


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("90s", 90.0, id="seconds"),
        pytest.param("5m", 300.0, id="minutes"),
        pytest.param("1h30m", 5400.0, id="compound"),
        pytest.param("1.5s", 1.5, id="fraction"),
        pytest.param("250ms", 0.25, id="milliseconds"),
        pytest.param("0", 0.0, id="zero"),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert timeouts.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "5x", "m5", "1h 30m", "-"])
def test_bad_durations_have_gos_message(text: str) -> None:
    with pytest.raises(timeouts.DurationError, match=r'^time: invalid duration "'):
        timeouts.parse_duration(text)


def test_annotations_override_the_defaults() -> None:
    defaults = timeouts.Timeouts(phase_s=60.0, actionset_s=600.0)
    got = timeouts.from_annotations({"kes.io/phase-timeout": "2s"}, defaults=defaults)
    assert got == timeouts.Timeouts(phase_s=2.0, actionset_s=600.0)
    assert timeouts.from_annotations(None, defaults=defaults) == defaults


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
    assert timeouts.format_duration(seconds) == text
