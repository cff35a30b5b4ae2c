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
import os
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

from eventsourcing import sqlite as es_sqlite

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
            return postgres_env(self.location)
        if create:
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
        synchronous = synchronous_mode()
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


def synchronous_mode() -> str:
    """SQLite's ``synchronous`` setting for the log (``KES_SQLITE_SYNCHRONOUS``, NORMAL)."""
    synchronous = os.environ.get(SYNCHRONOUS_ENV, "NORMAL").upper()
    if synchronous not in SYNCHRONOUS_MODES:
        raise StoreSettingError(
            f'{SYNCHRONOUS_ENV} is "{synchronous}"; use one of {", ".join(SYNCHRONOUS_MODES)}.'
        )
    return synchronous


def postgres_env(url_text: str) -> dict[str, str]:
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


def application_env(store: Store, *, create: bool = True) -> dict[str, str]:
    """Everything eventsourcing needs to open ``store`` with kes's events."""
    return {
        **store.eventsourcing_env(create=create),
        "MAPPER_TOPIC": "kes.storage.mapping:PydanticMapper",
        "TRANSCODER_TOPIC": "kes.storage.mapping:JSONTranscoder",
        "CREATE_TABLE": "y" if create else "n",
    }


