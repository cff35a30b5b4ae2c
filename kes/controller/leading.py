"""The gate in front of leader-only work: what runs while this replica leads, and only then.

Several replicas run the same controller; one leads (``electing``). Everything that writes —
accepting ActionSets, running phases, status and Kubernetes Events, the RepositoryServer
controller — sits behind this gate; watches, caches and the followers' reading of the log do
not, so a follower is ready to take over at once.

Taking over: record a new term in the log (which fences every later append of this process to
it), open the gate, run the controller's takeover hook (restart recovery of the runs the old
leader left), then start the duties. A duty is made fresh for every term by its factory, given
an event set when the term ends: ``gate.add_duty(lambda stop: Thing(..., stop=stop))`` is all a
leader-only component needs (it has ``start()`` and ``stop_and_wait()``).

Stepping down, in this order: close the gate and tell the duties to stop (nothing new starts),
refuse this process's appends (nothing more is recorded, whatever a thread is in the middle
of), cancel the controller's running phases (unrecorded: the next leader's restart recovery
resolves them from the log, which already says they started), record the end of the term under
its own fence — refused if another replica's term began first, which would mean the Lease failed
to keep two leaders apart — and only then wait for the threads to finish.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from kes import application
from kes.adapters.k8s import leases
from kes.projections import metrics as metrics_projection

logger = logging.getLogger(__name__)


class Duty(Protocol):
    def start(self) -> None: ...

    def stop_and_wait(self, timeout: float = 10.0) -> None: ...


DutyFactory = Callable[[threading.Event], Duty]


class Gate:
    """Open while this replica leads; with no election (one replica) open from the start."""

    def __init__(
        self,
        *,
        app: application.KesApplication,
        metrics: metrics_projection.Metrics,
        identity: str = "",
        lease: str = "",
        still_valid: Callable[[], bool] = lambda: True,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.identity = identity
        self.lease = lease
        self.still_valid = still_valid  # the elector's own view (its renew deadline)
        self.term = 0  # the log's term number while leading (0: none, or no election)
        self.generation = 0  # +1 on every takeover, so loops notice a new term
        self._open = threading.Event()
        self._lock = threading.Lock()
        self._factories: list[DutyFactory] = []
        self._duties: list[Duty] = []
        self._term_stop = threading.Event()
        self.on_take_over: list[Callable[[], None]] = []
        self.on_step_down: list[Callable[[str], None]] = []  # quick: before the end's record
        self.after_step_down: list[Callable[[str], None]] = []  # may wait
        self.metrics.leader.set(0)

    def add_duty(self, factory: DutyFactory) -> None:
        """Run ``factory(stop)``'s duty in every term this replica leads."""
        self._factories.append(factory)

    def leading(self) -> bool:
        return self._open.is_set() and self.still_valid()

    def wait_leading(self, timeout: float) -> bool:
        return self._open.wait(timeout) and self.still_valid()

    # --- transitions (one thread at a time: the election thread, or start/stop) -----------

    def open_unelected(self) -> None:
        """One replica without leader election: lead from the start, unfenced."""
        self._open_gate()

    def take_over(self, record: leases.LeaseRecord) -> bool:
        """This replica won the Lease: record its term, then start working. False when the
        term could not be recorded (the log is unreachable): the replica steps down."""
        started = time.monotonic()
        try:
            self.term = self.app.take_leadership(
                lease=self.lease, holder=self.identity, lease_transitions=record.transitions
            )
        except application.KesApplicationError as exc:
            logger.error("Cannot record a leadership term in the event log: %s", exc)
            return False
        except Exception as exc:  # the store's own errors: unreachable, misconfigured
            logger.error("Cannot record a leadership term in the event log: %s",
                         type(exc).__name__)
            return False
        logger.info("Leading as %s: term %d of the event log.", self.identity, self.term)
        self._open_gate()
        logger.info("Took over in %.3f s.", time.monotonic() - started)
        return True

    def _open_gate(self) -> None:
        with self._lock:
            self.generation += 1
            self._term_stop = threading.Event()
            self._open.set()
            self.metrics.leader.set(1)
        for hook in self.on_take_over:
            hook()
        for factory in self._factories:
            duty = factory(self._term_stop)
            duty.start()
            self._duties.append(duty)

    def step_down(self, reason: str, *, record: bool = True) -> None:
        """Stop every leader-only thing, in the order the module docstring gives: what must
        happen before the end is recorded is quick (no waiting on threads); the waiting comes
        after, when nothing this replica still runs can record anything."""
        with self._lock:
            was_open = self._open.is_set()
            self._open.clear()
            self.metrics.leader.set(0)
            self._term_stop.set()
        if not was_open:
            return
        stopped_at = dt.datetime.now(dt.UTC)
        self.app.refuse_writes(reason)
        for hook in self.on_step_down:
            hook(reason)
        if record and self.term:
            ended = self.app.end_leadership(
                holder=self.identity, reason=reason, stopped_at=stopped_at
            )
            if not ended:
                logger.warning(
                    "The end of term %d was not recorded: another replica's term began first.",
                    self.term,
                )
        logger.info("Stopped working (term %d): %s.", self.term, reason)
        self.term = 0
        for duty in self._duties:
            duty.stop_and_wait()
        self._duties.clear()
        for hook in self.after_step_down:
            hook(reason)
