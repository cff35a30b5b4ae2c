"""The event-sourced application: named use cases that load a run, call a command, save.

Every state change of kes goes through here. A use case loads the aggregate, runs one domain
command and saves its events; when another writer saved first (a concurrency conflict on the
aggregate's next version) it reloads the fresh state and runs the command again, so no event
is lost or duplicated and every guard is checked against what was really recorded. Free-form
values (rendered args, outputs, errors, log tails, artifacts) are masked against the secrets
the caller passes before they reach an event. Queries return aggregates or plain data.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing import application as es_application
from eventsourcing import persistence as es_persistence
from eventsourcing import utils as es_utils

from kes import storage
from kes.domain import actionset, events, hashchain, masking, repositoryserver, status
from kes.domain import actionset_events as ev

MAX_ATTEMPTS = 20
Agg = TypeVar("Agg", actionset.ActionSetRun, repositoryserver.RepositoryServerLifecycle)


@dataclasses.dataclass(frozen=True)
class RecordedResource:
    """One recorded ActionSet run or RepositoryServer, as `kes history` lists it."""

    namespace: str
    name: str
    state: str
    created: dt.datetime


class KesApplicationError(Exception):
    """A kes application error (never carries a secret value)."""


class RunNotFoundError(KesApplicationError):
    """No ActionSet run or RepositoryServer with that id or name is in the log."""


class StoreUnavailableError(KesApplicationError):
    """The event log cannot be opened (a damaged file, an unreachable database)."""


class ConcurrencyConflictError(KesApplicationError):
    """Other writers kept winning; the command was not recorded."""


_CREATED_TOPICS = {
    "actionset": [
        es_utils.get_topic(ev.ActionSetAccepted),
        es_utils.get_topic(ev.ActionSetRejected),
    ],
    "repositoryserver": [es_utils.get_topic(repositoryserver.ServerRegistered)],
}


def event_record(event: Any) -> dict[str, Any]:
    """One event as plain data (see :meth:`kes.domain.events.DomainEvent.as_record`)."""
    record: dict[str, Any] = event.as_record()
    return record


class KesApplication(es_application.Application[UUID]):
    """The event log of every ActionSet run and RepositoryServer, in one store."""

    name = "kes"
    # A cache of live aggregates updated on save (see _execute): the controller is the one
    # writer of its runs, and a conflict with another writer evicts and reloads.
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "1000",
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
    }

    def __init__(self, *, store: str | None = None, create: bool = True) -> None:
        self.store = storage.resolve(store)
        self._stripes = [threading.Lock() for _ in range(64)]
        env = storage.application_env(self.store, create=create)
        for attempt in range(3):
            try:
                super().__init__(env=env)
                return
            except es_persistence.InternalError:
                # Two processes creating PostgreSQL tables at once: one sees "tuple
                # concurrently updated". The tables exist afterwards; try again.
                if attempt == 2:
                    raise StoreUnavailableError(self._unavailable()) from None
            except es_persistence.PersistenceError:
                raise StoreUnavailableError(self._unavailable()) from None

    def _unavailable(self) -> str:
        return f"Cannot open the event log at {self.store.describe()}."

    # --- the write path ---------------------------------------------------------------------

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's save, without its runtime-Protocol checks on every object.

        `Application.save` asks `isinstance(obj, DomainEventProtocol)` of each object, and a
        runtime-checkable Protocol compares every attribute: ~40% of recording one event. Here
        only our own aggregates are saved, so their events are collected directly.
        """
        processing_event: es_application.ProcessingEvent[UUID] = (
            es_application.ProcessingEvent()
        )
        for obj in objs:
            if obj is None:
                continue
            processing_event.events.extend(obj.collect_events())
            processing_event.aggregates[obj.id] = obj
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, kept for parity
        return recordings

    def _execute(self, aggregate_id: UUID, command: Callable[[Agg], None]) -> Agg:
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
                    self.save(aggregate)
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
        raise ConcurrencyConflictError(
            f"Could not record a change to {aggregate_id} after {MAX_ATTEMPTS} conflicts."
        )

    def _evict(self, aggregate_id: UUID) -> None:
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _create(self, aggregate: Agg) -> UUID:
        # Already recorded (a re-list after a restart): the first record stands.
        with contextlib.suppress(es_persistence.IntegrityError):
            self.save(aggregate)
        return aggregate.id

    def _get(self, aggregate_id: UUID, *, version: int | None = None) -> Any:
        try:
            return self.repository.get(aggregate_id, version=version)
        except es_application.AggregateNotFoundError:
            raise RunNotFoundError(f"Nothing is recorded under id {aggregate_id}.") from None

    # --- ActionSet use cases ----------------------------------------------------------------

    def accept_actionset(
        self, *, name: str, namespace: str, uid: str, spec: dict[str, Any],
        plan: Sequence[ev.ActionPlan | dict[str, Any]],
        blueprint_versions: dict[str, str] | None = None,
    ) -> UUID:
        """Record that the ActionSet was accepted (idempotent per ``uid``); returns the run id."""
        return self._create(actionset.ActionSetRun.accept(
            name=name, namespace=namespace, uid=uid, spec=spec, plan=plan,
            blueprint_versions=blueprint_versions,
        ))

    def reject_actionset(
        self, *, name: str, namespace: str, uid: str, spec: dict[str, Any], reason: str,
        message: str, secrets: Iterable[str | bytes] = (),
    ) -> UUID:
        return self._create(actionset.ActionSetRun.reject(
            name=name, namespace=namespace, uid=uid, spec=spec, reason=reason,
            message=masking.mask(message, secrets=secrets),
        ))

    def run_command(
        self, run_id: UUID, command: Callable[[actionset.ActionSetRun], None]
    ) -> actionset.ActionSetRun:
        """Run any ActionSetRun command with the load → command → save → retry loop."""
        return self._execute(run_id, command)

    def start_action(self, run_id: UUID, *, action_index: int) -> None:
        self._execute(run_id, lambda r: r.start_action(action_index))

    def start_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, function: str,
        args: dict[str, Any], attempt: int = 1, secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(args, secrets=secrets)
        self._execute(run_id, lambda r: r.start_phase(
            action_index=action_index, phase_name=phase_name, function=function,
            masked_args=masked, attempt=attempt,
        ))

    def progress_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, progress: dict[str, Any]
    ) -> None:
        self._execute(run_id, lambda r: r.progress_phase(
            action_index=action_index, phase_name=phase_name, progress=progress,
        ))

    def complete_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str,
        output: dict[str, Any] | None, duration_s: float, secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(output, secrets=secrets)
        self._execute(run_id, lambda r: r.complete_phase(
            action_index=action_index, phase_name=phase_name, output=masked,
            duration_s=duration_s,
        ))

    def fail_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, error: str,
        log_tail: Sequence[str] = (), secrets: Iterable[str | bytes] = (),
    ) -> None:
        masker = masking.Masker(secrets)
        self._execute(run_id, lambda r: r.fail_phase(
            action_index=action_index, phase_name=phase_name, error=masker(error),
            log_tail=masker(list(log_tail)),
        ))

    def time_out_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, timeout_s: float, error: str
    ) -> None:
        self._execute(run_id, lambda r: r.time_out_phase(
            action_index=action_index, phase_name=phase_name, timeout_s=timeout_s, error=error,
        ))

    def interrupt_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, reason: str
    ) -> None:
        self._execute(run_id, lambda r: r.interrupt_phase(
            action_index=action_index, phase_name=phase_name, reason=reason,
        ))

    def start_defer_phase(
        self, run_id: UUID, *, action_index: int, function: str, args: dict[str, Any],
        attempt: int = 1, secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(args, secrets=secrets)
        self._execute(run_id, lambda r: r.start_defer_phase(
            action_index=action_index, function=function, masked_args=masked, attempt=attempt,
        ))

    def complete_defer_phase(
        self, run_id: UUID, *, action_index: int, output: dict[str, Any] | None,
        duration_s: float, secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(output, secrets=secrets)
        self._execute(run_id, lambda r: r.complete_defer_phase(
            action_index=action_index, output=masked, duration_s=duration_s,
        ))

    def fail_defer_phase(
        self, run_id: UUID, *, action_index: int, error: str, log_tail: Sequence[str] = (),
        secrets: Iterable[str | bytes] = (),
    ) -> None:
        masker = masking.Masker(secrets)
        self._execute(run_id, lambda r: r.fail_defer_phase(
            action_index=action_index, error=masker(error), log_tail=masker(list(log_tail)),
        ))

    def render_artifacts(
        self, run_id: UUID, *, action_index: int, artifacts: dict[str, Any],
        secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(artifacts, secrets=secrets)
        self._execute(run_id, lambda r: r.render_artifacts(
            action_index=action_index, artifacts=masked,
        ))

    def complete_action(self, run_id: UUID, *, action_index: int) -> None:
        self._execute(run_id, lambda r: r.complete_action(action_index))

    def fail_action(
        self, run_id: UUID, *, action_index: int, error: str,
        secrets: Iterable[str | bytes] = (), launching: bool = False,
    ) -> None:
        masked = masking.mask(error, secrets=secrets)
        self._execute(
            run_id,
            lambda r: r.fail_action(action_index=action_index, error=masked, launching=launching),
        )

    def request_cancel(self, run_id: UUID, *, reason: str = "") -> None:
        self._execute(run_id, lambda r: r.request_cancel(reason))

    def complete_run(self, run_id: UUID) -> None:
        self._execute(run_id, lambda r: r.complete())

    def fail_run(
        self, run_id: UUID, *, error: str = "", secrets: Iterable[str | bytes] = ()
    ) -> None:
        masked = masking.mask(error, secrets=secrets)
        self._execute(run_id, lambda r: r.fail(masked))

    def cancel_run(self, run_id: UUID) -> None:
        self._execute(run_id, lambda r: r.cancel())

    # --- RepositoryServer use cases ---------------------------------------------------------

    def register_repositoryserver(
        self, *, name: str, namespace: str, uid: str, spec: dict[str, Any] | None = None
    ) -> UUID:
        return self._create(repositoryserver.RepositoryServerLifecycle.register(
            name=name, namespace=namespace, uid=uid, spec=spec,
        ))

    def server_command(
        self, server_id: UUID,
        command: Callable[[repositoryserver.RepositoryServerLifecycle], None],
    ) -> repositoryserver.RepositoryServerLifecycle:
        """Run any RepositoryServerLifecycle command with the retry loop."""
        return self._execute(server_id, command)

    def fail_repositoryserver(
        self, server_id: UUID, *, condition: str, message: str,
        secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(message, secrets=secrets)
        self._execute(server_id, functools.partial(
            repositoryserver.RepositoryServerLifecycle.fail, condition=condition,
            message=masked,
        ))

    # --- queries ----------------------------------------------------------------------------

    def run(self, run_id: UUID) -> actionset.ActionSetRun:
        """A copy of the run (changing it changes nothing recorded)."""
        run: actionset.ActionSetRun = self._copy(run_id)
        return run

    def server(self, server_id: UUID) -> repositoryserver.RepositoryServerLifecycle:
        server: repositoryserver.RepositoryServerLifecycle = self._copy(server_id)
        return server

    def _fresh(self, aggregate_id: UUID) -> Any:
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

    def _copy(self, aggregate_id: UUID) -> Any:
        with self._stripes[aggregate_id.int % len(self._stripes)]:
            return copy.deepcopy(self._fresh(aggregate_id))

    def status(self, aggregate_id: UUID) -> dict[str, Any]:
        with self._stripes[aggregate_id.int % len(self._stripes)]:
            return status.status_of(self._fresh(aggregate_id))

    def _created(self, kind: str) -> list[tuple[UUID, dict[str, Any]]]:
        """(id, first-event state) of every aggregate of ``kind``, oldest first."""
        found: list[tuple[UUID, dict[str, Any]]] = []
        start = 1
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=1000, topics=_CREATED_TOPICS[kind]
            )
            for notification in page:
                found.append((
                    UUID(str(notification.originator_id)),
                    storage.decode_state(self.mapper.transcoder, notification),
                ))
            if len(page) < 1000:
                return found
            start = page[-1].id + 1

    def find(self, *, kind: str, namespace: str, name: str) -> UUID | None:
        """The id of the latest ActionSet run / RepositoryServer with this namespace and name."""
        latest = None
        for aggregate_id, state in self._created(kind):
            if state.get("name") == name and state.get("namespace") == namespace:
                latest = aggregate_id
        return latest

    def recorded(self, *, kind: str, namespace: str | None) -> list[RecordedResource]:
        """The latest run (or server) of each name, sorted by namespace and name; every
        namespace when `namespace` is None."""
        latest: dict[tuple[str, str], UUID] = {}
        for aggregate_id, state in self._created(kind):
            key = (str(state.get("namespace", "")), str(state.get("name", "")))
            if namespace is None or key[0] == namespace:
                latest[key] = aggregate_id
        found = []
        for (ns, name), aggregate_id in sorted(latest.items()):
            aggregate = self._copy(aggregate_id)
            shown = getattr(aggregate, "state", None) or getattr(aggregate, "progress", "")
            found.append(
                RecordedResource(
                    namespace=ns, name=name, state=str(shown), created=aggregate.created_on
                )
            )
        return found

    def run_for(self, namespace: str, name: str) -> UUID | None:
        return self.find(kind="actionset", namespace=namespace, name=name)

    def list_runs(self, *, terminal: bool | None = False) -> list[UUID]:
        """Run ids, oldest first; by default only those still to finish (restart recovery)."""
        ids = [aggregate_id for aggregate_id, _ in self._created("actionset")]
        if terminal is None:
            return ids
        return [i for i in ids if self._is_terminal(i) == terminal]

    def _is_terminal(self, aggregate_id: UUID) -> bool:
        with self._stripes[aggregate_id.int % len(self._stripes)]:
            return bool(self._fresh(aggregate_id).is_terminal)

    def stored_records(self, aggregate_id: UUID) -> list[hashchain.StoredRecord]:
        """The aggregate's events exactly as stored (no upcasting), for audit and verify."""
        return [
            hashchain.StoredRecord(
                version=s.originator_version,
                topic=s.topic,
                state=storage.decode_state(self.mapper.transcoder, s),
            )
            for s in self.recorder.select_events(aggregate_id)
        ]

    def verify(
        self, aggregate_id: UUID, *, anchor: str | None = None
    ) -> hashchain.ChainBreak | None:
        """The first break in the aggregate's hash chain (``anchor``: a digest kept elsewhere)."""
        records = self.stored_records(aggregate_id)
        if not records:
            raise RunNotFoundError(f"Nothing is recorded under id {aggregate_id}.")
        return hashchain.verify(records, anchor=anchor)

    def events_of(self, aggregate_id: UUID, *, after: int = 0) -> list[Any]:
        """The aggregate's events (upcast to current schemas) after a version."""
        return list(self.events.get(aggregate_id, gt=after or None))

    def history(self, aggregate_id: UUID, *, after: int = 0) -> list[dict[str, Any]]:
        """The aggregate's events as plain data (the shape of ``kes history --json``)."""
        return [event_record(e) for e in self.events_of(aggregate_id, after=after)]

    def state_at(self, aggregate_id: UUID, *, at: dt.datetime) -> Any:
        """The aggregate as it was at ``at``, rebuilt by replaying the events up to then."""
        aggregate = None
        for event in self.events_of(aggregate_id):
            if event.timestamp > at:
                break
            aggregate = event.mutate(aggregate)
        return aggregate
