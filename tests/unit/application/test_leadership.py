"""Two application instances on one store, as two controller replicas: the log fences the stale one.

The Lease elects the leader; the log is the second guard. Each replica records its term when it
wins and appends under it; once another replica records a newer term, every append of the first
is refused in the same transaction that would have written it, whatever its cache says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kes import application
from kes.domain import leadership

LEASE = "kes/kes-controller"
PLAN: list[dict[str, Any]] = [
    {"name": "backup", "blueprint": "bp", "phases": [
        {"name": "dump", "function": "KubeTask"},
        {"name": "tidy", "function": "KubeTask", "defer": True},
    ]},
]


@pytest.fixture
def replicas(store: str) -> Iterator[tuple[application.KesApplication, ...]]:
    apps = tuple(application.KesApplication(store=store) for _ in range(2))
    yield apps
    for app in apps:
        app.close()


def _types(app: application.KesApplication, run_id: Any) -> list[str]:
    return [r.topic.rsplit(":", 1)[-1] for r in app.stored_records(run_id)]


def test_a_stale_leaders_append_is_refused_and_names_the_newer_term(
    replicas: tuple[application.KesApplication, ...],
) -> None:
    old, new = replicas
    assert old.take_leadership(lease=LEASE, holder="a", lease_transitions=0) == 1
    run_id = old.accept_actionset(name="as", namespace="ns", uid="u1", spec={}, plan=PLAN)
    old.start_action(run_id, action_index=0)
    old.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    # The old leader's cache holds the run at version 3; the new leader takes over and
    # recovers the phase it finds running.
    assert new.take_leadership(lease=LEASE, holder="b", lease_transitions=1) == 2
    new.interrupt_phase(run_id, action_index=0, phase_name="dump", reason="lost", rerun=True)
    new.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={},
                    attempt=2)
    with pytest.raises(application.NotLeaderError) as refused:
        old.complete_phase(run_id, action_index=0, phase_name="dump", output=None,
                           duration_s=1.0)
    message = str(refused.value)
    assert 'holder "a", term 1 of Lease kes/kes-controller' in message
    assert "no longer leads" in message and "newer leadership term" in message
    # Nothing of the old leader's got in, though fresh state would have allowed its command.
    assert _types(new, run_id) == [
        "ActionSetAccepted", "ActionStarted", "PhaseStarted", "PhaseInterrupted", "PhaseStarted"
    ]
    assert new.run(run_id).actions[0].phases[0].attempt == 2
    assert new.verify(run_id) is None


def test_a_stale_leader_cannot_even_create_a_run(
    replicas: tuple[application.KesApplication, ...],
) -> None:
    old, new = replicas
    old.take_leadership(lease=LEASE, holder="a", lease_transitions=0)
    new.take_leadership(lease=LEASE, holder="b", lease_transitions=1)
    with pytest.raises(application.NotLeaderError):
        old.accept_actionset(name="as", namespace="ns", uid="u2", spec={}, plan=PLAN)
    assert new.list_runs(terminal=None) == []


def test_the_new_leader_writes_on_state_the_old_one_left(
    replicas: tuple[application.KesApplication, ...],
) -> None:
    old, new = replicas
    old.take_leadership(lease=LEASE, holder="a", lease_transitions=0)
    run_id = old.accept_actionset(name="as", namespace="ns", uid="u3", spec={}, plan=PLAN)
    new.run(run_id)  # cached in ``new`` at version 1 (a follower's warm cache)
    old.start_action(run_id, action_index=0)
    new.take_leadership(lease=LEASE, holder="b", lease_transitions=1)
    # new's cache is stale; its append conflicts on the version, and it decides again.
    new.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    assert _types(new, run_id)[-2:] == ["ActionStarted", "PhaseStarted"]


def test_ending_a_term_refuses_later_appends_and_is_itself_fenced(
    replicas: tuple[application.KesApplication, ...],
) -> None:
    old, new = replicas
    old.take_leadership(lease=LEASE, holder="a", lease_transitions=0)
    assert old.end_leadership(holder="a", reason="renew deadline passed")
    with pytest.raises(application.NotLeaderError, match="stopped leading"):
        old.accept_actionset(name="as", namespace="ns", uid="u4", spec={}, plan=PLAN)
    # A replica that did not notice another's term cannot record its own end either.
    old.take_leadership(lease=LEASE, holder="a", lease_transitions=2)
    new.take_leadership(lease=LEASE, holder="b", lease_transitions=3)
    assert not old.end_leadership(holder="a", reason="renew deadline passed")
    chain = new.leadership()
    assert chain is not None and chain.holder == "b" and chain.terms == 3
    records = new.history(leadership.Leadership.id_for())
    assert [(r["type"], r["data"].get("holder")) for r in records] == [
        ("LeadershipOpened", None), ("LeadershipTaken", "a"), ("LeadershipEnded", "a"),
        ("LeadershipTaken", "a"), ("LeadershipTaken", "b"),
    ]
    assert new.verify(leadership.Leadership.id_for()) is None


def test_a_follower_cache_keeps_up_with_the_leaders_writes(
    replicas: tuple[application.KesApplication, ...],
) -> None:
    leader, follower = replicas
    start = follower.head()
    run_id = leader.accept_actionset(name="as", namespace="ns", uid="u5", spec={}, plan=PLAN)
    leader.start_action(run_id, action_index=0)
    position = follower.keep_up(after=start)
    assert position == leader.head()
    # Warm: the follower has the run at its newest version without reading its events again.
    live = follower._live[run_id.int]
    assert live.version == 2 and live.actions[0].state == "running"
    leader.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    follower.keep_up(after=position)
    assert follower._live[run_id.int].version == 3
    follower.keep_up(after=start)  # again from the start: nothing applied twice
    assert follower._live[run_id.int].version == 3
