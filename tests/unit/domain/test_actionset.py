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
            {"name": "cleanup", "function": "KubeTask", "defer": True},
        ],
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
    return lambda r: r.start_phase(action_index=i, phase_name="cleanup", function="KubeTask")


def defer_done(i: int = 0) -> Step:
    return lambda r: r.complete_phase(action_index=i, phase_name="cleanup")


ALL_PHASES_DONE = (started(), phase_started("first"), phase_done("first"),
                   phase_started("second"), phase_done("second"))


def test_accept_records_the_plan_and_a_derived_id() -> None:
    run = actionset.ActionSetRun.accept(name="as", namespace="ns", uid="u", spec={}, plan=PLAN)
    assert new_events(run) == ["ActionSetAccepted"]
    assert run.id == actionset.ActionSetRun.id_for("u")
    assert run.state == "pending"
    assert [p.name for p in run.actions[0].phases] == ["first", "second"]
    assert run.actions[0].defer_phase is not None and run.actions[0].defer_phase.defer
    assert run.next_step(0).kind == actionset.START_ACTION


def test_reject_creates_a_failed_run() -> None:
    run = actionset.ActionSetRun.reject(
        name="as", namespace="ns", uid="u", spec={}, reason="Error", message="bad"
    )
    assert new_events(run) == ["ActionSetRejected"]
    assert run.is_terminal and run.error == "bad"


def next_run(run: actionset.ActionSetRun, i: int = 0) -> str | None:
    step = run.next_step(i)
    return step.phase.name if step.kind == actionset.RUN and step.phase else None


def test_phases_run_in_order_then_the_defer_phase_then_the_action_finishes() -> None:
    run = given(started())
    assert next_run(run) == "first"
    phase_started("first")(run)
    assert run.running_phases() == [(0, "first")]
    assert run.next_step(0).kind == actionset.RECOVER  # a running phase no one runs
    phase_done("first")(run)
    assert next_run(run) == "second"
    assert new_events(run) == ["PhaseStarted", "PhaseCompleted"]
    phase_started("second")(run)
    phase_done("second")(run)
    assert next_run(run) == "cleanup"
    defer_started()(run)
    defer_done()(run)
    assert new_events(run) == ["PhaseStarted", "PhaseCompleted", "PhaseStarted",
                               "PhaseCompleted"]
    assert run.next_step(0) == actionset.Step(actionset.FINISH, succeeded=True)


def test_a_failed_phase_stops_the_action_and_records_the_error() -> None:
    run = given(started(), phase_started("first"))
    phase_failed("first")(run)
    assert new_events(run) == ["PhaseFailed"]
    assert run.error == "boom"
    assert next_run(run) == "cleanup"
    assert run.actions[0].phases[1].state == "pending"


def test_a_defer_phase_failure_after_a_phase_failure_keeps_the_first_error() -> None:
    run = given(started(), phase_started("first"), phase_failed("first"), defer_started())
    run.fail_phase(action_index=0, phase_name="cleanup", error="defer boom",
                   log_tail=[str(i) for i in range(30)])
    events = run.collect_events()
    assert [type(e).__name__ for e in events] == ["PhaseFailed"]
    assert events[0].log_tail == [str(i) for i in range(20, 30)]  # the last ten lines
    assert run.error == "boom"
    assert run.running_phase == ""  # Kanister clears it when the deferPhase fails
    assert run.next_step(0) == actionset.Step(actionset.FINISH, succeeded=False)


def test_a_defer_phase_failure_alone_is_the_error() -> None:
    run = given(*ALL_PHASES_DONE, defer_started())
    run.fail_phase(action_index=0, phase_name="cleanup", error="defer boom")
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
        "CancelRequested", "PhaseFailed", "PhaseStarted", "PhaseCompleted",
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
    assert new_events(run) == ["PhaseStarted"]


def test_an_interrupted_phase_can_be_run_again() -> None:
    run = given(started(), phase_started("first"))
    run.interrupt_phase(action_index=0, phase_name="first", reason="controller restarted",
                        rerun=True)
    assert run.next_step(0) == actionset.Step(
        actionset.RUN, phase=run.actions[0].phases[0].plan, attempt=2
    )
    run.start_phase(action_index=0, phase_name="first", function="F", attempt=2)
    assert new_events(run) == ["PhaseInterrupted", "PhaseStarted"]
    assert run.actions[0].phases[0].attempt == 2


