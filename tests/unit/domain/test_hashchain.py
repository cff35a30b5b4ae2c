"""The hash chain verifier sees changed, removed, reordered and inserted events."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kes.domain import actionset, hashchain

TOPIC = "kes.domain.actionset_events:PhaseProgressed"


def chain() -> list[hashchain.StoredRecord]:
    run = actionset.ActionSetRun.accept(
        name="a", namespace="n", uid="u", spec={},
        plan=[{"name": "b", "phases": [{"name": "p", "function": "F"}]}],
    )
    run.start_action(0)
    run.start_phase(action_index=0, phase_name="p", function="F")
    for i in range(4):
        run.progress_phase(action_index=0, phase_name="p", progress={"progressPercent": str(i)})
    records = []
    for event in run.collect_events():
        topic = event.body()["topic"]
        records.append(hashchain.StoredRecord(
            version=event.originator_version, topic=topic, state=event.model_dump(mode="json")
        ))
    return records


def renumbered(records: list[hashchain.StoredRecord]) -> list[hashchain.StoredRecord]:
    return [
        dataclasses.replace(r, version=i + 1, state={**r.state, "originator_version": i + 1})
        for i, r in enumerate(records)
    ]


def test_an_untouched_chain_verifies() -> None:
    assert hashchain.verify(chain()) is None


def test_a_changed_event_breaks_at_that_event() -> None:
    records = chain()
    state: dict[str, Any] = dict(records[4].state)
    state["progress"] = {"progressPercent": "99"}
    records[4] = dataclasses.replace(records[4], state=state)
    broken = hashchain.verify(records)
    assert broken is not None and broken.version == 5
    assert "PhaseProgressed" in broken.describe()


def test_a_changed_topic_breaks_the_chain() -> None:
    records = chain()
    records[1] = dataclasses.replace(records[1], topic=TOPIC)
    assert (broken := hashchain.verify(records)) is not None and broken.version == 2


@pytest.mark.parametrize("index", [0, 3], ids=["first", "middle"])
def test_a_removed_event_breaks_the_chain(index: int) -> None:
    records = chain()
    del records[index]
    assert hashchain.verify(records) is not None
    assert hashchain.verify(renumbered(records)) is not None


def test_reordered_events_break_the_chain() -> None:
    records = chain()
    records[3], records[4] = records[4], records[3]
    assert hashchain.verify(records) is not None
    assert hashchain.verify(renumbered(records)) is not None


def test_an_inserted_event_breaks_the_chain() -> None:
    records = chain()
    records.insert(4, records[4])
    assert hashchain.verify(renumbered(records)) is not None


def test_canonical_json_ignores_key_order() -> None:
    assert hashchain.canonical_json({"b": 1, "a": [1, "é"]}) == hashchain.canonical_json(
        {"a": [1, "é"], "b": 1}
    )


def test_an_anchor_reveals_events_removed_from_the_end() -> None:
    records = chain()
    anchor = records[-1].state["digest"]
    assert hashchain.verify(records, anchor=anchor) is None
    assert hashchain.verify(records[:-2]) is None  # the log alone cannot tell
    broken = hashchain.verify(records[:-2], anchor=anchor)
    assert broken is not None and broken.version == len(records) - 1
    assert "last events were removed" in broken.describe()
