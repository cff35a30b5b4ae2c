"""The facts of an ActionSet run, in lifecycle order, and the state they build.

Each event is a frozen pydantic model carrying plain data; its ``apply`` is the only code that
changes an :class:`kes.domain.actionset.ActionSetRun`. Commands and their guards live in
``actionset.py``; keeping the appliers here keeps both files readable.

Kanister quirks mirrored on purpose (reference 3.2/3.3): the ActionSet's error is the first
failure's message, overwritten by a deferPhase failure; ``runningPhase`` keeps the name of the
last phase started until its action completes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pydantic

from kes.domain import events

PENDING, RUNNING, COMPLETE, FAILED = "pending", "running", "complete", "failed"
CANCELLED, INTERRUPTED = "cancelled", "interrupted"
TERMINAL = frozenset({COMPLETE, FAILED, CANCELLED})
LOG_TAIL_LINES = 10  # Kanister puts the last 10 log lines into an error (PR #3448)


class PhasePlan(pydantic.BaseModel):
    """One phase as the blueprint declares it (args are rendered only when it starts)."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    name: str
    function: str


class ActionPlan(pydantic.BaseModel):
    """One action of the ActionSet, resolved against its blueprint at acceptance."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    name: str
    object: dict[str, Any] = {}
    blueprint: str = ""
    phases: list[PhasePlan] = []
    defer_phase: PhasePlan | None = None
    artifacts: dict[str, Any] = {}  # output artifact templates, unrendered


@dataclasses.dataclass
class PhaseRun:
    name: str
    function: str
    state: str = PENDING
    attempt: int = 0
    args: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None
    error: str = ""
    log_tail: list[str] = dataclasses.field(default_factory=list)
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    duration_s: float | None = None


@dataclasses.dataclass
class ActionRun:
    name: str
    object: dict[str, Any]
    blueprint: str
    phases: list[PhaseRun]
    defer_phase: PhaseRun | None
    artifacts: dict[str, Any]
    artifacts_rendered: bool = False
    state: str = PENDING
    error: str = ""

    def phase(self, name: str) -> PhaseRun | None:
        for phase in self.phases:
            if phase.name == name:
                return phase
        if self.defer_phase is not None and self.defer_phase.name == name:
            return self.defer_phase
        return None

    @classmethod
    def from_plan(cls, plan: ActionPlan) -> ActionRun:
        defer = plan.defer_phase
        return cls(
            name=plan.name,
            object=dict(plan.object),
            blueprint=plan.blueprint,
            phases=[PhaseRun(name=p.name, function=p.function) for p in plan.phases],
            defer_phase=(
                None if defer is None else PhaseRun(name=defer.name, function=defer.function)
            ),
            artifacts=dict(plan.artifacts),
        )


def _set_error(run: Any, message: str, *, overwrite: bool = False) -> None:
    if overwrite or not run.error:
        run.error = message


def _percent(run: Any) -> str:
    """Kanister's SetActionSetPercentCompleted: integer mean of the main phases' progressPercent
    (a phase without one counts 0)."""
    phases = [p for a in run.actions for p in a.phases]
    if not phases:
        return "0"
    total = 0
    for phase in phases:
        try:
            total += int(float(str((phase.progress or {}).get("progressPercent") or 0)))
        except ValueError:
            total += 0
    return str(total // len(phases))


def _touch_progress(run: Any, when: dt.datetime) -> None:
    # percentCompleted stays empty until a phase first reports progress or completes, as in
    # Kanister; from then on lastTransitionTime moves only when the figure changes.
    percent = _percent(run)
    if percent != run.percent_completed:
        run.percent_completed = percent
        run.progress_transition_time = when


# --- creation -------------------------------------------------------------------------------


class ActionSetAccepted(events.CreatedEvent):
    """The ActionSet passed validation; its actions and phases are planned."""

    name: str
    namespace: str
    uid: str
    spec: dict[str, Any]
    plan: list[ActionPlan]
    # blueprint name → the resourceVersion the plan was made from
    blueprint_versions: dict[str, str] = pydantic.Field(default_factory=dict)

    def apply(self, run: Any) -> None:
        run.init(name=self.name, namespace=self.namespace, uid=self.uid, spec=self.spec)
        run.actions = [ActionRun.from_plan(p) for p in self.plan]
        run.blueprint_versions = dict(self.blueprint_versions)


class ActionSetRejected(events.CreatedEvent):
    """The ActionSet failed validation; it will never run."""

    name: str
    namespace: str
    uid: str
    spec: dict[str, Any]
    reason: str
    message: str

    def apply(self, run: Any) -> None:
        run.init(name=self.name, namespace=self.namespace, uid=self.uid, spec=self.spec)
        run.state = FAILED
        run.error = self.message
        run.rejection_reason = self.reason


# --- actions and phases ---------------------------------------------------------------------


class ActionStarted(events.DomainEvent):
    action_index: int

    def apply(self, run: Any) -> None:
        run.state = RUNNING
        run.actions[self.action_index].state = RUNNING


class PhaseStarted(events.DomainEvent):
    """A phase's function is about to run with these (masked) rendered args."""

    action_index: int
    phase_name: str
    function: str
    args: dict[str, Any] = pydantic.Field(default_factory=dict)
    attempt: int = 1

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.state, phase.function, phase.args = RUNNING, self.function, dict(self.args)
        phase.attempt, phase.started_at = self.attempt, self.timestamp
        phase.ended_at = phase.duration_s = None
        run.running_phase = self.phase_name


