"""Properties: any command sequence the aggregate accepts replays to the same state, through
the store's mapper too; a rejected command changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kes import storage
from kes.domain import actionset

PLAN: list[dict[str, Any]] = [
    {"name": "a", "phases": [{"name": "p1", "function": "F"}, {"name": "p2", "function": "F"},
                             {"name": "d", "function": "F", "defer": True}]},
    {"name": "b", "phases": [{"name": "q1", "function": "F"}]},
]
PHASES = ["p1", "p2", "q1", "d", "zz"]
MAPPER = storage.PydanticMapper(transcoder=storage.JSONTranscoder())


def command(run: actionset.ActionSetRun, name: str, i: int, phase: str) -> None:
    commands: dict[str, Any] = {
        "start_action": lambda: run.start_action(i),
        "start_phase": lambda: run.start_phase(action_index=i, phase_name=phase, function="F"),
        "progress": lambda: run.progress_phase(
            action_index=i, phase_name=phase, progress={"progressPercent": "50"}),
        "complete_phase": lambda: run.complete_phase(
            action_index=i, phase_name=phase, output={"k": phase}, duration_s=1.0),
        "fail_phase": lambda: run.fail_phase(action_index=i, phase_name=phase, error="e"),
        "interrupt": lambda: run.interrupt_phase(
            action_index=i, phase_name=phase, reason="r", rerun=True),
        "interrupt_and_fail": lambda: run.interrupt_phase(
            action_index=i, phase_name=phase, reason="r", rerun=False, error="lost"),
        "time_out": lambda: run.time_out_phase(
            action_index=i, phase_name=phase, timeout_s=1.0, error="t"),
        "artifacts": lambda: run.render_artifacts(action_index=i, artifacts={"x": {"k": "v"}}),
        "complete_action": lambda: run.complete_action(i),
        "fail_action": lambda: run.fail_action(action_index=i, error="f"),
        "request_cancel": lambda: run.request_cancel("r"),
        "complete": run.complete,
        "fail": lambda: run.fail("f"),
        "cancel": run.cancel,
    }
    commands[name]()


COMMANDS = st.tuples(
    st.sampled_from([
        "start_action", "start_phase", "start_phase", "progress", "complete_phase",
        "complete_phase", "fail_phase", "interrupt", "interrupt_and_fail", "artifacts",
        "complete_action", "fail_action", "request_cancel", "time_out",
        "complete", "fail", "cancel",
    ]),
    st.integers(min_value=0, max_value=2),
    st.sampled_from(PHASES),
)


def likely(run: actionset.ActionSetRun, *, disruptive: bool) -> list[tuple[str, int, str]]:
    """Commands that fit the run's state, so sequences get deep into the lifecycle."""
    found: list[tuple[str, int, str]] = [("complete", 0, "")]
    if disruptive:
        found = [("cancel", 0, ""), ("request_cancel", 0, ""), ("fail", 0, "")]
    for i in range(len(run.actions)):
        running = run.running_phase_of(i)
        if disruptive:
            found.append(("fail_action", i, ""))
            if running is not None:
                found += [("fail_phase", i, running.name), ("interrupt", i, running.name),
                          ("interrupt_and_fail", i, running.name),
                          ("time_out", i, running.name)]
            continue
        found.append(("start_action", i, ""))
        step = run.next_step(i)
        if step.kind == actionset.RUN and step.phase is not None:
            found.append(("start_phase", i, step.phase.name))
        if running is not None:
            found += [(verb, i, running.name) for verb in ("progress", "complete_phase")]
        found += [(verb, i, "") for verb in ("artifacts", "complete_action")]
    return [c for c in found if accepts(run, c)] or found


def accepts(run: actionset.ActionSetRun, candidate: tuple[str, int, str]) -> bool:
    trial = copy.deepcopy(run)
    try:
        command(trial, *candidate)
    except actionset.ActionSetRunError:
        return False
    return True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_accepted_commands_replay_to_the_same_state(data: st.DataObject) -> None:
    run = actionset.ActionSetRun.accept(name="s", namespace="n", uid="u", spec={}, plan=PLAN)
    events = list(run.collect_events())
    for _ in range(data.draw(st.integers(min_value=0, max_value=60))):
        dice = data.draw(st.integers(min_value=0, max_value=19))
        if dice < 1:
            name, i, phase = data.draw(COMMANDS)
        else:
            choices = likely(run, disruptive=dice < 2)
            name, i, phase = data.draw(st.sampled_from(choices))
        before = run.version
        try:
            command(run, name, i, phase)
        except actionset.ActionSetRunError:
            assert run.version == before and run.collect_events() == []
        else:
            new = run.collect_events()
            assert run.version == before + len(new) and len(new) in (1, 2)
            events += new
    hypothesis.event(f"state {run.state}")
    hypothesis.event(f"{len(events) // 5 * 5}+ events")

    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed == run

    through_store: Any = None
    for event in events:
        through_store = MAPPER.to_domain_event(MAPPER.to_stored_event(event)).mutate(
            through_store
        )
    assert through_store == run
    if run.is_terminal:
        assert run.running_phases() == []
