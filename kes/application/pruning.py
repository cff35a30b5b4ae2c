"""Retention (``kes history prune``): remove runs that ended long ago, and say so in the log.

A run goes as a whole, never in part: each run's hash chain is its own, so every run that
remains still verifies with ``kes history --verify``. Before anything is deleted, the prune
ledger (:mod:`kes.domain.pruning`) records each removed run with its event count and last
digest, in its own hash chain; a crash between the two leaves runs listed as pruned but
present, and the next prune deletes them without listing them twice. Recording the ledger first
also keeps the newest notification in the log: SQLite numbers rows from the largest id left, and
the projections, which follow the log by that number, must never see an id again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from uuid import UUID

from kes import storage
from kes.application import actionsets, errors
from kes.domain import pruning


@dataclasses.dataclass(frozen=True)
class PruneResult:
    runs: list[pruning.PrunedRun]
    events_removed: int
    dry_run: bool


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def candidates(
    app: actionsets.ActionSetUseCases, *, older_than_s: float, now: dt.datetime
) -> list[pruning.PrunedRun]:
    """ActionSet runs that ended more than ``older_than_s`` seconds before ``now``."""
    cutoff = now - dt.timedelta(seconds=older_than_s)
    found = []
    for run_id, _created in app.created("actionset"):
        with app.stripe(run_id):
            run = app.fresh(run_id)
            if not run.is_terminal:
                continue
            ended = run.ended_at or run.modified_on
            if ended >= cutoff:
                continue
            found.append(pruning.PrunedRun(
                id=str(run_id), kind="actionset", namespace=run.namespace, name=run.name,
                state=run.state, events=run.version, last_digest=run.last_digest,
                ended_at=_time(ended),
            ))
    return found


def prune(
    app: actionsets.ActionSetUseCases, *, older_than_s: float, now: dt.datetime,
    dry_run: bool = False,
) -> PruneResult:
    runs = candidates(app, older_than_s=older_than_s, now=now)
    if dry_run or not runs:
        return PruneResult(runs=runs, events_removed=0, dry_run=dry_run)
    ledger_id = pruning.PruneLedger.id_for()
    try:
        app.fresh(ledger_id)
    except errors.RunNotFoundError:
        app.create(pruning.PruneLedger.open())
    app.execute(ledger_id, lambda ledger: ledger.record(runs=runs, older_than_s=older_than_s))
    ids = [UUID(run.id) for run in runs]
    removed = storage.delete_aggregates(app.recorder, ids)
    for run_id in ids:
        app.forget(run_id)
    return PruneResult(runs=runs, events_removed=removed, dry_run=False)