def test_an_interrupted_phase_not_run_again_fails_in_the_same_transition() -> None:
    run = given(started(), phase_started("first"))
    run.interrupt_phase(action_index=0, phase_name="first", reason="lost", rerun=False,
                        error="Phase interrupted: lost")
    assert new_events(run) == ["PhaseInterrupted", "PhaseFailed"]
    assert run.error == "Phase interrupted: lost"
    assert next_run(run) == "cleanup"


def test_an_interrupted_defer_phase_runs_again_as_attempt_2() -> None:
    run = given(*ALL_PHASES_DONE, defer_started())
    assert run.next_step(0).kind == actionset.RECOVER
    run.interrupt_phase(action_index=0, phase_name="cleanup", reason="lost", rerun=True)
    step = run.next_step(0)
    assert (step.kind, step.phase and step.phase.name, step.attempt) == (
        actionset.RUN, "cleanup", 2)
    run.start_phase(action_index=0, phase_name="cleanup", function="KubeTask", attempt=2)
    defer_done()(run)
    assert run.next_step(0) == actionset.Step(actionset.FINISH, succeeded=True)


def test_a_cancelled_run_skips_to_the_defer_phase() -> None:
    run = given(started(), phase_started("first"), phase_done("first"))
    run.request_cancel("deleted")
    assert next_run(run) == "cleanup"


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
                 actionset_errors.PhaseOutOfOrderError, id="defer-while-phase-runs"),
    pytest.param((started(), phase_started("first"), phase_done("first")), defer_started(),
                 actionset_errors.DeferPhaseNotReadyError, id="defer-before-phases-end"),
    pytest.param((started(1),), lambda r: r.start_phase(action_index=1, phase_name="cleanup",
                                                         function="F"),
                 actionset_errors.UnknownPhaseError, id="no-defer-phase"),
    pytest.param((*ALL_PHASES_DONE, defer_started(), defer_done()), defer_started(),
                 actionset_errors.DeferPhaseNotReadyError, id="defer-twice"),
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
                 lambda r: r.interrupt_phase(action_index=0, phase_name="first", reason="x",
                                             rerun=True),
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


def test_action_set_accepted_upcasts_schema_1() -> None:
    state: dict[str, Any] = {
        "schema_version": 1, "blueprint_versions": {"bp": "12"},
        "plan": [{"name": "backup", "blueprint": "bp",
                  "phases": [{"name": "first", "function": "KubeTask"}],
                  "defer_phase": {"name": "cleanup", "function": "KubeTask"}},
                 {"name": "other", "blueprint": "bp2", "phases": [], "defer_phase": None}],
    }
    ev.ActionSetAccepted.upcast_v1_v2(state)
    assert state == {"schema_version": 1, "plan": [
        {"name": "backup", "blueprint": "bp", "blueprint_resource_version": "12", "phases": [
            {"name": "first", "function": "KubeTask"},
            {"name": "cleanup", "function": "KubeTask", "defer": True}]},
        {"name": "other", "blueprint": "bp2", "blueprint_resource_version": "", "phases": []},
    ]}
    plan = ev.ActionPlan.model_validate(state["plan"][0])
    assert not plan.recorded  # schema 1 kept no bodies: such a run cannot be resumed


@pytest.mark.parametrize(("retired", "successor"), [
    ("DeferPhaseStarted", ev.PhaseStarted),
    ("DeferPhaseCompleted", ev.PhaseCompleted),
    ("DeferPhaseFailed", ev.PhaseFailed),
])
def test_retired_defer_phase_events_are_read_as_phase_events(
    retired: str, successor: type[Any]
) -> None:
    from kes import storage

    state: dict[str, Any] = {
        "originator_id": "8ad0125f-a17b-5576-bd06-f534acd2f214", "originator_version": 7,
        "timestamp": "2026-05-13T10:00:00Z", "schema_version": 1, "digest": "d",
        "action_index": 0, "phase_name": "cleanup",
    }
    if retired == "DeferPhaseStarted":
        state |= {"function": "KubeTask", "args": {}, "attempt": 1}
    elif retired == "DeferPhaseFailed":
        state |= {"error": "gone", "log_tail": ["a", "b"]}
    event = storage.read_event(f"kes.domain.actionset_events:{retired}", state)
    assert type(event) is successor
    if retired == "DeferPhaseFailed":
        assert event.defer_v1 and event.log_tail == ["a", "b"]