class PhaseProgressed(events.DomainEvent):
    action_index: int
    phase_name: str
    progress: dict[str, Any]

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.progress = {**(phase.progress or {}), **self.progress}
        _touch_progress(run, self.timestamp)


class PhaseCompleted(events.DomainEvent):
    action_index: int
    phase_name: str
    output: dict[str, Any] | None = None
    duration_s: float = 0.0

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.state, phase.output = COMPLETE, self.output
        phase.ended_at, phase.duration_s = self.timestamp, self.duration_s
        phase.progress = {
            **(phase.progress or {}),
            "progressPercent": "100",
            "lastTransitionTime": self.timestamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        _touch_progress(run, self.timestamp)


class PhaseFailed(events.DomainEvent):
    """The phase's function failed; the error and log tail are already masked.

    Schema 1 kept the log as one string ``log``; schema 2 keeps its last lines as ``log_tail``.
    """

    SCHEMA_VERSION = 2
    action_index: int
    phase_name: str
    error: str
    log_tail: list[str] = pydantic.Field(default_factory=list)

    def apply(self, run: Any) -> None:
        action = run.actions[self.action_index]
        phase = action.phase(self.phase_name)
        phase.state, phase.error, phase.log_tail = FAILED, self.error, list(self.log_tail)
        phase.ended_at = self.timestamp
        if phase.started_at is not None:
            phase.duration_s = (self.timestamp - phase.started_at).total_seconds()
        _set_error(action, self.error)
        _set_error(run, self.error)
        run.running_phase = ""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        log = state.pop("log", "") or ""
        state["log_tail"] = log.splitlines()[-LOG_TAIL_LINES:]


class PhaseTimedOut(PhaseFailed):
    """The phase ran past its timeout (``kes.io/phase-timeout`` or the controller default).

    Kanister has no timeouts; the status shows it as a failed phase with this error.
    """

    SCHEMA_VERSION = 1  # its own history starts here; PhaseFailed's upcasters never apply
    timeout_s: float


class PhaseInterrupted(events.DomainEvent):
    """The controller lost a running phase (it restarted); the phase may be re-run or failed."""

    action_index: int
    phase_name: str
    reason: str

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.state, phase.error = INTERRUPTED, self.reason


class DeferPhaseStarted(PhaseStarted):
    pass


class DeferPhaseCompleted(events.DomainEvent):
    action_index: int
    phase_name: str
    output: dict[str, Any] | None = None
    duration_s: float = 0.0

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].defer_phase
        phase.state, phase.output = COMPLETE, self.output
        phase.ended_at, phase.duration_s = self.timestamp, self.duration_s


class DeferPhaseFailed(events.DomainEvent):
    action_index: int
    phase_name: str
    error: str
    log_tail: list[str] = pydantic.Field(default_factory=list)

    def apply(self, run: Any) -> None:
        action = run.actions[self.action_index]
        phase = action.defer_phase
        phase.state, phase.error, phase.log_tail = FAILED, self.error, list(self.log_tail)
        phase.ended_at = self.timestamp
        if phase.started_at is not None:
            phase.duration_s = (self.timestamp - phase.started_at).total_seconds()
        _set_error(action, self.error, overwrite=True)
        _set_error(run, self.error, overwrite=True)


class ArtifactsRendered(events.DomainEvent):
    action_index: int
    artifacts: dict[str, Any]

    def apply(self, run: Any) -> None:
        action = run.actions[self.action_index]
        action.artifacts, action.artifacts_rendered = dict(self.artifacts), True


class ActionCompleted(events.DomainEvent):
    action_index: int

    def apply(self, run: Any) -> None:
        action = run.actions[self.action_index]
        action.state = COMPLETE
        if run.running_phase and action.phase(run.running_phase) is not None:
            run.running_phase = ""


class ActionFailed(events.DomainEvent):
    action_index: int
    error: str

    def apply(self, run: Any) -> None:
        action = run.actions[self.action_index]
        action.state = FAILED
        if action.phases and all(p.state == PENDING for p in action.phases):
            # Kanister marks the first phase failed when an action cannot even launch.
            action.phases[0].state = FAILED
            action.phases[0].error = self.error
        _set_error(action, self.error)
        _set_error(run, self.error)


class ActionLaunchFailed(ActionFailed):
    """The action could not start (its object, a Secret or the Profile missing …).

    Kanister's status shows the bare error; its Event says "Failed to launch Action <as>: …".
    """


# --- the ActionSet as a whole ---------------------------------------------------------------


class CancelRequested(events.DomainEvent):
    reason: str = ""

    def apply(self, run: Any) -> None:
        run.cancel_requested = True
        run.cancel_reason = self.reason


class ActionSetCompleted(events.DomainEvent):
    def apply(self, run: Any) -> None:
        run.state = COMPLETE
        run.running_phase = ""
        run.ended_at = self.timestamp


class ActionSetFailed(events.DomainEvent):
    error: str = ""

    def apply(self, run: Any) -> None:
        run.state = FAILED
        _set_error(run, self.error)
        run.ended_at = self.timestamp


class ActionSetCancelled(events.DomainEvent):
    def apply(self, run: Any) -> None:
        run.state = CANCELLED
        _set_error(run, "ActionSet was cancelled" + (
            f": {run.cancel_reason}" if run.cancel_reason else ""))
        run.ended_at = self.timestamp
