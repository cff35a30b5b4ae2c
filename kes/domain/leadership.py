"""Leadership: the terms of the controller replicas that led, recorded in the log they share.

Several replicas share one event log; a Kubernetes Lease elects the one that works. The Lease is
the first guard and the log is the second: a replica that wins the Lease records a new term here
before it does anything, and every event it appends afterwards is checked, in the same
transaction, against the newest term (``kes.storage.appending``'s fence). A replica whose term
is no longer the newest — it lost the Lease without noticing, or paused past its renew deadline —
has each append refused. The aggregate's version is that fencing token.

The chain reads as the replicas' story: ``LeadershipTaken`` (holder, its Lease and the Lease's
transitions) and ``LeadershipEnded`` (the holder stopped: its renew deadline passed, it shut
down, or the log refused it), so the order of two replicas' terms is in the log, not inferred
from clocks. There is one chain per log, whatever Lease a replica campaigns on: two
installations that share a log by mistake fence each other (and say so) rather than both work.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from kes.domain import events

LEADERSHIP_NAMESPACE = uuid.UUID("9b2d4f61-0c7e-4a39-8f15-63e0d2a7c4b8")


class NotHolderError(events.DomainError):
    """The newest term is not the one that wants to end it."""


class LeadershipOpened(events.CreatedEvent):
    """The log's first term is about to be recorded (the chain's creation)."""

    def apply(self, leadership: Any) -> None:
        leadership.init()


class LeadershipTaken(events.DomainEvent):
    """``holder`` won ``lease`` (namespace/name) and leads from this event on."""

    holder: str
    lease: str
    lease_transitions: int = 0

    def apply(self, leadership: Any) -> None:
        leadership.holder = self.holder
        leadership.lease = self.lease
        leadership.terms += 1
        leadership.term_version = self.originator_version


class LeadershipEnded(events.DomainEvent):
    """``holder`` stopped leading at ``stopped_at`` (started no work and recorded nothing
    after it), then recorded this."""

    holder: str
    reason: str
    stopped_at: dt.datetime

    def apply(self, leadership: Any) -> None:
        leadership.holder = ""


class Leadership(events.EventSourced):
    """Every term of the replicas sharing this log; one per log (:meth:`id_for`)."""

    def init(self) -> None:
        self.lease = ""  # the Lease of the newest term
        self.holder = ""  # "" between an ended term and the next one
        self.terms = 0
        self.term_version = 0  # the version of the newest LeadershipTaken

    @staticmethod
    def id_for() -> uuid.UUID:
        return uuid.uuid5(LEADERSHIP_NAMESPACE, "leadership")

    @classmethod
    def open(cls) -> Leadership:
        return cls._start(LeadershipOpened, id=cls.id_for())

    def take(self, *, holder: str, lease: str, lease_transitions: int) -> None:
        """A new term: whoever held the previous one is fenced out from here on."""
        self.trigger_event(
            LeadershipTaken, holder=holder, lease=lease, lease_transitions=lease_transitions
        )

    def end(self, *, holder: str, reason: str, stopped_at: dt.datetime) -> None:
        """The holder of the newest term stopped (refused if another term has begun since)."""
        if self.holder != holder:
            raise NotHolderError(
                f'The newest term is held by "{self.holder or "nobody"}", not "{holder}".'
            )
        self.trigger_event(LeadershipEnded, holder=holder, reason=reason, stopped_at=stopped_at)
