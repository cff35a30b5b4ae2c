"""Replay of exported histories against today's code: does an old log still mean the same?

An export is what ``kes history ... --json`` prints: one stored event per line, exactly as the
store holds it. Beside it, ``NAME.status.json`` holds the status computed when it was exported
(``kes history ... --export`` writes both). Replaying reads every event through today's
upcasters into today's aggregate, checks the hash chain, and compares the status today's status
projection computes with the recorded one. The first event that no longer applies, the first
break in the chain, or the first field whose status differs is named, so a schema change that
would rewrite the past is caught before it ships (``make test`` replays every export under
tests/fixtures/histories).

A store dump (``{"topic": ..., "state": ...}`` per line, as tests/replay/scenarios.py writes)
is read the same way.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

from kes import storage
from kes.application import errors
from kes.domain import hashchain, status

STATUS_SUFFIX = ".status.json"


@dataclasses.dataclass(frozen=True)
class ReplayReport:
    """How one export replayed: ``problem`` is empty when it replays to its recorded status."""

    source: str
    events: int
    problem: str = ""
    compared_status: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem


def status_path(path: Path) -> Path:
    """Where the status recorded at export time sits beside an export."""
    return path.with_name(path.name.removesuffix(".jsonl") + STATUS_SUFFIX)


def read_export(path: Path) -> tuple[list[hashchain.StoredRecord], dict[str, Any] | None]:
    """The stored events of an export file and, when it is beside it, its recorded status."""
    try:
        lines = [line for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise errors.ReplayError(f"Cannot read {path}: {exc.strerror}.") from None
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            records.append(_stored(item))
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.ReplayError(
                f"{path}:{number} is not an exported event ({type(exc).__name__}: {exc})."
            ) from None
    recorded = None
    beside = status_path(path)
    if beside.exists():
        try:
            recorded = json.loads(beside.read_text())
        except ValueError as exc:
            raise errors.ReplayError(f"{beside} is not JSON: {exc}.") from None
    return records, recorded


def _stored(item: dict[str, Any]) -> hashchain.StoredRecord:
    if "state" in item and "topic" in item:  # a store dump
        state = dict(item["state"])
        return hashchain.StoredRecord(
            version=int(state["originator_version"]), topic=str(item["topic"]), state=state
        )
    return storage.stored_from_export(item)


def replay(
    records: list[hashchain.StoredRecord], *, recorded: dict[str, Any] | None, source: str
) -> ReplayReport:
    """Apply every event with today's code, verify the chain, compare the status."""
    aggregate: Any = None
    for record in records:
        name = record.topic.rsplit(":", 1)[-1]
        try:
            event = storage.read_event(record.topic, copy.deepcopy(dict(record.state)))
            aggregate = event.mutate(aggregate)
        except Exception as exc:  # any failure to read or apply is the finding
            return ReplayReport(
                source=source, events=len(records),
                problem=f"Event {record.version} ({name}) no longer replays: "
                        f"{type(exc).__name__}: {_first_line(exc)}",
            )
    broken = hashchain.verify(records)
    if broken is not None:
        return ReplayReport(source=source, events=len(records), problem=broken.describe())
    if aggregate is None:
        return ReplayReport(source=source, events=0, problem="The export holds no event.")
    if recorded is None:
        return ReplayReport(source=source, events=len(records))
    replayed = status.status_of(aggregate)
    difference = first_difference(recorded, replayed)
    problem = "" if difference is None else (
        f"After event {records[-1].version}, the status differs from the one recorded at "
        f"export: {difference}"
    )
    return ReplayReport(
        source=source, events=len(records), problem=problem, compared_status=True
    )


def replay_file(path: Path) -> ReplayReport:
    records, recorded = read_export(path)
    return replay(records, recorded=recorded, source=str(path))


def first_difference(recorded: Any, replayed: Any, where: str = "status") -> str | None:
    """The first place two JSON values differ, as ``path: recorded X, replayed Y``."""
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        for key in sorted(set(recorded) | set(replayed)):
            if key not in replayed:
                return f"{where}.{key}: recorded {_short(recorded[key])}, replayed nothing"
            if key not in recorded:
                return f"{where}.{key}: recorded nothing, replayed {_short(replayed[key])}"
            found = first_difference(recorded[key], replayed[key], f"{where}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(recorded, list) and isinstance(replayed, list):
        for index, (left, right) in enumerate(zip(recorded, replayed, strict=False)):
            found = first_difference(left, right, f"{where}[{index}]")
            if found is not None:
                return found
        if len(recorded) != len(replayed):
            return f"{where}: recorded {len(recorded)} items, replayed {len(replayed)}"
        return None
    if recorded != replayed:
        return f"{where}: recorded {_short(recorded)}, replayed {_short(replayed)}"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:79] + "…"


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [""])[0]
