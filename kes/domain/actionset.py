"""ActionSetRun: the event-sourced lifecycle of one ActionSet.

An ActionSet is ``pending`` → ``running`` → ``complete`` | ``failed`` | ``cancelled``. Its actions
run in parallel, the phases of an action in order, then the action's deferPhase whatever
happened; output artifacts are rendered only when every phase and the deferPhase succeeded
(reference 3.3). The plan recorded at acceptance says what runs: the executor asks
:meth:`ActionSetRun.next_step` what to do next and never reads the Blueprint again. The
controller decides, then acts: it records a phase as started before running it and records the
outcome after.

Commands (each emits its events, or raises an ``ActionSetRunError`` from ``actionset_errors``
and emits nothing):

* ``ActionSetRun.accept(...)`` / ``ActionSetRun.reject(...)`` create the run;
* ``start_action``; ``start_phase``, ``progress_phase``, ``complete_phase``, ``fail_phase``,
  ``time_out_phase``, ``interrupt_phase`` (for every phase, the deferPhase included);
  ``render_artifacts``; ``complete_action`` / ``fail_action``;
* ``request_cancel``; ``complete``, ``fail``, ``cancel`` end the run.

Queries: ``state``, ``is_terminal``, ``next_step(i)``, ``running_phases()``,
``running_phase_of(i)``. The events and the state they build are in ``actionset_events.py``.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

from kes.domain import actionset_errors as errors
from kes.domain import actionset_events as ev
from kes.domain import events

RUN_NAMESPACE = uuid.UUID("6f1c33a2-5d0e-4d8e-9a55-6b9b1d5f0a11")

ActionPlan = ev.ActionPlan
PhasePlan = ev.PhasePlan

ActionSetRunError = errors.ActionSetRunError  # the base every guard raises

# What the executor does next for one action (see ActionSetRun.next_step).
START_ACTION, RECOVER, RUN, FINISH, NOTHING = "start-action", "recover", "run", "finish", "nothing"


@dataclasses.dataclass(frozen=True)
class Step:
    """The next thing to do for one action, as the log decides it.

    ``RECOVER``: ``phase`` is recorded running but nobody runs it (the controller restarted).
    ``RUN``: start ``phase`` (attempt ``attempt``). ``FINISH``: every phase that will run has
    ended; ``succeeded`` says whether artifacts are rendered and the action completes.
    """

    kind: str
    phase: ev.PhasePlan | None = None
    attempt: int = 1
    succeeded: bool = False


class ActionSetRun(events.EventSourced):
    """One ActionSet's run; id = :meth:`id_for` its ``metadata.uid``."""

    def init(self, *, name: str, namespace: str, uid: str, spec: dict[str, Any]) -> None:
        self.name, self.namespace, self.uid, self.spec = name, namespace, uid, dict(spec)
        self.state = ev.PENDING
        self.error = ""
        self.rejection_reason = ""
        self.actions: list[ev.ActionRun] = []
        self.retry_of: ev.RetryOrigin | None = None
        self.cancel_requested = False
        self.cancel_reason = ""
        self.running_phase = ""
        self.percent_completed = ""  # Kanister's omitempty field: empty until first computed
        self.progress_transition_time: Any = None
        self.ended_at: Any = None

    @staticmethod
    def id_for(uid: str) -> uuid.UUID:
        return uuid.uuid5(RUN_NAMESPACE, f"actionset/{uid}")

    # --- creation ---------------------------------------------------------------------------

    @classmethod
    def accept(
        cls,
        *,
        name: str,
        namespace: str,
        uid: str,
        spec: dict[str, Any],
        plan: Sequence[ev.ActionPlan | dict[str, Any]],
        retry_of: ev.RetryOrigin | None = None,
    ) -> ActionSetRun:
        return cls._start(
            ev.ActionSetAccepted,
            id=cls.id_for(uid),
            name=name,
            namespace=namespace,
            uid=uid,
            spec=spec,
            plan=list(plan),
            retry_of=retry_of,
        )

    @classmethod
    def reject(
        cls, *, name: str, namespace: str, uid: str, spec: dict[str, Any], reason: str,
        message: str,
    ) -> ActionSetRun:
        return cls._start(
            ev.ActionSetRejected,
            id=cls.id_for(uid),
            name=name,
            namespace=namespace,
            uid=uid,
            spec=spec,
            reason=reason,
            message=message,
        )

    # --- queries ----------------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.state in ev.TERMINAL

    def next_step(self, action_index: int) -> Step:
        """What the executor does next for this action, from the recorded plan and facts."""
        action = self._action(action_index)
        if self.is_terminal or action.state in ev.TERMINAL:
            return Step(NOTHING)
        if action.state == ev.PENDING:
            return Step(NOTHING if self.cancel_requested else START_ACTION)
        # One pass (this runs for every phase start): a running phase, a failed one, and the
        # first main phase not complete.
        stopped = self.cancel_requested
        candidate: ev.PhaseRun | None = None
        for phase in action.steps:
            state = phase.state
            if state == ev.RUNNING:
                return Step(RECOVER, phase=phase.plan, attempt=phase.attempt)
            if phase.defer:
                continue
            if state == ev.FAILED:
                stopped = True
            elif candidate is None and state != ev.COMPLETE:
                candidate = phase
        if candidate is not None and not stopped:
            return Step(RUN, phase=candidate.plan, attempt=candidate.attempt + 1)
        defer = action.defer_phase
        if defer is not None and defer.state in (ev.PENDING, ev.INTERRUPTED):
            return Step(RUN, phase=defer.plan, attempt=defer.attempt + 1)
        succeeded = all(p.state == ev.COMPLETE for p in action.steps)
        return Step(FINISH, succeeded=succeeded)

    def running_phase_of(self, action_index: int) -> ev.PhaseRun | None:
        return next(
            (p for p in self._action(action_index).steps if p.state == ev.RUNNING), None
        )

    def running_phases(self) -> list[tuple[int, str]]:
        """(action index, phase name) of every phase recorded as started but not ended."""
        found = []
        for index in range(len(self.actions)):
            phase = self.running_phase_of(index)
            if phase is not None:
                found.append((index, phase.name))
        return found

    # --- guards -----------------------------------------------------------------------------

    def check_not_terminal(self) -> None:
        if self.is_terminal:
            raise errors.RunTerminalError(
                f'ActionSet "{self.name}" has already ended ({self.state}).'
            )

    def check_not_cancelling(self) -> None:
        if self.cancel_requested:
            raise errors.CancelRequestedError(f'ActionSet "{self.name}" is being cancelled.')

    def _action(self, action_index: int) -> ev.ActionRun:
        if not 0 <= action_index < len(self.actions):
            raise errors.UnknownActionError(
                f'ActionSet "{self.name}" has no action {action_index} '
                f"(it has {len(self.actions)})."
            )
        return self.actions[action_index]

    def check_action_running(self, action_index: int) -> ev.ActionRun:
        if self.state in ev.TERMINAL:
            self.check_not_terminal()
        action = self._action(action_index)
        if action.state != ev.RUNNING:
            raise errors.ActionNotRunningError(
                f'Action "{action.name}" is {action.state}, not running.'
            )
        return action

    def _known_phase(self, action: ev.ActionRun, phase_name: str) -> ev.PhaseRun:
        phase = action.phase(phase_name)
        if phase is None:
            raise errors.UnknownPhaseError(f'Action "{action.name}" has no phase "{phase_name}".')
        return phase

    def check_phase_running(
        self, action_index: int, phase_name: str, *, or_interrupted: bool = False,
        attempt: int | None = None,
    ) -> ev.PhaseRun:
        """The phase, running (or interrupted); ``attempt``: the attempt the caller ran, which
        must be the one recorded (a controller that lost the run reports an older one)."""
        action = self.check_action_running(action_index)
        phase = self._known_phase(action, phase_name)
        allowed = (ev.RUNNING, ev.INTERRUPTED) if or_interrupted else (ev.RUNNING,)
        if phase.state not in allowed:
            raise errors.PhaseNotRunningError(
                f'Phase "{phase_name}" is {phase.state}, not running.'
            )
        if attempt is not None and attempt != phase.attempt:
            raise errors.PhaseNotRunningError(
                f'Attempt {attempt} of phase "{phase_name}" is not running (attempt '
                f"{phase.attempt} is)."
            )
        return phase

    def check_no_running_phase(self) -> None:
        running = self.running_phases()
        if running:
            names = ", ".join(f'"{name}"' for _, name in running)
            raise errors.PhasesStillRunningError(f"Phases still running: {names}.")

    def check_phases_complete(self, action: ev.ActionRun) -> None:
        unfinished = [p.name for p in action.phases if p.state != ev.COMPLETE]
        if unfinished:
            raise errors.ActionNotFinishedError(
                f'Action "{action.name}" has unfinished phases: {", ".join(unfinished)}.'
            )
        defer = action.defer_phase
        if defer is not None and defer.state != ev.COMPLETE:
            raise errors.ActionNotFinishedError(
                f'Action "{action.name}" deferPhase is {defer.state}.'
            )

    # --- actions and phases -----------------------------------------------------------------

    def start_action(self, action_index: int) -> None:
        self.check_not_terminal()
        self.check_not_cancelling()
        action = self._action(action_index)
        if action.state != ev.PENDING:
            raise errors.ActionAlreadyStartedError(
                f'Action "{action.name}" is already {action.state}.'
            )
        self.trigger_event(ev.ActionStarted, action_index=action_index)

    def start_phase(
        self, *, action_index: int, phase_name: str, function: str,
        masked_args: dict[str, Any] | None = None, attempt: int = 1,
    ) -> None:
        """Start the phase the plan says comes next (a main phase, or the deferPhase once the
        main phases ended, failed or were cancelled)."""
        action = self.check_action_running(action_index)
        phase = self._known_phase(action, phase_name)
        if self.running_phase_of(action_index) is not None:
            raise errors.PhaseOutOfOrderError(
                f'Action "{action.name}" already has a running phase.'
            )
        step = self.next_step(action_index)
        if step.kind != RUN or step.phase is None or step.phase.name != phase_name:
            if phase.defer:
                raise errors.DeferPhaseNotReadyError(
                    f'deferPhase "{phase_name}" runs after the phases of action '
                    f'"{action.name}" (it is {phase.state}).'
                )
            self.check_not_cancelling()
            expected = step.phase.name if step.kind == RUN and step.phase else "none"
            raise errors.PhaseOutOfOrderError(
                f'Phase "{phase_name}" cannot start now (next: {expected}).'
            )
        self.trigger_event(
            ev.PhaseStarted, action_index=action_index, phase_name=phase_name,
            function=function, args=masked_args or {}, attempt=attempt,
        )

    def progress_phase(
        self, *, action_index: int, phase_name: str, progress: dict[str, Any],
        attempt: int | None = None,
    ) -> None:
        self.check_phase_running(action_index, phase_name, attempt=attempt)
        self.trigger_event(
            ev.PhaseProgressed, action_index=action_index, phase_name=phase_name,
            progress=progress,
        )

    def complete_phase(
        self, *, action_index: int, phase_name: str, output: dict[str, Any] | None = None,
        duration_s: float = 0.0, attempt: int | None = None,
    ) -> None:
        self.check_phase_running(action_index, phase_name, attempt=attempt)
        self.trigger_event(
            ev.PhaseCompleted, action_index=action_index, phase_name=phase_name,
            output=output, duration_s=duration_s,
        )

    def fail_phase(
        self, *, action_index: int, phase_name: str, error: str,
        log_tail: Sequence[str] = (), attempt: int | None = None,
    ) -> None:
        self.check_phase_running(action_index, phase_name, or_interrupted=True, attempt=attempt)
        self.trigger_event(
            ev.PhaseFailed, action_index=action_index, phase_name=phase_name, error=error,
            log_tail=list(log_tail)[-ev.LOG_TAIL_LINES:],
        )

    def time_out_phase(
        self, *, action_index: int, phase_name: str, timeout_s: float, error: str,
        attempt: int | None = None,
    ) -> None:
        """The phase ran past its timeout; the action goes on to its deferPhase."""
        self.check_phase_running(action_index, phase_name, attempt=attempt)
        self.trigger_event(
            ev.PhaseTimedOut, action_index=action_index, phase_name=phase_name, error=error,
            timeout_s=timeout_s,
        )

    def interrupt_phase(
        self, *, action_index: int, phase_name: str, reason: str, rerun: bool,
        error: str = "",
    ) -> None:
        """Record that a started phase was lost (controller restart).

        ``rerun``: the phase runs again (next_step offers it with the next attempt); otherwise
        it fails with ``error`` in the same transition, so no later step can run it twice.
        """
        self.check_phase_running(action_index, phase_name)
        self.trigger_event(
            ev.PhaseInterrupted, action_index=action_index, phase_name=phase_name, reason=reason
        )
        if not rerun:
            self.trigger_event(
                ev.PhaseFailed, action_index=action_index, phase_name=phase_name,
                error=error or reason, log_tail=[],
            )

    def render_artifacts(self, *, action_index: int, artifacts: dict[str, Any]) -> None:
        action = self.check_action_running(action_index)
        self.check_phases_complete(action)
        self.trigger_event(ev.ArtifactsRendered, action_index=action_index, artifacts=artifacts)

    def complete_action(self, action_index: int) -> None:
        action = self.check_action_running(action_index)
        self.check_phases_complete(action)
        self.trigger_event(ev.ActionCompleted, action_index=action_index)

    def fail_action(self, *, action_index: int, error: str, launching: bool = False) -> None:
        """The action failed; `launching` when it could not even start (ActionLaunchFailed)."""
        self.check_not_terminal()
        action = self._action(action_index)
        if action.state not in (ev.PENDING, ev.RUNNING):
            raise errors.ActionAlreadyStartedError(
                f'Action "{action.name}" has already {action.state}.'
            )
        if self.running_phase_of(action_index) is not None:
            raise errors.PhasesStillRunningError(
                f'Action "{action.name}" still has a running phase.'
            )
        event = ev.ActionLaunchFailed if launching else ev.ActionFailed
        self.trigger_event(event, action_index=action_index, error=error)

    # --- the run as a whole -----------------------------------------------------------------

    def request_cancel(self, reason: str = "") -> None:
        self.check_not_terminal()
        self.check_not_cancelling()
        self.trigger_event(ev.CancelRequested, reason=reason)

    def complete(self) -> None:
        self.check_not_terminal()
        self.check_not_cancelling()
        if self.error:
            raise errors.RunFailedError(f'ActionSet "{self.name}" has failed: cannot complete it.')
        unfinished = [a.name for a in self.actions if a.state != ev.COMPLETE]
        if unfinished:
            raise errors.ActionNotFinishedError(f"Actions not complete: {', '.join(unfinished)}.")
        self.trigger_event(ev.ActionSetCompleted)

    def fail(self, error: str = "") -> None:
        self.check_not_terminal()
        self.check_no_running_phase()
        self.trigger_event(ev.ActionSetFailed, error=error)

    def cancel(self) -> None:
        self.check_not_terminal()
        if not self.cancel_requested:
            raise errors.CancelNotRequestedError(
                f'ActionSet "{self.name}" was not asked to cancel.'
            )
        self.check_no_running_phase()
        self.trigger_event(ev.ActionSetCancelled)
