"""The base every kes domain event and aggregate is built on.

Events are frozen pydantic models (``extra="forbid"``) so they validate on the way in and dump to
plain JSON on the way out. Each carries ``schema_version`` (old stored payloads are upcast by
static ``upcast_vN_vN+1`` methods on the event class, see :func:`upcast`) and ``digest``, its link
in the per-aggregate hash chain (:mod:`kes.domain.hashchain`), computed when the aggregate
triggers it, so the digest is part of the stored log. Only eventsourcing's aggregate base is used
here: no persistence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import types
import typing
from collections.abc import Callable, Iterable
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


def iso_time(value: dt.datetime) -> str:
    """A time as pydantic writes it in JSON (UTC as ``Z``), without pydantic's serializer."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _json_default(value: Any) -> Any:
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dt.datetime):
        return iso_time(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _canonical(value: dict[str, Any]) -> str:
    """hashchain.canonical_json's text, for values that may still hold models and times."""
    return "".join(_ENCODE(value, 0))


def _make_encoder() -> Callable[[Any, int], Iterable[str]]:
    """json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    default=_json_default), built once: dumps builds an encoder on every call, and sealing runs
    for every event recorded. No cycle check: events hold plain data, never cycles."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is not None:
        encode: Callable[[Any, int], Iterable[str]] = make(
            None, _json_default, json.encoder.encode_basestring, None, ":", ",", True, False,
            False,
        )
        return encode
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                               allow_nan=False, default=_json_default)
    return lambda value, _level: encoder.iterencode(value, _one_shot=True)


_ENCODE = _make_encoder()


@functools.cache
def _topic_of(cls: type) -> str:
    return es_utils.get_topic(cls)


@functools.cache
def _topic_tail(cls: type[pydantic.BaseModel]) -> str:
    """``,"topic":"..."}`` when "topic" sorts after every field of ``cls``, else ""."""
    if all(name < "topic" for name in cls.model_fields if name != "digest"):
        return ',"topic":' + json.dumps(_topic_of(cls), ensure_ascii=False) + "}"
    return ""


_ENVELOPE_TYPES = {"originator_id", "timestamp"}  # set by the aggregate with the right types


@dataclasses.dataclass(frozen=True)
class _DraftPlan:
    """How to build one event class's drafts (see DomainEvent.draft)."""

    names: frozenset[str]
    required: frozenset[str]
    defaults: dict[str, Any]
    factories: dict[str, Callable[[], Any]]
    floats: tuple[str, ...]


def _is_plain(annotation: Any) -> bool:
    """Whether values of this type are stored as they are (no model, no parsing)."""
    if annotation in (int, str, float, bool, type(None), Any):
        return True
    origin = typing.get_origin(annotation)
    if origin in (dict, list, types.UnionType, typing.Union):
        return all(_is_plain(arg) for arg in typing.get_args(annotation))
    return False


