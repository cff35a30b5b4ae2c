"""The facts of an ActionSet run, in lifecycle order, and the state they build.

Each event is a frozen pydantic model carrying plain data; its ``apply`` is the only code that
changes an :class:`kes.domain.actionset.ActionSetRun`. Commands and their guards live in
``actionset.py``; keeping the appliers here keeps both files readable.

The deferPhase is a phase like the others, flagged ``defer`` in the plan: one set of ``Phase*``
events serves both. Logs of schema 1 (``DeferPhaseStarted/Completed/Failed``) are read through
:data:`RETIRED`, which maps each retired event onto its ``Phase*`` successor.

Kanister quirks mirrored on purpose (reference 3.2/3.3): ``runningPhase`` keeps the name of the
last phase started until its action completes; a deferPhase that fails clears it. Unlike
Kanister, the run's error is the first failure's message (a later deferPhase failure does not
replace it: the first failure is what the user has to act on).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pydantic

from kes.domain import events

PENDING, RUNNING, COMPLETE, FAILED = "pending", "running", "complete", "failed"
CANCELLED, INTERRUPTED = "cancelled", "interrupted"
TERMINAL = frozenset({COMPLETE, FAILED, CANCELLED})
LOG_TAIL_LINES = 10  # Kanister puts the last 10 log lines into an error (PR #3448)


class PhasePlan(pydantic.BaseModel):
    """One phase as the Blueprint declared it when the run was accepted.

    ``args`` and ``objects`` are the Blueprint's templates, unrendered (args are rendered when
    the phase starts, objects when the action starts). ``args`` is None only in plans recorded
    by schema 1, which kept names and functions alone. ``withheld`` names the args whose value is
    a credential the Blueprint writes literally (a function's secret args, such as restic's
    ``encryptionKey``): the log keeps ``***`` for them, and the executor reads the value back from
    the Blueprint as it was accepted (same uid and resourceVersion), or refuses to go on.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    name: str
    function: str
    args: dict[str, Any] | None = None
    objects: dict[str, Any] = pydantic.Field(default_factory=dict)
    defer: bool = False
    withheld: list[str] = pydantic.Field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """What the phase does (its name aside): compared when a retry reuses its output."""
        return {"function": self.function, "args": self.args, "objects": self.objects}


class ActionPlan(pydantic.BaseModel):
    """One action of the ActionSet, resolved against its Blueprint at acceptance."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    name: str
    object: dict[str, Any] = pydantic.Field(default_factory=dict)
    blueprint: str = ""
    blueprint_uid: str = ""
    blueprint_resource_version: str = ""
    phases: list[PhasePlan] = pydantic.Field(default_factory=list)  # the deferPhase last
    artifacts: dict[str, Any] = pydantic.Field(default_factory=dict)  # unrendered templates

    @property
    def recorded(self) -> bool:
        """Whether every phase's body is in the plan (schema 1 recorded names only)."""
        return all(p.args is not None for p in self.phases)


class ReusedPhase(pydantic.BaseModel):
    """A phase a retry does not run again: it reuses the output its parent recorded."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    action_index: int
    phase_name: str
    output: dict[str, Any] | None = None


class RetryOrigin(pydantic.BaseModel):
    """The failed run a retry continues, and from where."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    run_id: str
    name: str
    namespace: str
    uid: str
    start_phases: list[str]  # per action: the first phase run again ("" = only the deferPhase)
    reused: list[ReusedPhase] = pydantic.Field(default_factory=list)
    with_current_blueprint: bool = False


@dataclasses.dataclass
class PhaseRun:
    plan: PhasePlan
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
    reused: bool = False  # completed by the parent run of a retry
    # Copied from the plan (read on every step) and the progress as a number (see _percent).
    name: str = dataclasses.field(init=False, repr=False, compare=False)
    function: str = dataclasses.field(init=False, repr=False, compare=False)
    defer: bool = dataclasses.field(init=False, repr=False, compare=False)
    percent: int = dataclasses.field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.name, self.function, self.defer = self.plan.name, self.plan.function, self.plan.defer

    def set_progress(self, progress: dict[str, Any]) -> None:
        self.progress = progress
        value = progress.get("progressPercent") or 0
        try:
            self.percent = 100 if value == "100" else int(float(str(value)))
        except ValueError:
            self.percent = 0


@dataclasses.dataclass
class ActionRun:
    plan: ActionPlan
    steps: list[PhaseRun]  # the phases in order, the deferPhase last
    artifacts: dict[str, Any]
    artifacts_rendered: bool = False
    state: str = PENDING
    error: str = ""
    # Derived from `steps` once (they never change): the main phases, the deferPhase, by name.
    phases: list[PhaseRun] = dataclasses.field(init=False, repr=False, compare=False)
    defer_phase: PhaseRun | None = dataclasses.field(init=False, repr=False, compare=False)
    _by_name: dict[str, PhaseRun] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.phases = [p for p in self.steps if not p.defer]
        self.defer_phase = next((p for p in self.steps if p.defer), None)
        self._by_name = {}
        for phase in self.steps:
            self._by_name.setdefault(phase.name, phase)

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def object(self) -> dict[str, Any]:
        return self.plan.object

    @property
    def blueprint(self) -> str:
        return self.plan.blueprint

    def phase(self, name: str) -> PhaseRun | None:
        return self._by_name.get(name)

    @classmethod
    def from_plan(cls, plan: ActionPlan) -> ActionRun:
        return cls(plan=plan, steps=[PhaseRun(plan=p) for p in plan.phases],
                   artifacts=dict(plan.artifacts))


def _set_error(run: Any, message: str, *, overwrite: bool = False) -> None:
    if overwrite or not run.error:
        run.error = message


