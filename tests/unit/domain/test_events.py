"""The event base: schema versions, sealing, multi-step upcasting, and a pure domain package."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, ClassVar

import pytest

import kes.domain
from kes.domain import events


class Noted(events.DomainEvent):
    """A test event whose schema went through two changes."""

    SCHEMA_VERSION: ClassVar[int] = 3
    schema_version: int = 3
    text: str
    words: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["text"] = state.pop("note")

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["words"] = len(state["text"].split())


def test_new_events_carry_their_class_schema_version() -> None:
    event = Noted(originator_id=kes_id(), originator_version=2, timestamp=events.utcnow(),
                  text="a b", words=2)
    assert event.schema_version == 3


def test_a_schema_version_without_its_field_default_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="declare `schema_version: int = 2`"):
        class Forgot(events.DomainEvent):
            SCHEMA_VERSION: ClassVar[int] = 2


def test_a_drafted_event_equals_a_validated_one_and_unknown_fields_still_fail() -> None:
    fields: dict[str, Any] = {"originator_id": kes_id(), "originator_version": 2,
                              "timestamp": events.utcnow(), "text": "a b", "words": 2}
    drafted = Noted.draft(**fields)
    assert drafted == Noted(**fields) and drafted.schema_version == 3
    with pytest.raises(ValueError, match="extra"):
        Noted.draft(**fields, secret="x")
    with pytest.raises(ValueError, match="words"):
        Noted.draft(**{k: v for k, v in fields.items() if k != "words"})


def test_a_v1_payload_is_upcast_step_by_step() -> None:
    state = {"schema_version": 1, "note": "three small words"}
    assert events.upcast(Noted, state) == {
        "schema_version": 3, "text": "three small words", "words": 3
    }


def test_a_current_payload_is_left_alone() -> None:
    state = {"schema_version": 3, "text": "x", "words": 9}
    assert events.upcast(Noted, dict(state)) == state


def test_events_are_frozen_and_reject_unknown_fields() -> None:
    event = Noted(originator_id=kes_id(), originator_version=2, timestamp=events.utcnow(),
                  text="a", words=1)
    with pytest.raises(ValueError, match="frozen"):
        event.text = "b"  # type: ignore[misc]
    with pytest.raises(ValueError, match="extra"):
        Noted(originator_id=kes_id(), originator_version=2, timestamp=events.utcnow(),
              text="a", words=1, secret="x")  # type: ignore[call-arg]


def test_sealing_depends_on_the_previous_digest_and_the_body() -> None:
    event = Noted(originator_id=kes_id(), originator_version=2, timestamp=events.utcnow(),
                  text="a", words=1)
    one, two = event.sealed(previous="1" * 64), event.sealed(previous="2" * 64)
    assert one.digest != two.digest
    assert one.sealed(previous="1" * 64).digest == one.digest  # the digest is not in the body
    other = event.model_copy(update={"text": "b"}).sealed(previous="1" * 64)
    assert other.digest != one.digest


def kes_id() -> Any:
    import uuid

    return uuid.uuid5(uuid.NAMESPACE_URL, "kes-test")


FORBIDDEN = {"kubernetes", "sqlite3", "psycopg", "subprocess", "socket", "requests", "aiohttp",
             "boto3"}


def test_the_domain_package_does_no_io_and_uses_only_the_aggregate_base() -> None:
    problems = []
    for path in sorted(Path(kes.domain.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in FORBIDDEN:
                    problems.append(f"{path.name} imports {name}")
                if top == "eventsourcing" and name not in (
                    "eventsourcing", "eventsourcing.domain", "eventsourcing.utils"
                ):
                    problems.append(f"{path.name} imports {name}")
    assert problems == []
