"""The Kanister-shaped ``status`` of a run, computed from the aggregate alone.

The status projection writes exactly this dict, and ``kes history --at`` prints it for a past
moment, so it must be a pure function of the aggregate's state (reference 3.2 for ActionSets,
kopia-and-restic.md 2.1 for RepositoryServers). Kanister quirks kept: the deferPhase never shows
``running``; ``error.message`` is always present; a run with an error shows ``failed`` even while
its deferPhase still runs. A cancelled run shows ``failed`` (Kanister has no cancelled state).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kes.domain import actionset, repositoryserver
from kes.domain import actionset_events as ev


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _phase(phase: ev.PhaseRun, *, defer: bool) -> dict[str, Any]:
    state = phase.state
    if state == ev.INTERRUPTED or (defer and state == ev.RUNNING):
        state = ev.PENDING
    out: dict[str, Any] = {"name": phase.name, "state": state}
    if phase.output is not None:
        out["output"] = dict(phase.output)
    if phase.progress and not defer:
        out["progress"] = dict(phase.progress)
    return out


def _actionset_state(run: actionset.ActionSetRun) -> str:
    if run.state == ev.CANCELLED or (run.error and run.state != ev.COMPLETE):
        return ev.FAILED
    return run.state


def actionset_status(run: actionset.ActionSetRun) -> dict[str, Any]:
    actions = []
    for action in run.actions:
        item: dict[str, Any] = {
            "name": action.name,
            "object": dict(action.object),
            "blueprint": action.blueprint,
            "phases": [_phase(p, defer=False) for p in action.phases],
        }
        if action.artifacts:
            item["artifacts"] = dict(action.artifacts)
        if action.defer_phase is not None:
            item["deferPhase"] = _phase(action.defer_phase, defer=True)
        actions.append(item)
    progress: dict[str, Any] = {"runningPhase": run.running_phase}
    if run.percent_completed:  # omitempty in Kanister's ActionProgress
        progress["percentCompleted"] = run.percent_completed
    transition = _time(run.progress_transition_time)
    if transition is not None:
        progress["lastTransitionTime"] = transition
    return {
        "state": _actionset_state(run),
        "actions": actions,
        "error": {"message": run.error},
        "progress": progress,
    }


def repositoryserver_status(server: repositoryserver.RepositoryServerLifecycle) -> dict[str, Any]:
    status: dict[str, Any] = {"progress": server.progress}
    if server.pod_name or server.service_name:
        status["serverInfo"] = {"podName": server.pod_name, "serviceName": server.service_name}
    if server.conditions:
        status["conditions"] = [
            {
                "type": c.type,
                "status": c.status,
                "reason": c.reason,
                "message": c.message,
                "lastTransitionTime": _time(c.last_transition_time),
            }
            for c in server.conditions
        ]
    return status


def status_of(aggregate: Any) -> dict[str, Any]:
    """The CR status Kanister would show for this ActionSet or RepositoryServer run."""
    if isinstance(aggregate, actionset.ActionSetRun):
        return actionset_status(aggregate)
    if isinstance(aggregate, repositoryserver.RepositoryServerLifecycle):
        return repositoryserver_status(aggregate)
    raise TypeError(f"No status for {type(aggregate).__name__}.")