def _percent(run: Any) -> str:
    """Kanister's SetActionSetPercentCompleted: integer mean of the main phases' progressPercent
    (a phase without one counts 0)."""
    total = count = 0
    for action in run.actions:
        for phase in action.phases:
            count += 1
            total += phase.percent
    return str(total // count) if count else "0"


def _touch_progress(run: Any, when: dt.datetime) -> None:
    # percentCompleted stays empty until a phase first reports progress or completes, as in
    # Kanister; from then on lastTransitionTime moves only when the figure changes.
    percent = _percent(run)
    if percent != run.percent_completed:
        run.percent_completed = percent
        run.progress_transition_time = when


def _kanister_time(when: dt.datetime) -> str:
    """RFC 3339 to the second, in UTC (metav1.Time)."""
    return events.iso_time(when.astimezone(dt.UTC).replace(microsecond=0))


# --- creation -------------------------------------------------------------------------------


class ActionSetAccepted(events.CreatedEvent):
    """The ActionSet passed validation; what each action will run is recorded here for good.

    Schema 2 records every phase's body with the deferPhase as a flagged phase, the Blueprint's
    uid and resourceVersion per action, and for a retry the run it continues.
    """

    SCHEMA_VERSION = 2
    schema_version: int = 2
    name: str
    namespace: str
    uid: str
    spec: dict[str, Any]
    plan: list[ActionPlan]
    retry_of: RetryOrigin | None = None

    def apply(self, run: Any) -> None:
        run.init(name=self.name, namespace=self.namespace, uid=self.uid, spec=self.spec)
        run.actions = [ActionRun.from_plan(p) for p in self.plan]
        run.retry_of = self.retry_of
        for reused in self.retry_of.reused if self.retry_of else []:
            phase = run.actions[reused.action_index].phase(reused.phase_name)
            phase.state, phase.output, phase.reused = COMPLETE, reused.output, True
            phase.set_progress({"progressPercent": "100",
                                "lastTransitionTime": _kanister_time(self.timestamp)})
        if self.retry_of and self.retry_of.reused:
            _touch_progress(run, self.timestamp)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        versions = state.pop("blueprint_versions", None) or {}
        for action in state.get("plan") or []:
            defer = action.pop("defer_phase", None)
            if defer:
                action["phases"] = [*(action.get("phases") or []), {**defer, "defer": True}]
            action["blueprint_resource_version"] = versions.get(action.get("blueprint", ""), "")


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
    """A phase's function (or the deferPhase's) is about to run with these masked args."""

    action_index: int
    phase_name: str
    function: str
    args: dict[str, Any] = pydantic.Field(default_factory=dict)
    attempt: int = 1

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.state, phase.args = RUNNING, dict(self.args)
        phase.attempt, phase.started_at = self.attempt, self.timestamp
        phase.ended_at = phase.duration_s = None
        run.running_phase = self.phase_name


class PhaseProgressed(events.DomainEvent):
    """The running phase's progress as its function reports it (Kanister's phase ``progress``)."""

    action_index: int
    phase_name: str
    progress: dict[str, Any]

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.set_progress({**(phase.progress or {}), **self.progress})
        if not phase.defer:  # percentCompleted leaves the deferPhase out
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
        phase.set_progress({
            **(phase.progress or {}),
            "progressPercent": "100",
            "lastTransitionTime": _kanister_time(self.timestamp),
        })
        if not phase.defer:  # percentCompleted leaves the deferPhase out
            _touch_progress(run, self.timestamp)


class PhaseFailed(events.DomainEvent):
    """The phase's function failed; the error and log tail are already masked.

    Schema 1 kept the log as one string ``log``; schema 2 keeps its last lines as ``log_tail``.
    ``defer_v1`` is set only when a schema-1 ``DeferPhaseFailed`` is read: that version let a
    deferPhase failure replace the run's error and left ``runningPhase`` alone, and an old
    history must keep the status it had.
    """

    SCHEMA_VERSION = 2
    schema_version: int = 2
    action_index: int
    phase_name: str
    error: str
    log_tail: list[str] = pydantic.Field(default_factory=list)
    defer_v1: bool = False

    def apply(self, run: Any) -> None:
        action = run.actions[self.action_index]
        phase = action.phase(self.phase_name)
        phase.state, phase.error, phase.log_tail = FAILED, self.error, list(self.log_tail)
        phase.ended_at = self.timestamp
        if phase.started_at is not None:
            phase.duration_s = (self.timestamp - phase.started_at).total_seconds()
        _set_error(action, self.error, overwrite=self.defer_v1)
        _set_error(run, self.error, overwrite=self.defer_v1)
        if not self.defer_v1:
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
    schema_version: int = 1
    timeout_s: float


class PhaseInterrupted(events.DomainEvent):
    """The controller lost a running phase (it restarted); the phase is run again or failed."""

    action_index: int
    phase_name: str
    reason: str

    def apply(self, run: Any) -> None:
        phase = run.actions[self.action_index].phase(self.phase_name)
        phase.state, phase.error = INTERRUPTED, self.reason


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


# --- events of schema 1 that no longer exist ------------------------------------------------


def _failed_defer_v1(state: dict[str, Any]) -> None:
    state["defer_v1"] = True
    state["schema_version"] = 2  # its payload already had PhaseFailed's schema-2 shape


# Retired event name → (its successor, a change of the stored payload on the way). The stored
# events stay as they are (the hash chain covers them); only reading maps them.
RETIRED: dict[str, tuple[type[events.DomainEvent], Callable[[dict[str, Any]], None] | None]] = {
    "DeferPhaseStarted": (PhaseStarted, None),
    "DeferPhaseCompleted": (PhaseCompleted, None),
    "DeferPhaseFailed": (PhaseFailed, _failed_defer_v1),
}