@functools.cache
def _draft_plan(cls: type[pydantic.BaseModel]) -> _DraftPlan | None:
    """None when a field of ``cls`` is not plain (its drafts are validated)."""
    defaults: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    required = set()
    for name, field in cls.model_fields.items():
        if name not in _ENVELOPE_TYPES and not _is_plain(field.annotation):
            return None
        if field.default_factory is not None:
            factories[name] = field.default_factory  # type: ignore[assignment]
        elif field.is_required():
            required.add(name)
        else:
            defaults[name] = field.default
    return _DraftPlan(
        names=frozenset(cls.model_fields), required=frozenset(required), defaults=defaults,
        factories=factories,
        floats=tuple(n for n, f in cls.model_fields.items() if f.annotation is float),
    )


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
    # The stored JSON computed while sealing, kept so the store does not dump the event again.
    _stored: bytes | None = pydantic.PrivateAttr(default=None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # A payload without schema_version is of the class's current schema; the field's
        # default says so, and must be kept in step with SCHEMA_VERSION by hand.
        default = cls.model_fields["schema_version"].default
        if default != cls.SCHEMA_VERSION:
            raise TypeError(
                f"{cls.__name__}: declare `schema_version: int = {cls.SCHEMA_VERSION}` with "
                f"SCHEMA_VERSION = {cls.SCHEMA_VERSION}."
            )

    @classmethod
    def draft(cls, **values: Any) -> Self:
        """A new event built by kes's own code (an aggregate command), not read from a store.

        Those values come from typed commands, so an event whose fields are all plain JSON
        types is built without pydantic's validation, as `model_construct` would (but
        cheaper); any other event, or a missing or unknown field, goes through validation.
        """
        plan = _draft_plan(cls)
        if plan is None or not (plan.required <= values.keys() <= plan.names):
            return cls(**values)
        data = {**plan.defaults, **values}
        for name, factory in plan.factories.items():
            if name not in values:
                data[name] = factory()
        for name in plan.floats:  # pydantic's one coercion our commands rely on
            if type(data[name]) is int:
                data[name] = float(data[name])
        event = cls.__new__(cls)
        object.__setattr__(event, "__dict__", data)
        object.__setattr__(event, "__pydantic_fields_set__", set(values))
        object.__setattr__(event, "__pydantic_extra__", None)
        object.__setattr__(event, "__pydantic_private__", {"_stored": None})
        return event

    def mutate(self, aggregate: Any) -> Any:
        """eventsourcing's checks and bookkeeping (inlined: every recorded event passes here)."""
        if self.originator_id != aggregate.id:
            raise es_domain.OriginatorIDError(self.originator_id, aggregate.id)
        if self.originator_version != aggregate.version + 1:
            raise es_domain.OriginatorVersionError(
                self.originator_version, aggregate.version + 1
            )
        self.apply(aggregate)
        aggregate.version = self.originator_version
        aggregate.modified_on = self.timestamp
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
        """A copy of this event with its chain digest filled in."""
        return self.model_copy().seal(previous=previous)

    def seal(self, *, previous: str, id_text: str | None = None) -> Self:
        """Fill in the chain digest of this draft (just built and validated; nobody holds it).

        The recording path of every event, so it does the least work: one canonical JSON
        encoding of the fields serves both the digest (the body is that text with the topic
        added) and the stored payload (that text with the digest added; the store keeps any key
        order, the verifier re-encodes canonically). No second dump, no copy.
        """
        state = dict(self.__dict__)
        del state["digest"]
        state["originator_id"] = id_text or str(state["originator_id"])
        state["timestamp"] = iso_time(state["timestamp"])
        tail = _topic_tail(type(self))
        if tail:  # the topic sorts last: the body is the text with the topic appended
            text = _canonical(state)
            body = text[:-1] + tail
        else:  # a field sorts after "topic" (a created event's "uid"): splice it in there
            after = _canonical({k: state.pop(k) for k in sorted(state) if k > "topic"})
            text = _canonical(state)
            topic = json.dumps(_topic_of(type(self)), ensure_ascii=False)
            body = f'{text[:-1]},"topic":{topic},{after[1:]}'
            text = f"{text[:-1]},{after[1:]}"
        digest = hashlib.sha256(previous.encode() + body.encode()).hexdigest()
        object.__setattr__(self, "digest", digest)  # a draft nobody else holds yet
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        private["_stored"] = (text[:-1] + ',"digest":"' + digest + '"}').encode()
        return self

    def stored_row(self) -> tuple[UUID, int, str, bytes]:
        """(aggregate id, version, topic, stored JSON): the row the store appends."""
        return self.originator_id, self.originator_version, _topic_of(type(self)), (
            self.stored_state())

    def stored_state(self) -> bytes:
        """The event as stored: JSON of every field, digest included."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        stored: bytes | None = private.get("_stored")
        if stored is None:
            stored = private["_stored"] = json.dumps(
                self.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False
            ).encode()
        return stored


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
        self.id_text = str(originator_id)  # sealing writes it into every event

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
        event = draft.seal(previous=hashchain.GENESIS)
        aggregate: Self = event.mutate(None)
        aggregate.pending_events.append(event)
        return aggregate

    def collect_events(self) -> list[Any]:
        """The new events (kes's pydantic events; typed loosely so callers read their fields)."""
        collected, self._pending_events = self._pending_events, []
        return collected

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        if "timestamp" not in kwargs or kwargs["timestamp"] is None:
            kwargs["timestamp"] = utcnow()
        kwargs["originator_id"] = self.id
        kwargs["originator_version"] = self.version + 1
        kwargs["schema_version"] = event_class.SCHEMA_VERSION
        event = event_class.draft(**kwargs).seal(previous=self.last_digest, id_text=self.id_text)
        # What mutate does, without its checks: this event was just made for this aggregate
        # at its next version.
        event.apply(self)
        self.version = event.originator_version
        self.modified_on = event.timestamp
        self.last_digest = event.digest
        self._pending_events.append(event)
