import pytest

from kes.controller import timeouts
from kes.domain import durations


def test_annotations_override_the_defaults() -> None:
    defaults = timeouts.Timeouts(phase_s=60.0, actionset_s=600.0)
    got = timeouts.from_annotations({"kes.io/phase-timeout": "2s"}, defaults=defaults)
    assert got == timeouts.Timeouts(phase_s=2.0, actionset_s=600.0)
    assert timeouts.from_annotations(None, defaults=defaults) == defaults


def test_a_zero_annotation_means_no_limit() -> None:
    defaults = timeouts.Timeouts(phase_s=60.0)
    assert (
        timeouts.from_annotations({"kes.io/phase-timeout": "0"}, defaults=defaults).phase_s is None
    )


def test_a_bad_annotation_has_gos_message() -> None:
    with pytest.raises(durations.DurationError, match=r'^time: missing unit in duration "5"$'):
        timeouts.from_annotations({"kes.io/timeout": "5"}, defaults=timeouts.Timeouts())
