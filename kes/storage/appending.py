"""Appending events: one transaction per transition, as few round trips as the store allows.

eventsourcing's recorders stay for reading (events of an aggregate, the notification log,
projection tracking). Writing, the controller's hot path, goes through a writer of our own that
does only what a kes append needs:

* SQLite: one connection kept for writing (one writer process; threads take turns), ``BEGIN``,
  the inserts, ``COMMIT`` — what a raw sqlite3 loop does, at the configured ``synchronous``.
* PostgreSQL: one autocommitted statement, so one round trip: it takes a transaction-scoped
  advisory lock and inserts every event of the transition. The lock orders notification ids
  by commit (as the library's ``LOCK TABLE`` does), so a projection reading the log in id
  order never skips an event committed later with a lower id. A broken connection (a restarted
  server) is reopened with backoff for up to ``RECONNECT_S``; a statement whose answer was lost
  is looked up before it is sent again, so a commit is never taken for a conflict.

A second event at an aggregate's version (another writer got there first) raises
``eventsourcing.persistence.IntegrityError``, which the use cases answer by deciding again on
fresh state. ``delete_aggregates`` removes whole aggregates (``kes history prune``).

A ``Fence`` makes an append conditional, in the same transaction, on one aggregate's newest
version: the leadership term the writer recorded when it won the Lease
(``kes.domain.leadership``). When another replica has recorded a newer term since, nothing is
inserted and ``FencedError`` says so. On SQLite the check and the inserts run under the write
lock (``BEGIN IMMEDIATE``); on PostgreSQL the check is a condition of the one statement, which
runs under the appends' advisory lock (a statement that began before a newer term committed is
ordered before it, and every later one sees it).
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing import persistence as es_persistence
from eventsourcing import sqlite as es_sqlite

from kes.storage import crashpoints, settings

logger = logging.getLogger(__name__)

# How long a PostgreSQL append keeps reconnecting (a restart takes seconds) before it fails.
RECONNECT_S = 30.0


Row = tuple[UUID, int, str, bytes]  # aggregate id, version, topic, stored JSON


@dataclasses.dataclass(frozen=True)
class Fence:
    """Appends succeed only while ``aggregate_id``'s newest recorded version is ``version``."""

    aggregate_id: UUID
    version: int


class FencedError(Exception):
    """The fence's aggregate has moved past its version: nothing was appended."""

    def __init__(self, fence: Fence, newest: int | None) -> None:
        super().__init__(
            f"Not appended: {fence.aggregate_id} is at version {newest}, the writer's fence at "
            f"{fence.version}."
        )
        self.fence = fence
        self.newest = newest


class Appender(Protocol):
    def append(self, rows: Sequence[Row], *, fence: Fence | None = None) -> None: ...

    def close(self) -> None: ...


class SQLiteAppender:
    def __init__(self, *, path: str, table: str, synchronous: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                  timeout=30)
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.cursor = self.db.cursor()  # one cursor for every append (execute makes one each)
        self.insert = f"INSERT INTO {table} VALUES (?,?,?,?)"  # noqa: S608 (our table name)
        self.newest = (
            f"SELECT max(originator_version) FROM {table} WHERE originator_id = ?"  # noqa: S608
        )
        self.lock = threading.Lock()

    def append(self, rows: Sequence[Row], *, fence: Fence | None = None) -> None:
        subject = crashpoints.topic_subject([r[2] for r in rows])
        crashpoints.reach("append-before", subject)
        with self.lock:
            try:
                if fence is not None:
                    self._append_fenced(rows, fence)
                elif len(rows) == 1:  # one statement is one transaction in autocommit mode
                    originator_id, version, topic, state = rows[0]
                    self.cursor.execute(self.insert, (originator_id.hex, version, topic, state))
                else:
                    self.cursor.execute("BEGIN")
                    self.cursor.executemany(self.insert, [(r[0].hex, *r[1:]) for r in rows])
                    self.cursor.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                if self.db.in_transaction:
                    self.cursor.execute("ROLLBACK")
                raise es_persistence.IntegrityError(str(exc)) from exc
            except sqlite3.Error as exc:
                if self.db.in_transaction:
                    self.cursor.execute("ROLLBACK")
                raise es_persistence.OperationalError(str(exc)) from exc
        crashpoints.reach("append-after", subject)

    def _append_fenced(self, rows: Sequence[Row], fence: Fence) -> None:
        """The check and the inserts in one write transaction (the caller handles errors)."""
        self.cursor.execute("BEGIN IMMEDIATE")  # the write lock first: nobody moves the fence
        newest = self.cursor.execute(self.newest, (fence.aggregate_id.hex,)).fetchone()[0]
        if newest != fence.version:
            self.cursor.execute("ROLLBACK")
            raise FencedError(fence, newest)
        self.cursor.executemany(self.insert, [(r[0].hex, *r[1:]) for r in rows])
        self.cursor.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self.db.close()  # closes its cursor too; closing twice is harmless


