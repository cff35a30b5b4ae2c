"""The base every kes domain event and aggregate is built on.

Events are frozen pydantic models (``extra="forbid"``) so they validate on the way in and dump to
plain JSON on the way out. Each carries ``schema_version`` (old stored payloads are upcast by
static ``upcast_vN_vN+1`` methods on the event class, see :func:`upcast`) and ``digest``, its link
in the per-aggregate hash chain (:mod:`kes.domain.hashchain`), computed when the aggregate
triggers it, so the digest is part of the stored log. Only eventsourcing's aggregate base is used
here: no persistence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, Self
from uuid import UUID

import pydantic
from eventsourcing import domain as es_domain
from eventsourcing import utils as es_utils

from kes.domain import hashchain

ENVELOPE = frozenset({
    "originator_id", "originator_version", "timestamp", "schema_version", "digest",
    "originator_topic",
})


class DomainError(Exception):
    """A command that would break a lifecycle rule; the aggregate emitted nothing."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DomainEvent(pydantic.BaseModel, es_domain.CanMutateAggregate[UUID]):
    """A fact about one aggregate. Subclasses add fields and an ``apply`` method."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    # The version of this class's payload shape; bump it together with an upcaster.
    SCHEMA_VERSION: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: dt.datetime
    schema_version: int = 1
    digest: str = ""
    # The JSON form computed while sealing, kept so the store does not dump the event again.
    _json: dict[str, Any] | None = pydantic.PrivateAttr(default=None)

    @pydantic.model_validator(mode="before")
    @classmethod
    def _default_schema_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and "schema_version" not in data:
            data = {**data, "schema_version": cls.SCHEMA_VERSION}
        return data

    def mutate(self, aggregate: Any) -> Any:
        aggregate = super().mutate(aggregate)
        aggregate.last_digest = self.digest
        return aggregate

    def as_record(self) -> dict[str, Any]:
        """The stable plain-data shape of this event (``kes history --json``): ``id``,
        ``version``, ``time``, ``type``, ``schema_version``, ``digest`` and ``data``, the
        event's own fields."""
        dumped = self.model_dump(mode="json")
        return {
            "id": dumped["originator_id"],
            "version": dumped["originator_version"],
            "time": dumped["timestamp"],
            "type": type(self).__name__,
            "schema_version": dumped["schema_version"],
            "digest": dumped["digest"],
            "data": {k: v for k, v in dumped.items() if k not in ENVELOPE},
        }

    def body(self) -> dict[str, Any]:
        """What the hash chain covers, in the same JSON form the store keeps."""
        return hashchain.body_of(
            topic=es_utils.get_topic(type(self)), state=self.model_dump(mode="json")
        )

    def sealed(self, *, previous: str) -> Self:
        """This event with its chain digest filled in."""
        dumped = self.model_dump(mode="json")
        body = hashchain.body_of(topic=es_utils.get_topic(type(self)), state=dumped)
        dumped["digest"] = hashchain.chain_digest(previous=previous, body=body)
        event = self.model_copy(update={"digest": dumped["digest"]})
        event._json = dumped
        return event

    def as_json(self) -> dict[str, Any]:
        """The event as stored: its JSON dump (digest included)."""
        return self._json if self._json is not None else self.model_dump(mode="json")


class CreatedEvent(DomainEvent, es_domain.CanInitAggregate[UUID]):
    """The first event of an aggregate; eventsourcing builds the aggregate from it."""

    originator_topic: str

    def mutate(self, aggregate: Any) -> Any:
        aggregate = es_domain.CanInitAggregate.mutate(self, aggregate)
        aggregate.last_digest = self.digest
        return aggregate


def upcast(cls: type[DomainEvent], state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored payload of any older schema version up to ``cls``'s current one."""
    version = int(state.get("schema_version", 1))
    while version < cls.SCHEMA_VERSION:
        step: Callable[[dict[str, Any]], None] = getattr(
            cls, f"upcast_v{version}_v{version + 1}"
        )
        step(state)
        version += 1
        state["schema_version"] = version
    return state


class EventSourced(es_domain.BaseAggregate[UUID]):
    """An aggregate whose events are sealed into a hash chain as they are triggered.

    No class-level annotations here or in subclasses: eventsourcing turns an annotated aggregate
    class into a dataclass whose ``__init__`` would then demand those attributes.
    """

    def __base_init__(
        self, originator_id: Any, originator_version: int, timestamp: dt.datetime
    ) -> None:
        super().__base_init__(originator_id, originator_version, timestamp)
        self.last_digest: str = hashchain.GENESIS

    @classmethod
    def _start(cls, event_class: type[CreatedEvent], *, id: UUID, **fields: Any) -> Self:
        """Create the aggregate from its first event (sealed before it is applied)."""
        draft = event_class(
            originator_id=id,
            originator_version=cls.INITIAL_VERSION,
            timestamp=fields.pop("timestamp", None) or utcnow(),
            originator_topic=es_utils.get_topic(cls),
            **fields,
        )
        event = draft.sealed(previous=hashchain.GENESIS)
        aggregate: Self = event.mutate(None)
        aggregate.pending_events.append(event)
        return aggregate

    def collect_events(self) -> list[Any]:
        """The new events (kes's pydantic events; typed loosely so callers read their fields)."""
        return list(super().collect_events())

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        draft = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=kwargs.pop("timestamp", None) or utcnow(),
            **kwargs,
        )
        event = draft.sealed(previous=self.last_digest)
        event.mutate(self)
        self.pending_events.append(event)
