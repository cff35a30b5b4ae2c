"""The event log every use case writes through: load, command, save, retry; and its queries.

A use case loads the aggregate, runs one domain command and saves the events it emitted in one
transaction; when another writer saved first (a concurrency conflict on the aggregate's next
version) it reloads the fresh state and runs the command again, so no event is lost or
duplicated and every guard is checked against what was really recorded. Aggregates stay cached
in memory between use cases (the controller is the only writer of its runs; optimistic
concurrency still guards against any other), so a use case costs one insert.

With several replicas, the one that leads fences its appends to its leadership term
(``leadership.py``): an append after another replica recorded a newer term is refused by the
store and raises :class:`~kes.application.errors.NotLeaderError`, never retried; so is any append
once this replica has stepped down. A follower keeps its cached aggregates current from the
notification log (:meth:`EventLog.keep_up`), so a takeover starts from warm state.

The ActionSet and RepositoryServer use cases build on this class (``actionsets.py``,
``repositoryservers.py``); :class:`kes.application.KesApplication` joins them.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing import application as es_application
from eventsourcing import persistence as es_persistence
from eventsourcing import utils as es_utils

from kes import storage
from kes.application import errors
from kes.domain import actionset_events as ev
from kes.domain import events, hashchain, repositoryserver, status

MAX_ATTEMPTS = 20
Agg = TypeVar("Agg", bound=events.EventSourced)
CURRENT: Any = object()  # save/execute: append under this writer's own fence (or refusal)

CREATED_TOPICS = {
    "actionset": [
        es_utils.get_topic(ev.ActionSetAccepted),
        es_utils.get_topic(ev.ActionSetRejected),
    ],
    "repositoryserver": [es_utils.get_topic(repositoryserver.ServerRegistered)],
}


@dataclasses.dataclass(frozen=True)
class RecordedResource:
    """One recorded ActionSet run or RepositoryServer, as `kes history` lists it."""

    namespace: str
    name: str
    state: str
    created: dt.datetime


def event_record(event: Any) -> dict[str, Any]:
    """One event as plain data (see :meth:`kes.domain.events.DomainEvent.as_record`)."""
    record: dict[str, Any] = event.as_record()
    return record


class EventLog(es_application.Application[UUID]):
    """The event log of every ActionSet run and RepositoryServer, in one store."""

    name = "kes"
    # Live aggregates are kept here (see execute), not in the library's LRU cache: the
    # controller is the one writer of its runs, a conflict with another writer evicts and
    # reloads, and a plain dict costs a lookup where the LRU costs a lock and list surgery.
    CACHE_SIZE = 1000

    def __init__(self, *, store: str | None = None, create: bool = True) -> None:
        self.store = storage.resolve(store)
        self._stripes = [threading.Lock() for _ in range(64)]
        self._live: dict[int, Any] = {}
        self._live_lock = threading.Lock()
        # Told when an event cannot be recorded (the controller stops: nothing may be done that
        # the log does not record first).
        self.store_failed: Callable[[errors.StoreWriteError], None] = lambda _error: None
        # Writes while leading with several replicas: the term's fence, or why writes are
        # refused here (this replica stepped down). Both None: an unfenced writer.
        self._fence: storage.Fence | None = None
        self._refusal: str | None = None
        self._writer = ""  # who writes, for messages: holder and term
        env = storage.application_env(self.store, create=create)
        for attempt in range(3):
            try:
                super().__init__(env=env)
                if not create:
                    self._check_tables()
                self.appender = storage.appender_for(self.store, recorder=self.recorder)
                return
            except es_persistence.InternalError:
                # Two processes creating PostgreSQL tables at once: one sees "tuple
                # concurrently updated". The tables exist afterwards; try again.
                if attempt == 2:
                    raise errors.StoreUnavailableError(self._unavailable()) from None
            except es_persistence.PersistenceError:
                raise errors.StoreUnavailableError(self._unavailable()) from None

    def _check_tables(self) -> None:
        """An existing log must hold its tables (a file cut before its first commit does not)."""
        try:
            self.recorder.max_notification_id()
        except es_persistence.PersistenceError:
            super().close()
            raise errors.StoreUnavailableError(
                f"The event log at {self.store.describe()} holds no events table: it is empty, "
                "or it was cut before its first commit."
            ) from None

    def _unavailable(self) -> str:
        return f"Cannot open the event log at {self.store.describe()}."

    # --- the write path ---------------------------------------------------------------------

    def save(self, *objs: Any, fence: Any = CURRENT, **kwargs: Any) -> list[Any]:
        """Record the new events of these aggregates in one transaction, then cache them.

        Not the library's save: that one checks runtime Protocols on every object, builds
        recordings and notifies subscribers (kes has none), and records through a recorder made
        for every use; this is the controller's hot path, so it appends through kes's own
        writer (``kes.storage.appending``) and does nothing else.

        ``fence``: ``CURRENT`` (this writer's term, or its refusal once it stepped down), None
        (unfenced: taking a new term), or a ``storage.Fence`` to append under.
        """
        pending: list[Any] = []
        for obj in objs:
            if obj is not None:
                pending.extend(obj.collect_events())
        if pending:
            if fence is CURRENT:
                if self._refusal is not None:
                    raise errors.NotLeaderError(self._refusal)
                fence = self._fence
            try:
                self.appender.append([e.stored_row() for e in pending], fence=fence)
            except storage.FencedError as exc:
                raise errors.NotLeaderError(self._fenced_message(exc)) from None
            except es_persistence.OperationalError as exc:
                failure = errors.StoreWriteError(
                    f"Cannot record events in the event log at {self.store.describe()}: {exc}"
                )
                self.store_failed(failure)
                raise failure from exc
        for obj in objs:
            if obj is not None and self._live.get(obj.id.int) is not obj:
                self._keep(obj)
        return []

    def _keep(self, aggregate: Any) -> None:
        with self._live_lock:
            if len(self._live) >= self.CACHE_SIZE:
                self._live.pop(next(iter(self._live)), None)  # the oldest kept: reloaded if used
            self._live[aggregate.id.int] = aggregate  # int keys: UUID hashes in Python

    def close(self) -> None:
        self.appender.close()
        super().close()

    # --- fencing (the leadership use cases arm it) ------------------------------------------

    def fence_to(self, fence: storage.Fence, *, writer: str) -> None:
        """From now on, append only while ``fence`` holds (this replica's term)."""
        self._fence, self._writer, self._refusal = fence, writer, None

    def refuse_writes(self, reason: str) -> None:
        """This replica stopped leading: refuse every append here until a new term."""
        self._refusal = (
            f"Not recorded: this controller ({self._writer or 'no term'}) stopped leading "
            f"({reason}); its ActionSets are left to the next leader."
        )

    def _fenced_message(self, exc: storage.FencedError) -> str:
        return (
            f"Not recorded: this controller ({self._writer}) no longer leads: the event log has "
            f"a newer leadership term (the term chain is at version {exc.newest}, this term "
            f"began at {exc.fence.version}). Another replica runs the ActionSets now; this one "
            "stops working on them."
        )
    def stripe(self, aggregate_id: UUID) -> threading.Lock:
        """The lock that keeps one thread at a time on this aggregate's cached state."""
        return self._stripes[aggregate_id.int % len(self._stripes)]

    def execute(
        self, aggregate_id: UUID, command: Callable[[Agg], None], *, fence: Any = CURRENT
    ) -> Agg:
        """Load, run ``command``, save; on a conflict or a stale refusal, again on fresh state.

        A refused fence (``NotLeaderError``) is not retried: fresh state would not make this
        replica the leader again."""
        # The cache hands out the cached aggregate itself (no copy, no store round trip): that
        # is what makes a use case cheap. So a stripe lock keeps one thread per aggregate in
        # here, and any failure evicts the entry, which may hold unsaved changes. The cache
        # may also be stale (another process wrote): a save then conflicts, and a guard that
        # refuses is asked once more on state rebuilt from the store before its error counts.
        rechecked = False
        with self._stripes[aggregate_id.int % len(self._stripes)]:
            for attempt in range(MAX_ATTEMPTS):
                aggregate: Agg = self._get(aggregate_id)
                try:
                    command(aggregate)
                    self.save(aggregate, fence=fence)
                except events.DomainError:
                    self._evict(aggregate_id)
                    if rechecked:
                        raise
                    rechecked = True
                    continue
                except es_persistence.IntegrityError:
                    # Another process saved first: decide again on fresh state. The jittered
                    # pause lets a writer that keeps losing to a busy one get its turn.
                    self._evict(aggregate_id)
                    time.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311
                    continue
                except BaseException:
                    self._evict(aggregate_id)
                    raise
                return aggregate
        raise errors.ConcurrencyConflictError(
            f"Could not record a change to {aggregate_id} after {MAX_ATTEMPTS} conflicts."
        )

    _execute = execute  # the name use cases written before the package split call

    def forget(self, aggregate_id: UUID) -> None:
        """Drop the cached copy (its events were removed from the store)."""
        self._evict(aggregate_id)

    def _evict(self, aggregate_id: UUID) -> None:
        with self._live_lock:
            self._live.pop(aggregate_id.int, None)

    def create(self, aggregate: Agg, *, fence: Any = CURRENT) -> UUID:
        """Record a new aggregate; a second record of the same id is ignored (first one stands)."""
        with contextlib.suppress(es_persistence.IntegrityError):
            self.save(aggregate, fence=fence)
        return aggregate.id

    _create = create

    def _get(self, aggregate_id: UUID) -> Any:
        """The live aggregate (kept from the last use, or rebuilt from the store and kept)."""
        live = self._live.get(aggregate_id.int)
        if live is not None:
            return live
        try:
            aggregate: Any = self.repository.get(aggregate_id)
        except es_application.AggregateNotFoundError:
            raise errors.RunNotFoundError(
                f"Nothing is recorded under id {aggregate_id}."
            ) from None
        self._keep(aggregate)
        return aggregate

    # --- a follower's warm cache --------------------------------------------------------------

    def head(self) -> int:
        """The newest notification id of the log (0 when it is empty)."""
        return int(self.recorder.max_notification_id() or 0)

    def keep_up(self, *, after: int, limit: int = 500) -> int:
        """Apply what other processes recorded after notification ``after`` to the aggregates
        kept in memory, and keep new ones; the notification id reached.

        A follower replica calls this so that, when it takes over, the runs it resumes are
        already in memory. An event this cache already has (its own write) is skipped; a gap
        (an event missed) evicts the aggregate, which is then rebuilt from the store when used.
        """
        notifications = self.recorder.select_notifications(start=after + 1, limit=limit)
        for notification in notifications:
            event: Any = self.mapper.to_domain_event(notification)
            aggregate_id = event.originator_id
            with self.stripe(aggregate_id):
                live = self._live.get(aggregate_id.int)
                if live is None:
                    if isinstance(event, events.CreatedEvent):
                        self._keep(event.mutate(None))
                elif event.originator_version == live.version + 1:
                    event.mutate(live)
                elif event.originator_version > live.version + 1:
                    self._evict(aggregate_id)
        return notifications[-1].id if notifications else after

    def forget_all(self) -> None:
        """Drop every cached aggregate (a replica that stepped down trusts none of them)."""
        with self._live_lock:
            self._live.clear()

    # --- reading aggregates -----------------------------------------------------------------

    def fresh(self, aggregate_id: UUID) -> Any:
        """The cached aggregate brought up to date with the store (another process may write).

        Call with the aggregate's stripe lock held.
        """
        aggregate = self._get(aggregate_id)
        try:
            for event in self.events_of(aggregate_id, after=aggregate.version):
                aggregate = event.mutate(aggregate)
        except BaseException:
            self._evict(aggregate_id)
            raise
        return aggregate

    def copy_of(self, aggregate_id: UUID) -> Any:
        """A copy of the aggregate as recorded (changing it changes nothing recorded)."""
        with self.stripe(aggregate_id):
            return copy.deepcopy(self.fresh(aggregate_id))

    def status(self, aggregate_id: UUID) -> dict[str, Any]:
        with self.stripe(aggregate_id):
            return status.status_of(self.fresh(aggregate_id))

    def created(self, kind: str) -> list[tuple[UUID, dict[str, Any]]]:
        """(id, first-event state, upcast) of every aggregate of ``kind``, oldest first."""
        found: list[tuple[UUID, dict[str, Any]]] = []
        start = 1
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=1000, topics=CREATED_TOPICS[kind]
            )
            for notification in page:
                event: Any = self.mapper.to_domain_event(notification)
                found.append((UUID(str(notification.originator_id)), event.model_dump(mode="json")))
            if len(page) < 1000:
                return found
            start = page[-1].id + 1

    def recorded(self, *, kind: str, namespace: str | None) -> list[RecordedResource]:
        """The latest run (or server) of each name, sorted by namespace and name; every
        namespace when `namespace` is None."""
        latest: dict[tuple[str, str], UUID] = {}
        for aggregate_id, state in self.created(kind):
            key = (str(state.get("namespace", "")), str(state.get("name", "")))
            if namespace is None or key[0] == namespace:
                latest[key] = aggregate_id
        found = []
        for (ns, name), aggregate_id in sorted(latest.items()):
            aggregate = self.copy_of(aggregate_id)
            shown = getattr(aggregate, "state", None) or getattr(aggregate, "progress", "")
            found.append(
                RecordedResource(
                    namespace=ns, name=name, state=str(shown), created=aggregate.created_on
                )
            )
        return found

    def find(self, *, kind: str, namespace: str, name: str) -> UUID | None:
        """The id of the latest ActionSet run / RepositoryServer with this namespace and name."""
        latest = None
        for aggregate_id, state in self.created(kind):
            if state.get("name") == name and state.get("namespace") == namespace:
                latest = aggregate_id
        return latest

    # --- reading events ---------------------------------------------------------------------

    def stored_records(
        self, aggregate_id: UUID, *, after: int = 0
    ) -> list[hashchain.StoredRecord]:
        """The aggregate's events exactly as stored (no upcasting), for audit and verify."""
        return [
            hashchain.StoredRecord(
                version=s.originator_version,
                topic=s.topic,
                state=storage.decode_state(self.mapper.transcoder, s),
            )
            for s in self.recorder.select_events(aggregate_id, gt=after or None)
        ]

    def verify(
        self, aggregate_id: UUID, *, anchor: str | None = None
    ) -> hashchain.ChainBreak | None:
        """The first break in the aggregate's hash chain (``anchor``: a digest kept elsewhere)."""
        records = self.stored_records(aggregate_id)
        if not records:
            raise errors.RunNotFoundError(f"Nothing is recorded under id {aggregate_id}.")
        return hashchain.verify(records, anchor=anchor)

    def events_of(self, aggregate_id: UUID, *, after: int = 0) -> list[Any]:
        """The aggregate's events (upcast to current schemas) after a version."""
        return list(self.events.get(aggregate_id, gt=after or None))

    def history(self, aggregate_id: UUID, *, after: int = 0) -> list[dict[str, Any]]:
        """The aggregate's events as plain data, upcast to today's schemas."""
        return [event_record(e) for e in self.events_of(aggregate_id, after=after)]

    def export(self, aggregate_id: UUID, *, after: int = 0) -> list[dict[str, Any]]:
        """The aggregate's events as stored (``kes history --json``, read by ``kes replay``).

        Exactly what the store holds, not upcast, so the hash chain of an export verifies and a
        later kes replays it through its own upcasters.
        """
        return [
            storage.export_record(record)
            for record in self.stored_records(aggregate_id, after=after)
        ]

    def state_at(self, aggregate_id: UUID, *, at: dt.datetime) -> Any:
        """The aggregate as it was at ``at``, rebuilt by replaying the events up to then."""
        aggregate = None
        for event in self.events_of(aggregate_id):
            if event.timestamp > at:
                break
            aggregate = event.mutate(aggregate)
        return aggregate
