"""ActionSetRun: given past events, when one command, then exactly these new events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kes.domain import actionset, actionset_errors
from kes.domain import actionset_events as ev

PLAN: list[dict[str, Any]] = [
    {
        "name": "backup",
        "blueprint": "bp",
        "object": {"kind": "Deployment", "name": "app", "namespace": "ns"},
        "phases": [
            {"name": "first", "function": "KubeTask"},
            {"name": "second", "function": "KubeExec"},
        ],
        "defer_phase": {"name": "cleanup", "function": "KubeTask"},
        "artifacts": {"out": {"keyValue": {"k": "{{ .Phases.first.Output.k }}"}}},
    },
    {"name": "other", "blueprint": "bp", "phases": [{"name": "only", "function": "Wait"}]},
]

Step = Callable[[actionset.ActionSetRun], None]


def new_run() -> actionset.ActionSetRun:
    run = actionset.ActionSetRun.accept(
        name="as", namespace="ns", uid="uid-1", spec={"actions": []}, plan=PLAN
    )
    run.collect_events()
    return run


def given(*steps: Step) -> actionset.ActionSetRun:
    run = new_run()
    for step in steps:
        step(run)
    run.collect_events()
    return run


def new_events(run: actionset.ActionSetRun) -> list[str]:
    return [type(e).__name__ for e in run.collect_events()]


def started(i: int = 0) -> Step:
    return lambda r: r.start_action(i)


def phase_started(name: str, i: int = 0) -> Step:
    return lambda r: r.start_phase(action_index=i, phase_name=name, function="F")


def phase_done(name: str, i: int = 0) -> Step:
    return lambda r: r.complete_phase(action_index=i, phase_name=name, output={"k": "v"})


def phase_failed(name: str, i: int = 0) -> Step:
    return lambda r: r.fail_phase(action_index=i, phase_name=name, error="boom")


def defer_started(i: int = 0) -> Step:
    return lambda r: r.start_defer_phase(action_index=i, function="KubeTask")


def defer_done(i: int = 0) -> Step:
    return lambda r: r.complete_defer_phase(action_index=i)


ALL_PHASES_DONE = (started(), phase_started("first"), phase_done("first"),
                   phase_started("second"), phase_done("second"))


def test_accept_records_the_plan_and_a_derived_id() -> None:
    run = actionset.ActionSetRun.accept(name="as", namespace="ns", uid="u", spec={}, plan=PLAN)
    assert new_events(run) == ["ActionSetAccepted"]
    assert run.id == actionset.ActionSetRun.id_for("u")
    assert run.state == "pending"
    assert [p.name for p in run.actions[0].phases] == ["first", "second"]
    assert run.next_phase(0) is None  # the action has not started


def test_reject_creates_a_failed_run() -> None:
    run = actionset.ActionSetRun.reject(
        name="as", namespace="ns", uid="u", spec={}, reason="Error", message="bad"
    )
    assert new_events(run) == ["ActionSetRejected"]
    assert run.is_terminal and run.error == "bad"


def test_phases_run_in_order() -> None:
    run = given(started())
    assert run.next_phase(0) == "first"
    phase_started("first")(run)
    assert run.running_phases() == [(0, "first")]
    phase_done("first")(run)
    assert run.next_phase(0) == "second"
    assert new_events(run) == ["PhaseStarted", "PhaseCompleted"]


def test_a_failed_phase_stops_the_action_and_records_the_error() -> None:
    run = given(started(), phase_started("first"))
    phase_failed("first")(run)
    assert new_events(run) == ["PhaseFailed"]
    assert run.error == "boom"
    assert run.next_phase(0) is None
    assert run.actions[0].phases[1].state == "pending"


def test_the_defer_phase_runs_after_a_failure_and_its_error_wins() -> None:
    run = given(started(), phase_started("first"), phase_failed("first"), defer_started())
    run.fail_defer_phase(action_index=0, error="defer boom", log_tail=[str(i) for i in range(30)])
    events = run.collect_events()
    assert [type(e).__name__ for e in events] == ["DeferPhaseFailed"]
    assert events[0].log_tail == [str(i) for i in range(20, 30)]  # the last ten lines
    assert run.error == "defer boom"


def test_artifacts_render_and_the_run_completes_after_every_action() -> None:
    run = given(*ALL_PHASES_DONE, defer_started(), defer_done(), started(1),
                phase_started("only", 1), phase_done("only", 1))
    run.render_artifacts(action_index=0, artifacts={"out": {"keyValue": {"k": "v"}}})
    run.complete_action(0)
    with pytest.raises(actionset_errors.ActionNotFinishedError):
        run.complete()
    run.complete_action(1)
    run.complete()
    assert new_events(run) == [
        "ArtifactsRendered", "ActionCompleted", "ActionCompleted", "ActionSetCompleted"
    ]
    assert run.state == "complete" and run.percent_completed == "100"


def test_cancellation_lets_the_defer_phase_run_then_cancels() -> None:
    run = given(started(), phase_started("first"))
    run.request_cancel("deleted")
    run.fail_phase(action_index=0, phase_name="first", error="context canceled")
    defer_started()(run)
    defer_done()(run)
    run.fail_action(action_index=0, error="cancelled")
    run.cancel()
    assert new_events(run) == [
        "CancelRequested", "PhaseFailed", "DeferPhaseStarted", "DeferPhaseCompleted",
        "ActionFailed", "ActionSetCancelled",
    ]
    assert run.state == "cancelled"


def test_a_timed_out_phase_fails_and_the_defer_phase_may_run() -> None:
    run = given(started(), phase_started("first"))
    run.time_out_phase(action_index=0, phase_name="first", timeout_s=60.0,
                       error='Phase "first" did not finish within 60 s.')
    assert new_events(run) == ["PhaseTimedOut"]
    assert run.actions[0].phases[0].state == "failed"
    assert run.error == 'Phase "first" did not finish within 60 s.'
    defer_started()(run)
    assert new_events(run) == ["DeferPhaseStarted"]


def test_an_interrupted_phase_can_be_run_again() -> None:
    run = given(started(), phase_started("first"))
    run.interrupt_phase(action_index=0, phase_name="first", reason="controller restarted")
    assert run.next_phase(0) == "first"
    run.start_phase(action_index=0, phase_name="first", function="F", attempt=2)
    assert new_events(run) == ["PhaseInterrupted", "PhaseStarted"]
    assert run.actions[0].phases[0].attempt == 2


def test_an_interrupted_phase_can_be_failed() -> None:
    run = given(started(), phase_started("first"))
    run.interrupt_phase(action_index=0, phase_name="first", reason="lost")
    run.fail_phase(action_index=0, phase_name="first", error="Phase interrupted: lost")
    assert new_events(run) == ["PhaseInterrupted", "PhaseFailed"]


def test_a_launch_failure_marks_the_first_phase_failed_like_kanister() -> None:
    run = given()
    run.fail_action(action_index=0, error='Failed to get secret "s"')
    assert run.actions[0].phases[0].state == "failed"
    assert run.error == 'Failed to get secret "s"'


ILLEGAL: list[Any] = [
    pytest.param((), lambda r: r.start_phase(action_index=0, phase_name="first", function="F"),
                 actionset_errors.ActionNotRunningError, id="phase-before-action"),
    pytest.param((started(),), phase_done("first"), actionset_errors.PhaseNotRunningError,
                 id="complete-unstarted-phase"),
    pytest.param((started(),), phase_started("second"), actionset_errors.PhaseOutOfOrderError,
                 id="second-before-first"),
    pytest.param((started(),), phase_started("nope"), actionset_errors.UnknownPhaseError,
                 id="unknown-phase"),
    pytest.param((started(), phase_started("first")), phase_started("second"),
                 actionset_errors.PhaseOutOfOrderError, id="two-running-phases"),
    pytest.param((), lambda r: r.start_action(5), actionset_errors.UnknownActionError,
                 id="unknown-action"),
    pytest.param((started(),), started(), actionset_errors.ActionAlreadyStartedError,
                 id="start-action-twice"),
    pytest.param((started(), phase_started("first")), defer_started(),
                 actionset_errors.DeferPhaseNotReadyError, id="defer-while-phase-runs"),
    pytest.param((started(), phase_started("first"), phase_done("first")), defer_started(),
                 actionset_errors.DeferPhaseNotReadyError, id="defer-before-phases-end"),
    pytest.param((started(1),), lambda r: r.start_defer_phase(action_index=1, function="F"),
                 actionset_errors.UnknownPhaseError, id="no-defer-phase"),
    pytest.param((*ALL_PHASES_DONE,), lambda r: r.complete_action(0),
                 actionset_errors.ActionNotFinishedError, id="complete-before-defer"),
    pytest.param((started(), phase_started("first"), phase_failed("first")),
                 lambda r: r.render_artifacts(action_index=0, artifacts={}),
                 actionset_errors.ActionNotFinishedError, id="artifacts-after-failure"),
    pytest.param((started(), phase_started("first")), lambda r: r.fail("x"),
                 actionset_errors.PhasesStillRunningError, id="fail-while-phase-runs"),
    pytest.param((started(), phase_started("first"), phase_failed("first")),
                 lambda r: r.complete(), actionset_errors.RunFailedError, id="complete-failed-run"),
    pytest.param((lambda r: r.fail("x"),), lambda r: r.fail("y"), actionset_errors.RunTerminalError,
                 id="second-terminal-event"),
    pytest.param((lambda r: r.fail("x"),), started(), actionset_errors.RunTerminalError,
                 id="start-action-of-ended-run"),
    pytest.param((), lambda r: r.cancel(), actionset_errors.CancelNotRequestedError,
                 id="cancel-without-request"),
    pytest.param((lambda r: r.request_cancel(),), lambda r: r.request_cancel(),
                 actionset_errors.CancelRequestedError, id="cancel-requested-twice"),
    pytest.param((started(), lambda r: r.request_cancel()), phase_started("first"),
                 actionset_errors.CancelRequestedError, id="phase-after-cancel-request"),
    pytest.param((started(), phase_started("first")),
                 lambda r: r.progress_phase(action_index=0, phase_name="second", progress={}),
                 actionset_errors.PhaseNotRunningError, id="progress-of-pending-phase"),
    pytest.param((started(), phase_started("first"), phase_done("first")),
                 lambda r: r.interrupt_phase(action_index=0, phase_name="first", reason="x"),
                 actionset_errors.PhaseNotRunningError, id="interrupt-finished-phase"),
]


@pytest.mark.parametrize(("history", "command", "error"), ILLEGAL)
def test_illegal_commands_raise_and_emit_nothing(
    history: tuple[Step, ...], command: Step, error: type[Exception]
) -> None:
    run = given(*history)
    version = run.version
    with pytest.raises(error):
        command(run)
    assert run.collect_events() == []
    assert run.version == version


def test_replaying_the_events_rebuilds_the_same_run() -> None:
    run = actionset.ActionSetRun.accept(name="as", namespace="ns", uid="u", spec={}, plan=PLAN)
    for step in (*ALL_PHASES_DONE, defer_started(), defer_done()):
        step(run)
    events = run.collect_events()
    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed == run
    assert replayed.last_digest == events[-1].digest


def test_events_chain_their_digests() -> None:
    run = actionset.ActionSetRun.accept(name="as", namespace="ns", uid="u", spec={}, plan=PLAN)
    started()(run)
    first, second = run.collect_events()
    assert first.digest and second.digest and first.digest != second.digest
    assert second.sealed(previous=first.digest).digest == second.digest


def test_phase_failed_upcasts_schema_1() -> None:
    state: dict[str, Any] = {"schema_version": 1, "log": "\n".join(str(i) for i in range(15))}
    ev.PhaseFailed.upcast_v1_v2(state)
    assert state == {"schema_version": 1, "log_tail": [str(i) for i in range(5, 15)]}
