"""Runs listed from the log and pruned from it, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from kes import application
from kes.application import listing, pruning
from kes.domain import pruning as ledger

PLAN: list[dict[str, Any]] = [{
    "name": "backup", "blueprint": "bp",
    "phases": [{"name": "dump", "function": "KubeTask", "args": {}},
               {"name": "tidy", "function": "KubeTask", "args": {}, "defer": True}],
}]


@pytest.fixture
def app(store: str) -> Iterator[application.KesApplication]:
    kes = application.KesApplication(store=store)
    yield kes
    kes.close()


def run(app: application.KesApplication, name: str, *, namespace: str = "prod",
        fail: bool = False, end: bool = True) -> UUID:
    run_id = app.accept_actionset(name=name, namespace=namespace, uid=f"uid-{name}", spec={},
                                  plan=PLAN)
    app.start_action(run_id, action_index=0)
    app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    if not end:
        return run_id
    if fail:
        app.fail_phase(run_id, action_index=0, phase_name="dump", error="exit 1")
    else:
        app.complete_phase(run_id, action_index=0, phase_name="dump", output={"k": "v"},
                           duration_s=1.0)
    app.start_phase(run_id, action_index=0, phase_name="tidy", function="KubeTask", args={})
    app.complete_phase(run_id, action_index=0, phase_name="tidy", output=None, duration_s=0.1)
    if fail:
        app.fail_action(run_id, action_index=0, error="")
        app.fail_run(run_id)
    else:
        app.complete_action(run_id, action_index=0)
        app.complete_run(run_id)
    return run_id


def test_runs_are_listed_with_state_blueprint_and_failed_phase(
    app: application.KesApplication,
) -> None:
    run(app, "ok")
    run(app, "broken", fail=True)
    run(app, "busy", end=False)
    run(app, "elsewhere", namespace="dev")
    found = listing.summaries(app, namespace="prod")
    assert [(s.name, s.state, s.failed_phase) for s in found] == [
        ("ok", "complete", ""), ("broken", "failed", "backup/dump"), ("busy", "running", "")
    ]
    assert found[0].blueprints == ("bp",) and found[0].ended is not None
    assert found[2].ended is None
    assert [s.name for s in listing.summaries(app, namespace=None)] == [
        "ok", "broken", "busy", "elsewhere"]
    assert [s.name for s in listing.summaries(app, namespace=None, state="failed")] == ["broken"]
    assert listing.summaries(app, namespace=None, blueprint="other") == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert listing.summaries(app, namespace=None, since=later) == []


def test_prune_removes_ended_runs_lists_them_in_the_ledger_and_the_rest_verifies(
    app: application.KesApplication,
) -> None:
    old = run(app, "old")
    old_failed = run(app, "old-failed", fail=True)
    busy = run(app, "busy", end=False)
    digest = app.run(old).last_digest
    cutoff = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    dry = pruning.prune(app, older_than_s=10, now=cutoff, dry_run=True)
    assert {r.name for r in dry.runs} == {"old", "old-failed"} and dry.events_removed == 0
    assert app.run(old).state == "complete"  # a dry run removes nothing

    recent = run(app, "recent")
    result = pruning.prune(app, older_than_s=3600, now=cutoff)
    assert result.runs == [] and result.events_removed == 0  # nothing ended an hour ago

    result = pruning.prune(app, older_than_s=10, now=cutoff + dt.timedelta(seconds=60))
    assert {r.name for r in result.runs} == {"old", "old-failed", "recent"}
    assert result.events_removed == sum(r.events for r in result.runs)
    for gone in (old, old_failed, recent):
        with pytest.raises(application.RunNotFoundError):
            app.run(gone)
    assert app.verify(busy) is None
    assert app.run_for("prod", "old") is None
    assert [s.name for s in listing.summaries(app, namespace=None)] == ["busy"]
    kept = app.copy_of(ledger.PruneLedger.id_for())
    assert {r.name: r.last_digest for r in kept.pruned}["old"] == digest
    assert app.verify(ledger.PruneLedger.id_for()) is None
    again = pruning.prune(app, older_than_s=10, now=cutoff + dt.timedelta(seconds=60))
    assert again.runs == []