class PostgresAppender:
    def __init__(self, *, env: dict[str, str], table: str) -> None:
        from psycopg import sql  # only with the postgres extra, which a PostgreSQL store needs

        self.env = env
        schema = env.get("POSTGRES_SCHEMA") or "public"
        self.lock_key = zlib.crc32(f"kes-append:{schema}.{table}".encode())
        insert = (
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT e.* FROM (SELECT pg_advisory_xact_lock(%s)) AS l "
            "CROSS JOIN unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) AS e"
        )
        names = {"schema": sql.Identifier(schema), "table": sql.Identifier(table)}
        self.lookup = sql.SQL(
            "SELECT topic, state FROM {schema}.{table} "
            "WHERE originator_id = %s AND originator_version = %s"
        ).format(**names)
        self.statement = sql.SQL(insert).format(**names)
        # The fenced form inserts nothing when the fence's aggregate has moved on.
        self.fenced = sql.SQL(
            insert + " WHERE (SELECT max(originator_version) FROM {schema}.{table} "  # noqa: S608
            "WHERE originator_id = %s) = %s"
        ).format(**names)
        self.newest = sql.SQL(
            "SELECT max(originator_version) FROM {schema}.{table} WHERE originator_id = %s"
        ).format(**names)
        self.lock = threading.Lock()
        self.connection: Any = None

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(
            dbname=self.env["POSTGRES_DBNAME"], host=self.env["POSTGRES_HOST"],
            port=self.env["POSTGRES_PORT"], user=self.env["POSTGRES_USER"],
            password=self.env["POSTGRES_PASSWORD"],
            connect_timeout=int(self.env.get("POSTGRES_CONNECT_TIMEOUT", "5")),
            autocommit=True,
        )

    def append(self, rows: Sequence[Row], *, fence: Fence | None = None) -> None:
        import psycopg

        params: tuple[Any, ...] = (
            self.lock_key,
            [r[0] for r in rows],
            [r[1] for r in rows],
            [r[2] for r in rows],
            [r[3] for r in rows],
        )
        statement = self.statement
        if fence is not None:
            statement = self.fenced
            params = (*params, fence.aggregate_id, fence.version)
        subject = crashpoints.topic_subject([r[2] for r in rows])
        crashpoints.reach("append-before", subject)
        with self.lock:
            deadline = time.monotonic() + RECONNECT_S
            delay = 0.1
            sent = False
            while True:
                try:
                    if self.connection is None or self.connection.closed:
                        self.connection = self._connect()
                    if sent and self._recorded(rows[0]):
                        break  # the lost answer was a commit
                    sent = True
                    cursor = self.connection.execute(statement, params, prepare=True)
                    if fence is not None and cursor.rowcount < len(rows):
                        newest = self.connection.execute(
                            self.newest, (fence.aggregate_id,)
                        ).fetchone()[0]
                        raise FencedError(fence, newest)
                    break
                except psycopg.errors.UniqueViolation as exc:
                    raise es_persistence.IntegrityError(str(exc)) from exc
                except psycopg.OperationalError as exc:
                    # The connection broke (a restarted server): again on a new one.
                    self._drop()
                    if time.monotonic() + delay > deadline:
                        raise es_persistence.OperationalError(str(exc)) from exc
                    logger.warning("Appending to the event log failed: %s. Retrying in "
                                   "%.1f s.", str(exc).strip(), delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 2.0)
        crashpoints.reach("append-after", subject)

    def _recorded(self, row: Row) -> bool:
        """Whether `row` is in the table as sent (an earlier attempt committed it)."""
        found = self.connection.execute(self.lookup, (row[0], row[1])).fetchone()
        return found is not None and found[0] == row[2] and bytes(found[1]) == bytes(row[3])

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def close(self) -> None:
        with self.lock:
            self._drop()


def appender_for(store: settings.Store, *, recorder: Any) -> Appender:
    """The writer for ``store``'s events table (the recorder's, created by the library)."""
    table = recorder.events_table_name
    if store.is_postgres:
        return PostgresAppender(env=settings.postgres_env(store.location), table=table)
    return SQLiteAppender(path=store.location, table=table,
                          synchronous=settings.synchronous_mode())


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
