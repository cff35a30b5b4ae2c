"""Log lines carry the run's context: bound fields, threads started for actions, JSON keys."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from kes.cli import logs
from kes.controller import logcontext


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logcontext.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("kes.test.logcontext")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_bound_fields_become_json_keys_and_are_undone(captured: io.StringIO) -> None:
    logger = logging.getLogger("kes.test.logcontext")
    with logcontext.bound(namespace="apps", actionset="backup-1"):
        with logcontext.bound(phase="dump", action=None):
            logger.info("Phase %s started.", "dump")
        logger.info("Between phases.")
    logger.info("Outside.")
    first, second, third = _lines(captured)
    assert first["namespace"] == "apps" and first["actionset"] == "backup-1"
    assert first["phase"] == "dump" and "action" not in first
    assert first["message"] == "Phase dump started."
    assert "phase" not in second and second["actionset"] == "backup-1"
    assert not {"namespace", "actionset", "phase"} & set(third)


def test_a_thread_target_carries_the_callers_context_and_its_own(captured: io.StringIO) -> None:
    logger = logging.getLogger("kes.test.logcontext")
    with logcontext.bound(namespace="apps", actionset="backup-1"):
        thread = threading.Thread(target=logcontext.thread_target(
            lambda: logger.info("In the action."), action="backup"))
    thread.start()
    thread.join()
    (line,) = _lines(captured)
    assert (line["namespace"], line["actionset"], line["action"]) == ("apps", "backup-1",
                                                                      "backup")


def test_text_lines_get_a_suffix() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "Phase started.", None, None)
    with logcontext.bound(namespace="apps", actionset="a", phase="p"):
        logcontext.ContextFilter().filter(record)
    assert logs.TextFormatter().format(record).endswith(
        "Phase started. [namespace=apps actionset=a phase=p]")
