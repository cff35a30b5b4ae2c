"""Runs listed from the log (``kes history list``): one plain summary per ActionSet run.

Each summary is built from the run's aggregate, so it holds whatever the log says, also for
runs whose ActionSet is long gone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from uuid import UUID

from kes.application import actionsets
from kes.domain import actionset
from kes.domain import actionset_events as ev

STATES = ("pending", "running", "complete", "failed", "cancelled")


@dataclasses.dataclass(frozen=True)
class RunSummary:
    id: str
    namespace: str
    name: str
    state: str
    blueprints: tuple[str, ...]
    actions: tuple[str, ...]
    started: dt.datetime
    ended: dt.datetime | None
    failed_phase: str
    error: str
    events: int
    retry_of: str

    def duration_s(self, *, now: dt.datetime) -> float:
        return ((self.ended or now) - self.started).total_seconds()

    def as_data(self, *, now: dt.datetime) -> dict[str, Any]:
        """Plain data for ``-o json|yaml`` (times in RFC 3339, UTC)."""
        return {
            "id": self.id,
            "namespace": self.namespace,
            "name": self.name,
            "state": self.state,
            "blueprints": list(self.blueprints),
            "actions": list(self.actions),
            "start": _time(self.started),
            "end": _time(self.ended) if self.ended else None,
            "durationSeconds": round(self.duration_s(now=now), 3),
            "failedPhase": self.failed_phase,
            "error": self.error,
            "events": self.events,
            "retryOf": self.retry_of,
        }


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summarize(run_id: UUID, run: actionset.ActionSetRun) -> RunSummary:
    failed = next(
        (f"{a.name}/{p.name}" for a in run.actions for p in a.steps if p.state == ev.FAILED), ""
    )
    return RunSummary(
        id=str(run_id),
        namespace=run.namespace,
        name=run.name,
        state=run.state,
        blueprints=tuple(dict.fromkeys(a.blueprint for a in run.actions if a.blueprint)),
        actions=tuple(a.name for a in run.actions),
        started=run.created_on,
        ended=run.ended_at or (run.modified_on if run.is_terminal else None),
        failed_phase=failed,
        error=run.error,
        events=run.version,
        retry_of=run.retry_of.name if run.retry_of else "",
    )


def summaries(
    app: actionsets.ActionSetUseCases,
    *,
    namespace: str | None,
    state: str | None = None,
    blueprint: str | None = None,
    since: dt.datetime | None = None,
) -> list[RunSummary]:
    """Runs in ``namespace`` (None: every namespace) matching the filters, oldest first."""
    found = []
    for run_id, created in app.created("actionset"):
        if namespace is not None and created.get("namespace") != namespace:
            continue
        with app.stripe(run_id):
            summary = summarize(run_id, app.fresh(run_id))
        if state is not None and summary.state != state:
            continue
        if blueprint is not None and blueprint not in summary.blueprints:
            continue
        if since is not None and summary.started < since:
            continue
        found.append(summary)
    return found
