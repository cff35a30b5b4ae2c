"""The event-sourced application: named use cases on the log, the one place that saves.

:class:`KesApplication` joins the use cases of each aggregate (``actionsets.py``,
``repositoryservers.py``) on the event log they share (``log.py``). Queries on many runs
(``listing.py``), retention (``pruning.py``) and the replay of exported histories
(``replaying.py``) sit beside them; ``leadership.py`` records the terms of the replicas that
share the log and fences each leader's appends to its term.
"""

from __future__ import annotations

from kes.application import actionsets, errors, leadership, log, repositoryservers

KesApplicationError = errors.KesApplicationError
RunNotFoundError = errors.RunNotFoundError
StoreUnavailableError = errors.StoreUnavailableError
StoreWriteError = errors.StoreWriteError
ConcurrencyConflictError = errors.ConcurrencyConflictError
NotLeaderError = errors.NotLeaderError
event_record = log.event_record
RecordedResource = log.RecordedResource


class KesApplication(
    actionsets.ActionSetUseCases,
    repositoryservers.RepositoryServerUseCases,
    leadership.LeadershipUseCases,
):
    """The event log of every ActionSet run and RepositoryServer, in one store."""


__all__ = [
    "ConcurrencyConflictError",
    "KesApplication",
    "KesApplicationError",
    "NotLeaderError",
    "RecordedResource",
    "RunNotFoundError",
    "StoreUnavailableError",
    "StoreWriteError",
    "event_record",
]
