"""Recorded histories replay offline into the aggregates and into their golden status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing import persistence as es_persistence

from kes import storage
from kes.domain import hashchain, status

HISTORIES = Path(__file__).resolve().parent.parent / "fixtures" / "histories"
# Two shapes live there: store dumps made by scenarios.py ({"state", "topic"} per line) and
# `kes history --json` exports of real runs ("v1-*": {"id", "version", "type", "data", ...}).
NAMES = sorted(
    p.name.removesuffix(".jsonl") for p in HISTORIES.glob("*.jsonl") if p.name[:1] != "v"
)
EXPORTS = sorted(
    p.name.removesuffix(".jsonl") for p in HISTORIES.glob("v*.jsonl")
)
MAPPER = storage.PydanticMapper(transcoder=storage.JSONTranscoder())


def lines(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (HISTORIES / f"{name}.jsonl").read_text().splitlines()]


def stored(line: dict[str, Any]) -> es_persistence.StoredEvent:
    state = line["state"]
    return es_persistence.StoredEvent(
        originator_id=UUID(state["originator_id"]),
        originator_version=state["originator_version"],
        topic=line["topic"],
        state=json.dumps(state).encode(),
    )


def from_export(record: dict[str, Any]) -> dict[str, Any]:
    """A `kes history --json` line back in the stored shape (ActionSet events only)."""
    state = {
        **record["data"],
        "originator_id": record["id"],
        "originator_version": record["version"],
        "timestamp": record["time"],
        "schema_version": record["schema_version"],
        "digest": record["digest"],
    }
    if record["version"] == 1:
        state["originator_topic"] = "kes.domain.actionset:ActionSetRun"
    return {"state": state, "topic": f"kes.domain.actionset_events:{record['type']}"}


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_of_real_runs_replay_to_the_status_recorded_at_export(name: str) -> None:
    records = [from_export(json.loads(line))
               for line in (HISTORIES / f"{name}.jsonl").read_text().splitlines()]
    aggregate = None
    for line in records:
        aggregate = MAPPER.to_domain_event(stored(line)).mutate(aggregate)
    expected = json.loads((HISTORIES / f"{name}.status.json").read_text())
    assert status.status_of(aggregate) == expected
    chain = [hashchain.StoredRecord(version=r["state"]["originator_version"], topic=r["topic"],
                                    state=r["state"]) for r in records]
    assert hashchain.verify(chain) is None


def replay(name: str) -> Any:
    aggregate = None
    for line in lines(name):
        aggregate = MAPPER.to_domain_event(stored(line)).mutate(aggregate)
    return aggregate


def rendered_status(name: str) -> str:
    return json.dumps(status.status_of(replay(name)), indent=2, sort_keys=True) + "\n"


def test_every_scenario_of_the_issue_is_recorded() -> None:
    assert set(NAMES) >= {
        "success", "phase_failure_with_defer", "defer_failure", "parallel_actions",
        "cancellation", "lost_running_phase", "repositoryserver_ready",
    }


@pytest.mark.parametrize("name", NAMES)
def test_replay_gives_the_golden_status(name: str) -> None:
    assert rendered_status(name) == (HISTORIES / f"{name}.status.json").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_replaying_twice_gives_byte_identical_status(name: str) -> None:
    assert rendered_status(name).encode() == rendered_status(name).encode()


@pytest.mark.parametrize("name", NAMES)
def test_recorded_chains_verify(name: str) -> None:
    records = [
        hashchain.StoredRecord(
            version=line["state"]["originator_version"], topic=line["topic"], state=line["state"]
        )
        for line in lines(name)
    ]
    assert hashchain.verify(records) is None


@pytest.mark.parametrize("name", NAMES)
def test_replay_reaches_the_last_version_and_digest(name: str) -> None:
    aggregate = replay(name)
    assert aggregate.version == len(lines(name))
    assert aggregate.last_digest == lines(name)[-1]["state"]["digest"]


def test_the_lost_phase_history_ends_failed_with_the_defer_phase_run() -> None:
    shown = json.loads((HISTORIES / "lost_running_phase.status.json").read_text())
    assert shown["state"] == "failed"
    assert [p["state"] for p in shown["actions"][0]["phases"]] == ["complete", "failed"]
    assert shown["actions"][0]["deferPhase"]["state"] == "complete"

