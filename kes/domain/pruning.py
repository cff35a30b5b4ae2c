"""The prune ledger: what `kes history prune` removed from the log, recorded in the log.

Pruning deletes ended runs as a whole. Each run's hash chain is its own, so the runs that remain
still verify; what would be lost is the evidence that the removed runs ever existed. The ledger
keeps it: one hash-chained aggregate whose ``RunsPruned`` events name every removed run with its
event count and its last digest, so an export of a pruned run kept elsewhere can still be
checked against the log (``kes history --verify --anchor``-style: its last digest must match).
"""

from __future__ import annotations

import uuid
from typing import Any

import pydantic

from kes.domain import events

LEDGER_NAMESPACE = uuid.UUID("3f0c6a0e-5a52-4c8e-a4a1-2b1f4e9d7c30")


class PrunedRun(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    id: str
    kind: str
    namespace: str
    name: str
    state: str
    events: int
    last_digest: str
    ended_at: str


class LedgerOpened(events.CreatedEvent):
    def apply(self, ledger: Any) -> None:
        ledger.init()


class RunsPruned(events.DomainEvent):
    older_than_s: float
    runs: list[PrunedRun]

    def apply(self, ledger: Any) -> None:
        ledger.pruned.extend(self.runs)


class PruneLedger(events.EventSourced):
    """Every run ever pruned from this log."""

    def init(self) -> None:
        self.pruned: list[PrunedRun] = []

    @staticmethod
    def id_for() -> uuid.UUID:
        return uuid.uuid5(LEDGER_NAMESPACE, "prune-ledger")

    @classmethod
    def open(cls) -> PruneLedger:
        return cls._start(LedgerOpened, id=cls.id_for())

    def pruned_ids(self) -> set[str]:
        return {run.id for run in self.pruned}

    def record(self, *, runs: list[PrunedRun], older_than_s: float) -> None:
        already = self.pruned_ids()
        fresh = [run for run in runs if run.id not in already]
        if fresh:
            self.trigger_event(RunsPruned, runs=fresh, older_than_s=older_than_s)
