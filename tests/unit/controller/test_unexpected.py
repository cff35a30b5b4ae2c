import logging

import pytest

from kes.controller import unexpected


def test_the_exception_message_stays_out_of_the_log(caplog: pytest.LogCaptureFixture) -> None:
    secret = "".join(["hun", "ter2"])  # data, not source: the stack shows source lines
    try:
        raise ValueError(f"password={secret}")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR):
            unexpected.log(logging.getLogger("t"), "Phase %s raised unexpectedly.", "p", exc=exc)
    text = caplog.text
    assert "Phase p raised unexpectedly. ValueError raised at:" in text
    assert "test_the_exception_message_stays_out_of_the_log" in text  # the stack is there
    assert "hunter2" not in text
