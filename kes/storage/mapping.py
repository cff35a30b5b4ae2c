"""How kes events are stored and read back: JSON payloads, retired names, upcasters, exports.

An event is stored as the JSON its sealing produced (its fields, digest included) under its
class's topic. Reading goes through :func:`read_event`: retired event names map onto their
successors (``actionset_events.RETIRED``) and older schema versions are upcast. Exports
(``kes history --json``) carry the stored payload as it is, so their hash chain verifies.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing import persistence as es_persistence
from eventsourcing import utils as es_utils

from kes.domain import actionset, actionset_events, events, hashchain, repositoryserver

# The modules whose classes are stored as events, for exports that name a type but no topic.
EVENT_MODULES = (actionset_events, repositoryserver)
_RETIRED = {
    f"{actionset_events.__name__}:{name}": successor
    for name, successor in actionset_events.RETIRED.items()
}

class JSONTranscoder(es_persistence.Transcoder):
    """Compact JSON; the mapper has already turned every event into plain JSON types."""

    def encode(self, obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    def decode(self, data: bytes) -> Any:
        return json.loads(data)


class PydanticMapper(es_persistence.Mapper[UUID]):
    """Stores a pydantic event as its JSON dump; reads it back through its upcasters.

    The whole dump is stored (ids included) because the hash chain covers exactly what is stored.
    """

    def to_stored_event(self, domain_event: Any) -> es_persistence.StoredEvent:
        state = domain_event.stored_state()
        return es_persistence.StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=es_utils.get_topic(type(domain_event)),
            state=state,
        )

    def to_domain_event(self, stored_event: es_persistence.StoredEvent) -> Any:
        return read_event(stored_event.topic, decode_state(self.transcoder, stored_event))


def read_event(topic: str, state: dict[str, Any]) -> Any:
    """The domain event of a stored (topic, state), through retired names and upcasters."""
    retired = _RETIRED.get(topic)
    if retired is not None:
        cls, change = retired
        if change is not None:
            change(state)
    else:
        cls = es_utils.resolve_topic(topic)
    return cls.model_validate(events.upcast(cls, state))


def topic_of_type(type_name: str) -> str:
    """The topic an event type name was stored under (exports before they carried topics)."""
    for module in EVENT_MODULES:
        candidate = getattr(module, type_name, None)
        if isinstance(candidate, type) and issubclass(candidate, events.DomainEvent):
            return es_utils.get_topic(candidate)
    if type_name in actionset_events.RETIRED:
        return f"{actionset_events.__name__}:{type_name}"
    raise ValueError(f'"{type_name}" is not an event type of kes.')


def export_record(record: hashchain.StoredRecord) -> dict[str, Any]:
    """One stored event as a line of an export (``kes history --json``).

    ``id``, ``version``, ``time``, ``type``, ``schema_version``, ``digest`` and ``data`` (the
    event's own fields), plus its ``topic``: exactly the stored payload, so the chain verifies.
    """
    state = dict(record.state)
    return {
        "id": state.get("originator_id"),
        "version": record.version,
        "time": state.get("timestamp"),
        "type": record.topic.rsplit(":", 1)[-1],
        "topic": record.topic,
        "schema_version": state.get("schema_version", 1),
        "digest": state.get("digest", ""),
        "data": {k: v for k, v in state.items() if k not in events.ENVELOPE},
    }


def stored_from_export(record: dict[str, Any]) -> hashchain.StoredRecord:
    """An export line back in its stored shape (topic from the line, or from its type)."""
    state = {
        **record["data"],
        "originator_id": record["id"],
        "originator_version": record["version"],
        "timestamp": record["time"],
        "schema_version": record["schema_version"],
        "digest": record["digest"],
    }
    topic = record.get("topic") or topic_of_type(str(record["type"]))
    if record["version"] == 1 and "originator_topic" not in state:
        # Exports without topics left out the created event's aggregate topic; it is fixed
        # per event type.
        cls = es_utils.resolve_topic(topic)
        owner: type = repositoryserver.RepositoryServerLifecycle if cls.__module__ == (
            repositoryserver.__name__) else actionset.ActionSetRun
        state["originator_topic"] = es_utils.get_topic(owner)
    return hashchain.StoredRecord(version=int(record["version"]), topic=topic, state=state)


def decode_state(
    transcoder: es_persistence.Transcoder, stored_event: es_persistence.StoredEvent
) -> dict[str, Any]:
    state: dict[str, Any] = transcoder.decode(stored_event.state)
    return state


