"""The errors of the application layer; none ever carries a secret value."""

from __future__ import annotations


class KesApplicationError(Exception):
    """A kes application error (never carries a secret value)."""


class RunNotFoundError(KesApplicationError):
    """No ActionSet run or RepositoryServer with that id or name is in the log."""


class StoreUnavailableError(KesApplicationError):
    """The event log cannot be opened (a damaged file, an unreachable database)."""


class StoreWriteError(KesApplicationError):
    """An event could not be recorded (a full disk, a database that stayed unreachable): the
    change was not made, and nothing that depends on it may be done."""


class ConcurrencyConflictError(KesApplicationError):
    """Other writers kept winning; the command was not recorded."""


class NotLeaderError(KesApplicationError):
    """This replica no longer leads: the event was not recorded (another replica's term is
    newer in the log, or this one stepped down), so it must stop working on the run."""


class ReplayError(KesApplicationError):
    """An exported history cannot be read at all (not JSON, not an export)."""
