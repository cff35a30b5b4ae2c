"""Where the event log lives: one setting, ``KES_STORE``, mapped onto eventsourcing's settings.

``KES_STORE`` is either a file path (SQLite, the embedded default) or a ``postgresql://`` URL
(several controller replicas). When it is unset the log is ``.kes/store.sqlite3`` relative to
the working directory, so ``kes history`` run where the controller runs finds it.

SQLite is opened in WAL mode (eventsourcing does that) with ``synchronous=NORMAL``: in WAL mode a
commit is then durable against a process crash, and after a power loss the database stays
consistent but may lose its last commits. The controller records every event as it happens, and
a full fsync per event would cost more than the work it records. ``KES_SQLITE_SYNCHRONOUS=FULL``
restores an fsync per commit.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing import persistence as es_persistence
from eventsourcing import sqlite as es_sqlite
from eventsourcing import utils as es_utils

from kes.domain import actionset, actionset_events, events, hashchain, repositoryserver

# The modules whose classes are stored as events, for exports that name a type but no topic.
EVENT_MODULES = (actionset_events, repositoryserver)
_RETIRED = {
    f"{actionset_events.__name__}:{name}": successor
    for name, successor in actionset_events.RETIRED.items()
}

STORE_ENV = "KES_STORE"
SYNCHRONOUS_ENV = "KES_SQLITE_SYNCHRONOUS"
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
DEFAULT_STORE = os.path.join(".kes", "store.sqlite3")


class StoreSettingError(ValueError):
    """``KES_STORE`` (or ``--store``) is not a usable location."""


@dataclasses.dataclass(frozen=True)
class Store:
    """A resolved store location."""

    location: str

    @property
    def is_postgres(self) -> bool:
        return self.location.startswith(("postgresql://", "postgres://"))

    def describe(self) -> str:
        """The location without any password, for messages and logs."""
        if not self.is_postgres:
            return self.location
        url = urllib.parse.urlsplit(self.location)
        host = url.hostname or ""
        port = f":{url.port}" if url.port else ""
        user = f"{url.username}@" if url.username else ""
        return f"{url.scheme}://{user}{host}{port}{url.path}"

    def exists(self) -> bool:
        return self.is_postgres or Path(self.location).exists()

    def eventsourcing_env(self, *, create: bool = True) -> dict[str, str]:
        if self.is_postgres:
            return _postgres_env(self.location)
        if create:
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
        synchronous = os.environ.get(SYNCHRONOUS_ENV, "NORMAL").upper()
        if synchronous not in SYNCHRONOUS_MODES:
            raise StoreSettingError(
                f'{SYNCHRONOUS_ENV} is "{synchronous}"; use one of {", ".join(SYNCHRONOUS_MODES)}.'
            )
        return {
            "PERSISTENCE_MODULE": f"{__name__}:TunedSQLiteFactory",
            "SQLITE_DBNAME": self.location,
            "SQLITE_LOCK_TIMEOUT": "30",
            "KES_SQLITE_SYNCHRONOUS": synchronous,
        }


def resolve(location: str | None = None) -> Store:
    """The store named by ``location``, else ``$KES_STORE``, else the default path."""
    value = location or os.environ.get(STORE_ENV) or DEFAULT_STORE
    if not value.strip():
        raise StoreSettingError("The store location is empty; set KES_STORE to a path or URL.")
    return Store(location=value)


def _postgres_env(url_text: str) -> dict[str, str]:
    url = urllib.parse.urlsplit(url_text)
    dbname = url.path.lstrip("/")
    if not url.hostname or not dbname:
        raise StoreSettingError(
            "A PostgreSQL store needs a host and a database: postgresql://USER@HOST:PORT/DB."
        )
    query = urllib.parse.parse_qs(url.query)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": urllib.parse.unquote(dbname),
        "POSTGRES_HOST": url.hostname,
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": urllib.parse.unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": urllib.parse.unquote(url.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    return env


class TunedConnectionPool(es_sqlite.SQLiteConnectionPool):
    """eventsourcing's SQLite pool with the pragmas explained in the module docstring."""

    synchronous = "NORMAL"

    def _create_connection(self) -> es_sqlite.SQLiteConnection:
        connection = super()._create_connection()
        raw: sqlite3.Connection = connection._sqlite_conn
        if not self.is_sqlite_memory_mode and self.synchronous in SYNCHRONOUS_MODES:
            raw.execute(f"PRAGMA synchronous={self.synchronous}")
        return connection


class TunedSQLiteFactory(es_sqlite.SQLiteFactory):
    def __init__(self, env: Any) -> None:
        super().__init__(env)
        old = self.datastore.pool
        pool = TunedConnectionPool(db_name=old.db_name, lock_timeout=old.lock_timeout)
        pool.synchronous = self.env.get("KES_SQLITE_SYNCHRONOUS") or "NORMAL"
        self.datastore.pool = pool
        old.close()


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
        state = self.transcoder.encode(domain_event.as_json())
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


def application_env(store: Store, *, create: bool = True) -> dict[str, str]:
    """Everything eventsourcing needs to open ``store`` with kes's events."""
    return {
        **store.eventsourcing_env(create=create),
        "MAPPER_TOPIC": es_utils.get_topic(PydanticMapper),
        "TRANSCODER_TOPIC": es_utils.get_topic(JSONTranscoder),
        "CREATE_TABLE": "y" if create else "n",
    }


def delete_aggregates(recorder: Any, ids: list[UUID]) -> int:
    """Remove every stored event of these aggregates (``kes history prune``); how many went.

    Aggregates go as a whole: each hash chain covers one aggregate, so the others still verify.
    """
    if not ids:
        return 0
    table = recorder.events_table_name
    if isinstance(recorder, es_sqlite.SQLiteAggregateRecorder):
        marks = ",".join("?" * len(ids))
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE originator_id IN ({marks})",  # noqa: S608
                [i.hex for i in ids],
            )
            return int(cursor.sqlite_cursor.rowcount)
    from psycopg import sql  # only with the postgres extra, which a PostgreSQL store needs

    statement = sql.SQL("DELETE FROM {schema}.{table} WHERE originator_id = ANY(%s)").format(
        schema=sql.Identifier(recorder.datastore.schema), table=sql.Identifier(table)
    )
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(statement, [ids])
        return int(cursor.rowcount)
