"""status_of: the Kanister-shaped status (reference 3.2), including the quirks kept on purpose."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kes.domain import actionset, status

PLAN: list[dict[str, Any]] = [
    {"name": "a", "blueprint": "bp", "object": {"kind": "Namespace", "name": "ns"},
     "phases": [{"name": "p1", "function": "F"}, {"name": "p2", "function": "F"},
                {"name": "d", "function": "F", "defer": True}],
     "artifacts": {"art": {"keyValue": {"k": "{{ .Phases.p1.Output.k }}"}}}},
    {"name": "b", "blueprint": "bp", "phases": [{"name": "q", "function": "F"}]},
]


def run_with(*steps: Callable[[actionset.ActionSetRun], None]) -> actionset.ActionSetRun:
    run = actionset.ActionSetRun.accept(name="s", namespace="n", uid="u", spec={}, plan=PLAN)
    for step in steps:
        step(run)
    return run


def test_a_new_run_is_pending_with_phases_pending_and_templates_as_artifacts() -> None:
    shown = status.status_of(run_with())
    assert shown["state"] == "pending"
    assert shown["error"] == {"message": ""}
    # Kanister's percentCompleted is omitempty and set only once progress is computed.
    assert shown["progress"] == {"runningPhase": ""}
    first = shown["actions"][0]
    assert first["phases"] == [
        {"name": "p1", "state": "pending"}, {"name": "p2", "state": "pending"}
    ]
    assert first["deferPhase"] == {"name": "d", "state": "pending"}
    assert first["artifacts"] == {"art": {"keyValue": {"k": "{{ .Phases.p1.Output.k }}"}}}
    assert first["object"] == {"kind": "Namespace", "name": "ns"}
    assert "deferPhase" not in shown["actions"][1]


def test_running_phase_and_percent_follow_the_phases() -> None:
    run = run_with(lambda r: r.start_action(0), lambda r: r.start_action(1),
                   lambda r: r.start_phase(action_index=0, phase_name="p1", function="F"))
    assert status.status_of(run)["progress"]["runningPhase"] == "p1"
    run.complete_phase(action_index=0, phase_name="p1", output={"k": "v"})
    shown = status.status_of(run)
    assert shown["state"] == "running"
    assert shown["progress"]["percentCompleted"] == "33"  # (100 + 0 + 0) // 3
    assert shown["actions"][0]["phases"][0]["output"] == {"k": "v"}
    assert shown["progress"]["lastTransitionTime"].endswith("Z")


def test_percent_stays_empty_when_the_action_fails_before_any_phase_ends() -> None:
    run = run_with(
        lambda r: r.start_action(0),
        lambda r: r.fail_action(action_index=0, error="resource name may not be empty"),
    )
    assert "percentCompleted" not in status.status_of(run)["progress"]
    run = run_with(
        lambda r: r.start_action(0),
        lambda r: r.start_phase(action_index=0, phase_name="p1", function="F"),
        lambda r: r.fail_phase(action_index=0, phase_name="p1", error="boom"),
        lambda r: r.start_phase(action_index=0, phase_name="d", function="F"),
        lambda r: r.complete_phase(action_index=0, phase_name="d", output=None),
    )
    assert "percentCompleted" not in status.status_of(run)["progress"]


def test_the_first_computed_percent_is_shown_even_when_zero() -> None:
    run = run_with(
        lambda r: r.start_action(0),
        lambda r: r.start_phase(action_index=0, phase_name="p1", function="F"),
        lambda r: r.progress_phase(
            action_index=0, phase_name="p1", progress={"progressPercent": "0"}
        ),
    )
    progress = status.status_of(run)["progress"]
    assert progress["percentCompleted"] == "0"
    assert progress["lastTransitionTime"].endswith("Z")


def test_the_defer_phase_never_shows_running() -> None:
    run = run_with(lambda r: r.start_action(0),
                   lambda r: r.start_phase(action_index=0, phase_name="p1", function="F"),
                   lambda r: r.fail_phase(action_index=0, phase_name="p1", error="boom"),
                   lambda r: r.start_phase(action_index=0, phase_name="d", function="F"))
    shown = status.status_of(run)
    assert shown["actions"][0]["deferPhase"]["state"] == "pending"
    assert shown["progress"]["runningPhase"] == "d"


def test_a_phase_failure_shows_failed_at_once_with_later_phases_pending() -> None:
    run = run_with(lambda r: r.start_action(0),
                   lambda r: r.start_phase(action_index=0, phase_name="p1", function="F"),
                   lambda r: r.fail_phase(action_index=0, phase_name="p1", error="boom"))
    shown = status.status_of(run)
    assert shown["state"] == "failed"
    assert shown["error"] == {"message": "boom"}
    assert [p["state"] for p in shown["actions"][0]["phases"]] == ["failed", "pending"]
    assert shown["progress"]["runningPhase"] == ""


def test_a_cancelled_run_shows_failed() -> None:
    run = run_with(lambda r: r.request_cancel("deleted"), lambda r: r.cancel())
    shown = status.status_of(run)
    assert shown["state"] == "failed"
    assert shown["error"]["message"] == "ActionSet was cancelled: deleted"


def test_an_interrupted_phase_shows_pending_until_it_is_decided() -> None:
    run = run_with(lambda r: r.start_action(0),
                   lambda r: r.start_phase(action_index=0, phase_name="p1", function="F"),
                   lambda r: r.interrupt_phase(action_index=0, phase_name="p1", reason="restart",
                                                     rerun=True))
    assert status.status_of(run)["actions"][0]["phases"][0]["state"] == "pending"


def test_status_of_anything_else_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        status.status_of(object())
