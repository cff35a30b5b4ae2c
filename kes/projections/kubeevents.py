"""The Kubernetes Events projection: Kanister's reasons and messages, one Event per log entry.

Names are derived from the ActionSet and the event's position in the log, so a replay after a
crash finds its Events already written. Success events go on the ActionSet; failures on the
ActionSet and on its Blueprint, as Kanister does (reference/kanister.md section 3.3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kes import application
from kes.adapters.k8s import client, errors, events
from kes.domain import actionset_events as ev
from kes.projections import following
from kes.storage import crashpoints

logger = logging.getLogger(__name__)

NORMAL, WARNING = "Normal", "Warning"
API_VERSION = "cr.kanister.io/v1alpha1"


@dataclass(frozen=True)
class KubeEvent:
    event_type: str
    reason: str
    message: str
    on_blueprint: bool = False


def _is_defer(event: Any, action: Any) -> bool:
    phase = action.phase(event.phase_name) if action is not None else None
    return bool(phase is not None and phase.defer)


def describe(event: Any, run: Any) -> KubeEvent | None:
    """The Kubernetes Event Kanister would emit for this log entry, if any."""
    action = run.actions[event.action_index] if hasattr(event, "action_index") else None
    failed_reason = f"ActionSetFailed Action: {action.name}" if action else "ActionSetFailed"
    if isinstance(event, ev.ActionSetRejected):
        return KubeEvent(WARNING, event.reason or "Error", _rejection_text(event))
    if isinstance(event, ev.ActionStarted) and action is not None:
        return KubeEvent(NORMAL, "Started Action", f"Executing action {action.name}")
    if isinstance(event, ev.PhaseStarted | ev.PhaseCompleted | ev.PhaseFailed):
        return _describe_phase(event, defer=_is_defer(event, action), failed_reason=failed_reason)
    if isinstance(event, ev.PhaseInterrupted):
        return KubeEvent(WARNING, "Phase Interrupted", f"Phase {event.phase_name}: {event.reason}")
    if isinstance(event, ev.ActionLaunchFailed):
        if event.error.startswith(_QUERY_FAILED):  # the Blueprint went away after acceptance
            return KubeEvent(WARNING, "Error", f"{_COULD_NOT_GET_BLUEPRINT} {event.error}")
        message = f"Failed to launch Action {run.name}: {event.error}"
        return KubeEvent(WARNING, failed_reason, message, on_blueprint=True)
    if isinstance(event, ev.ActionFailed) and event.error.startswith("Failed to launch Action"):
        # Logs written before ActionLaunchFailed existed kept the Event text in the error.
        return KubeEvent(WARNING, failed_reason, event.error, on_blueprint=True)
    if isinstance(event, ev.ActionSetCompleted):
        return KubeEvent(
            NORMAL, "Update Complete", f"Updated ActionSet '{run.name}' Status->complete"
        )
    if isinstance(event, ev.ActionSetCancelled):
        return KubeEvent(WARNING, "Cancelled", f"ActionSet '{run.name}' was cancelled")
    return None


def _describe_phase(event: Any, *, defer: bool, failed_reason: str) -> KubeEvent:
    name = event.phase_name
    if isinstance(event, ev.PhaseStarted):
        if defer:
            return KubeEvent(NORMAL, "Started deferPhase", f"Executing deferPhase {name}")
        return KubeEvent(NORMAL, "Started Phase", f"Executing phase {name}")
    if isinstance(event, ev.PhaseCompleted):
        if defer:
            return KubeEvent(NORMAL, "Ended deferPhase", f"Completed deferPhase {name}")
        return KubeEvent(NORMAL, "Ended Phase", f"Completed phase {name}")
    what = "defer phase" if defer else "phase"
    return KubeEvent(
        WARNING, failed_reason, f"Failed to execute {what} {name}: {event.error}",
        on_blueprint=True,
    )


_QUERY_FAILED = "Failed to query blueprint"
_COULD_NOT_GET_BLUEPRINT = "Could not get blueprint:"


def _rejection_text(event: ev.ActionSetRejected) -> str:
    """Kanister's logAndErrorEvent text: its message prefix, then the status error."""
    if event.reason == "Blueprint not specified" or event.message.startswith(_QUERY_FAILED):
        return f"{_COULD_NOT_GET_BLUEPRINT} {event.message}"
    if event.reason.startswith("ActionSetFailed Action: "):
        return f"Could not get initial action: {event.message}"
    return event.message  # validation failures: Kanister records no Event at all


class EventsProjection(following.Follower):
    name = "kubernetes-events"

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        on_write: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(app=app)
        self.api = api
        self.on_write = on_write
        self.pending_events: list[tuple[int, Any]] = []

    def pending(self) -> int:
        return len(self.pending_events)

    def apply(self, event: Any, *, notification_id: int) -> None:
        self.pending_events.append((notification_id, event))

    def reset(self) -> None:
        self.pending_events.clear()

    def flush(self) -> bool:
        while self.pending_events:
            if not self.leading():
                return False
            notification_id, event = self.pending_events[0]
            try:
                self._emit(event, notification_id=notification_id)
            except errors.ApiError as exc:
                logger.warning("Recording a Kubernetes Event failed: %s. Retrying.", exc)
                return False
            self.pending_events.pop(0)
        return True

    def _emit(self, event: Any, *, notification_id: int) -> None:
        try:
            run = self.app.run(event.originator_id)
        except application.RunNotFoundError:
            return
        described = describe(event, run)
        if described is None:
            return
        timestamp = event.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        targets = [
            {
                "apiVersion": API_VERSION,
                "kind": "ActionSet",
                "name": run.name,
                "namespace": run.namespace,
                "uid": run.uid,
            }
        ]
        if described.on_blueprint and hasattr(event, "action_index"):
            blueprint = run.actions[event.action_index].blueprint
            if blueprint:
                targets.append(
                    {
                        "apiVersion": API_VERSION,
                        "kind": "Blueprint",
                        "name": blueprint,
                        "namespace": run.namespace,
                    }
                )
        for target in targets:
            suffix = "" if target["kind"] == "ActionSet" else ".bp"
            subject = f"{described.reason}{suffix}"
            crashpoints.reach("event-before", subject)
            try:
                created = events.record(
                    self.api,
                    name=f"{run.name}.kes{notification_id:08x}{suffix}",
                    involved=target,
                    event_type=described.event_type,
                    reason=described.reason,
                    message=described.message,
                    timestamp=timestamp,
                )
            except errors.ApiNotFoundError:
                continue  # namespace gone
            crashpoints.reach("event-after", subject)
            if created:
                self.on_write()
