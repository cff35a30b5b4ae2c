"""Tamper evidence for the event log: a SHA-256 chain over each aggregate's events.

Every event stores ``digest = sha256(previous_digest + canonical_json(body))`` where the body is
the event as stored (its topic and every field except ``digest``). The verifier works on the
stored JSON, not on upcast objects, so an old event keeps verifying after its class evolves.
A changed, removed, reordered or inserted event breaks the chain at that event. Removing the
*last* events of a log cannot be seen from the log alone (there is nothing after them to
disagree): pass the last digest published elsewhere (e.g. in the CR's status) as ``anchor``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = ""
DIGEST_FIELD = "digest"


def canonical_json(body: Mapping[str, Any]) -> bytes:
    """One byte string per JSON value: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def chain_digest(*, previous: str, body: Mapping[str, Any]) -> str:
    """The digest an event with this body records after an event whose digest is ``previous``."""
    return hashlib.sha256(previous.encode() + canonical_json(body)).hexdigest()


def body_of(*, topic: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a stored event the digest covers: everything but the digest, plus the topic."""
    body = {k: v for k, v in state.items() if k != DIGEST_FIELD}
    body["topic"] = topic
    return body


@dataclasses.dataclass(frozen=True)
class StoredRecord:
    """One stored event as the verifier sees it: its position, topic and decoded JSON state."""

    version: int
    topic: str
    state: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class ChainBreak:
    """Where and why a chain stopped verifying."""

    version: int
    topic: str
    reason: str

    def describe(self) -> str:
        event_type = self.topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1] or "missing"
        return f"Event {self.version} ({event_type}) breaks the hash chain: {self.reason}."


def verify(records: Iterable[StoredRecord], *, anchor: str | None = None) -> ChainBreak | None:
    """Return the first break in one aggregate's chain, or None when every event verifies.

    ``anchor``, a digest recorded outside the log, must be one of the chain's digests; when it
    is not, events were removed from the end (or the anchor belongs to another chain).
    """
    digests: set[str] = set()
    previous = GENESIS
    expected_version = 1
    for record in records:
        if record.version != expected_version:
            return ChainBreak(
                version=record.version,
                topic=record.topic,
                reason=f"expected position {expected_version}, found {record.version}",
            )
        stated = record.state.get("originator_version")
        if stated is not None and stated != record.version:
            return ChainBreak(
                version=record.version,
                topic=record.topic,
                reason=f"it says it is event {stated}",
            )
        recorded = record.state.get(DIGEST_FIELD)
        computed = chain_digest(previous=previous, body=body_of(topic=record.topic,
                                                                state=record.state))
        if recorded != computed:
            return ChainBreak(
                version=record.version,
                topic=record.topic,
                reason="its recorded digest does not match its content and predecessor",
            )
        previous = computed
        digests.add(computed)
        expected_version = record.version + 1
    if anchor is not None and anchor not in digests:
        return ChainBreak(
            version=expected_version,
            topic="",
            reason="the anchored digest is not in the log: its last events were removed",
        )
    return None
