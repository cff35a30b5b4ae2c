"""Every recorded history replays on today's code to the status recorded with it.

tests/fixtures/histories holds histories of every schema kes has had: `v1-*` were recorded by
schema 1 (exports of real runs made by `kes history --json`, and scenario store dumps) and stay
for good; `v2-scenario-*` are today's scenarios (tests/replay/scenarios.py). Each is replayed
the way `kes replay` does it (today's upcasters, aggregate, status projection, hash chain).
The events of a history never change; its `.status.json` changes only when a status rule
changes on purpose (issue 10 dropped an empty percentCompleted: v1-cancelled's lost it then),
so every difference here is either a bug or a decision the git log names.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import scenarios

from kes import storage
from kes.application import replaying
from kes.domain import status

HISTORIES = scenarios.HISTORIES
FILES = sorted(HISTORIES.glob("*.jsonl"))
TODAY = sorted(p for p in FILES if p.name.startswith(scenarios.PREFIX))


def replayed(path: Path) -> Any:
    records, _ = replaying.read_export(path)
    aggregate = None
    for record in records:
        aggregate = storage.read_event(record.topic, json.loads(json.dumps(record.state))
                                       ).mutate(aggregate)
    return aggregate


def test_every_scenario_is_recorded_in_todays_schema() -> None:
    assert {p.name.removeprefix(scenarios.PREFIX).removesuffix(".jsonl") for p in TODAY} == set(
        scenarios.SCENARIOS
    )


def test_each_earlier_schema_keeps_exports_of_real_runs() -> None:
    real = {p.name for p in FILES if p.name.startswith("v1-") and "scenario" not in p.name}
    assert real >= {"v1-success.jsonl", "v1-phase-failure.jsonl", "v1-defer-failure.jsonl",
                    "v1-cancelled.jsonl"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_history_replays_to_its_recorded_status(path: Path) -> None:
    report = replaying.replay_file(path)
    assert report.ok, report.problem
    assert report.compared_status


@pytest.mark.parametrize("path", TODAY, ids=lambda p: p.name)
def test_todays_scenarios_are_what_the_scenarios_record(path: Path) -> None:
    name = path.name.removeprefix(scenarios.PREFIX).removesuffix(".jsonl")
    lines = list(scenarios.record(scenarios.SCENARIOS[name]))
    assert [json.loads(line) for line in path.read_text().splitlines()] == lines


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_replaying_twice_gives_byte_identical_status(path: Path) -> None:
    first = json.dumps(status.status_of(replayed(path)), sort_keys=True)
    assert first == json.dumps(status.status_of(replayed(path)), sort_keys=True)


def test_a_lost_defer_phase_runs_again_and_the_run_completes() -> None:
    run = replayed(HISTORIES / f"{scenarios.PREFIX}lost_defer_phase.jsonl")
    cleanup = run.actions[0].defer_phase
    assert (run.state, cleanup.state, cleanup.attempt) == ("complete", "complete", 2)


def test_the_first_failure_stays_the_error_after_a_failing_defer_phase() -> None:
    run = replayed(HISTORIES / f"{scenarios.PREFIX}first_error_stays.jsonl")
    assert run.error == "mysqldump: denied"


def test_schema_1_defer_failures_keep_the_status_they_had() -> None:
    old = replayed(HISTORIES / "v1-scenario-defer_failure.jsonl")
    assert (old.error, old.running_phase) == ("Failed to delete pod: timed out", "cleanup")


def test_kes_replay_accepts_every_history_and_names_a_tampered_one(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "kes.cli", "replay", *map(str, FILES)],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("ok   ") == len(FILES)
    source = HISTORIES / "v1-phase-failure.jsonl"
    lines = source.read_text().splitlines()
    broken = json.loads(lines[3])
    broken["data"]["phase_name"] = "renamed"
    lines[3] = json.dumps(broken)
    target = tmp_path / "v1-phase-failure.jsonl"
    target.write_text("\n".join(lines) + "\n")
    (tmp_path / "v1-phase-failure.status.json").write_text(
        (HISTORIES / "v1-phase-failure.status.json").read_text()
    )
    failed = subprocess.run(
        [sys.executable, "-m", "kes.cli", "replay", str(target)],
        capture_output=True, text=True, timeout=60,
    )
    assert failed.returncode == 1
    assert "Event 4 (PhaseCompleted) no longer replays" in failed.stderr


def test_a_changed_status_names_the_first_field_that_differs(tmp_path: Path) -> None:
    source = HISTORIES / "v1-success.jsonl"
    (tmp_path / "x.jsonl").write_text(source.read_text())
    recorded = json.loads((HISTORIES / "v1-success.status.json").read_text())
    recorded["actions"][0]["phases"][1]["state"] = "failed"
    (tmp_path / "x.status.json").write_text(json.dumps(recorded))
    report = replaying.replay_file(tmp_path / "x.jsonl")
    assert not report.ok
    assert report.problem.endswith(
        'status.actions[0].phases[1].state: recorded "failed", replayed "complete"'
    )
