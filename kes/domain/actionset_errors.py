"""The errors of ActionSetRun's guards: each names the lifecycle rule a command would break."""

from __future__ import annotations

from kes.domain import events


class ActionSetRunError(events.DomainError):
    """A command that does not fit the run's lifecycle."""


class RunTerminalError(ActionSetRunError):
    """The run has already ended; nothing more may happen to it."""


class UnknownActionError(ActionSetRunError):
    """No action at that index."""


class UnknownPhaseError(ActionSetRunError):
    """The action has no phase (or deferPhase) of that name."""


class ActionNotRunningError(ActionSetRunError):
    """The action has not started, or has already ended."""


class ActionAlreadyStartedError(ActionSetRunError):
    """The action was started (or ended) before."""


class PhaseOutOfOrderError(ActionSetRunError):
    """Phases run one at a time, in the blueprint's order."""


class PhaseNotRunningError(ActionSetRunError):
    """Only a running phase can progress, complete or fail."""


class DeferPhaseNotReadyError(ActionSetRunError):
    """The deferPhase runs only after the action's phases ended."""


class ActionNotFinishedError(ActionSetRunError):
    """An action completes only when all its phases and its deferPhase did."""


class PhasesStillRunningError(ActionSetRunError):
    """The run cannot end while a phase is recorded as running."""


class CancelRequestedError(ActionSetRunError):
    """The run is being cancelled: no new action or phase may start."""


class CancelNotRequestedError(ActionSetRunError):
    """Cancelling needs a cancel request first."""


class RunFailedError(ActionSetRunError):
    """A failed run cannot complete."""
