"""Tamper: events edited, deleted, reordered and inserted directly in the store's table, on SQLite
and PostgreSQL; `kes history --verify` names the first bad event every time, and a tail cut off
is seen with `--anchor` (a digest kept elsewhere).

Each case starts from the same recorded run of ten events (tests/unit/cli/test_history.py's), so
the event named is known in advance.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
import reliability_report
from click.testing import CliRunner

from kes import application
from kes.cli import main

PLAN: list[dict[str, Any]] = [{
    "name": "backup", "blueprint": "bp",
    "phases": [{"name": "dump", "function": "KubeTask", "args": {}},
               {"name": "check", "function": "KubeExec", "args": {}},
               {"name": "cleanup", "function": "KubeTask", "args": {}, "defer": True}],
}]
ARGS = ("history", "actionset", "nightly", "-n", "prod", "--verify")


def _record(location: str) -> tuple[UUID, str]:
    """A failed run of ten events; its id and last digest (the anchor kept elsewhere)."""
    app = application.KesApplication(store=location)
    try:
        run_id = app.accept_actionset(name="nightly", namespace="prod", uid="uid-n", spec={},
                                      plan=PLAN)
        app.start_action(run_id, action_index=0)
        app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask",
                        args={"command": ["mysqldump"]})
        app.complete_phase(run_id, action_index=0, phase_name="dump",
                           output={"path": "s3://b/k"}, duration_s=2.25)
        app.start_phase(run_id, action_index=0, phase_name="check", function="KubeExec",
                        args={})
        app.fail_phase(run_id, action_index=0, phase_name="check", error="exit code 2",
                       log_tail=["checking", "mismatch"])
        app.start_phase(run_id, action_index=0, phase_name="cleanup", function="KubeTask",
                        args={})
        app.complete_phase(run_id, action_index=0, phase_name="cleanup", output=None,
                           duration_s=0.5)
        app.fail_action(run_id, action_index=0, error="")
        app.fail_run(run_id)
        return run_id, str(app.history(run_id)[-1]["digest"])
    finally:
        app.close()


class Table:
    """SQL on the store's events table, written once with `?` for either database."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.postgres = location.startswith("postgresql://")

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.postgres:
            with sqlite3.connect(self.location) as db:
                rows = db.execute(statement.format(t="stored_events"), params).fetchall()
            db.close()
            return rows
        import psycopg

        url, _, query = self.location.partition("?")
        schema = dict(p.split("=", 1) for p in query.split("&") if p)["schema"]
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(statement.format(t=f"{schema}.kesapplication_events")
                                  .replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def state(self, version: int) -> bytes:
        return bytes(self.execute("SELECT state FROM {t} WHERE originator_version = ?",
                                  (version,))[0][0])

    def set_state(self, version: int, state: bytes) -> None:
        self.execute("UPDATE {t} SET state = ? WHERE originator_version = ?", (state, version))

    def move(self, old: int, new: int) -> None:
        self.execute("UPDATE {t} SET originator_version = ? WHERE originator_version = ?",
                     (new, old))


def _edit(t: Table) -> None:
    t.set_state(6, t.state(6).replace(b"exit code 2", b"exit code 0"))


def _delete(t: Table) -> None:
    t.execute("DELETE FROM {t} WHERE originator_version = 4")


def _reorder(t: Table) -> None:
    """Events 3 and 4 swap places (each row keeps its content, takes the other's position)."""
    t.move(3, 100)
    t.move(4, 3)
    t.move(100, 4)


def _insert(t: Table) -> None:
    """A forged event 5 (a copy of event 4 renumbered), the later ones moved up by one."""
    for version in range(10, 4, -1):
        t.move(version, version + 1)
    forged = t.state(4).replace(b'"originator_version":4', b'"originator_version":5')
    t.execute("INSERT INTO {t} (originator_id, originator_version, topic, state) "
              "SELECT originator_id, 5, topic, ? FROM {t} WHERE originator_version = 4",
              (forged,))


def _append(t: Table) -> None:
    """A forged last event (a copy of event 10 as event 11)."""
    forged = t.state(10).replace(b'"originator_version":10', b'"originator_version":11')
    t.execute("INSERT INTO {t} (originator_id, originator_version, topic, state) "
              "SELECT originator_id, 11, topic, ? FROM {t} WHERE originator_version = 10",
              (forged,))


def _truncate(t: Table) -> None:
    t.execute("DELETE FROM {t} WHERE originator_version >= 9")


# case -> (tampering, the event --verify must name, whether only --anchor sees it)
CASES: dict[str, tuple[Callable[[Table], None], int, bool]] = {
    "edit event 6": (_edit, 6, False),
    "delete event 4": (_delete, 5, False),
    "swap events 3 and 4": (_reorder, 3, False),
    "insert a forged event 5": (_insert, 5, False),
    "append a forged event 11": (_append, 11, False),
    "cut events 9-10": (_truncate, 0, True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_names_the_first_tampered_event(store: str, case: str) -> None:
    _, anchor = _record(store)
    runner = CliRunner()
    clean = runner.invoke(main.cli, [*ARGS, "--store", store, "--anchor", anchor])
    assert clean.exit_code == 0 and "verified: 10 events" in clean.output, clean.output
    tamper, first_bad, anchor_only = CASES[case]
    tamper(Table(store))
    plain = runner.invoke(main.cli, [*ARGS, "--store", store])
    anchored = runner.invoke(main.cli, [*ARGS, "--store", store, "--anchor", anchor])
    named = re.search(r"Event (\d+) \(", plain.output + anchored.output)
    backend = "postgres" if store.startswith("postgresql://") else "sqlite"
    if anchor_only:
        held = (plain.exit_code == 0 and anchored.exit_code == 1
                and "last events were removed" in anchored.output)
    else:
        held = (plain.exit_code == 1 and named is not None and int(named.group(1)) == first_bad)
    reliability_report.record("tamper", {
        "store": backend, "tampering": case, "held": held,
        "verify says": (anchored if anchor_only else plain).output.strip().splitlines()[-1][:140]})
    assert held, (plain.output, anchored.output)
