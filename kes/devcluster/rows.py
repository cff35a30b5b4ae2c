"""The SQLite file behind the store: one row per object plus the global resourceVersion.

Rows are keyed by (kind id, namespace, name), where the kind id is "group/plural" (an object is
the same whichever version serves it). `uid` and the owners' uids are columns so garbage
collection finds dependents without decoding every object. WAL with synchronous=NORMAL keeps a
commit cheap while surviving a crash of the process.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
import sqlite3
from collections.abc import Iterator
from typing import Any

FIRST_RESOURCE_VERSION = 1000


def _owner_uids(obj: dict[str, Any]) -> str:
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return " ".join(str(r.get("uid", "")) for r in refs)


class Rows:
    def __init__(self, *, path: pathlib.Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, namespace TEXT NOT NULL,"
            " name TEXT NOT NULL, rv INTEGER NOT NULL, uid TEXT NOT NULL, owners TEXT NOT NULL,"
            " data TEXT NOT NULL, PRIMARY KEY (kind, namespace, name))"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS objects_uid ON objects (uid)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('rv', ?)", (FIRST_RESOURCE_VERSION,))

    def resource_version(self) -> int:
        row = self._db.execute("SELECT v FROM meta WHERE k='rv'").fetchone()
        return int(row[0])

    def get(self, kind_id: str, *, namespace: str, name: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT data FROM objects WHERE kind=? AND namespace=? AND name=?",
            (kind_id, namespace, name),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def select(
        self, kind_id: str, *, namespace: str | None, after: tuple[str, str] | None
    ) -> Iterator[dict[str, Any]]:
        """Objects of a kind in (namespace, name) order, optionally after a position."""
        sql = "SELECT data FROM objects WHERE kind=?"
        args: list[Any] = [kind_id]
        if namespace:
            sql += " AND namespace=?"
            args.append(namespace)
        if after is not None:
            sql += " AND (namespace > ? OR (namespace = ? AND name > ?))"
            args += [after[0], after[0], after[1]]
        sql += " ORDER BY namespace, name"
        for (data,) in self._db.execute(sql, args):
            yield json.loads(data)

    def dependents(self, uid: str) -> list[tuple[str, dict[str, Any]]]:
        """(kind id, object) for every object with an ownerReference to `uid`."""
        rows = self._db.execute(
            "SELECT kind, data FROM objects WHERE owners LIKE ?", (f"%{uid}%",)
        ).fetchall()
        out = []
        for kind, data in rows:
            obj = json.loads(data)
            refs = obj.get("metadata", {}).get("ownerReferences") or []
            if any(r.get("uid") == uid for r in refs):
                out.append((str(kind), obj))
        return out

    def by_uid(self, uid: str) -> tuple[str, dict[str, Any]] | None:
        row = self._db.execute("SELECT kind, data FROM objects WHERE uid=?", (uid,)).fetchone()
        return None if row is None else (str(row[0]), json.loads(row[1]))

    def in_namespace(self, namespace: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._db.execute(
            "SELECT kind, data FROM objects WHERE namespace=?", (namespace,)
        ).fetchall()
        return [(str(kind), json.loads(data)) for kind, data in rows]

    def write(self, kind_id: str, obj: dict[str, Any], *, rv: int, insert: bool) -> None:
        """Store `obj` and the new global resourceVersion in one transaction."""
        meta = obj["metadata"]
        verb = "INSERT" if insert else "REPLACE"
        with self._transaction():
            self._db.execute(
                f"{verb} INTO objects (kind, namespace, name, rv, uid, owners, data)"
                " VALUES (?,?,?,?,?,?,?)",
                (kind_id, meta.get("namespace", "") or "", meta["name"], rv,
                 meta.get("uid", ""), _owner_uids(obj), json.dumps(obj)),
            )
            self._db.execute("UPDATE meta SET v=? WHERE k='rv'", (rv,))

    def delete(self, kind_id: str, *, namespace: str, name: str, rv: int) -> None:
        with self._transaction():
            self._db.execute(
                "DELETE FROM objects WHERE kind=? AND namespace=? AND name=?",
                (kind_id, namespace, name),
            )
            self._db.execute("UPDATE meta SET v=? WHERE k='rv'", (rv,))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

