"""Event store figures: kes appends against raw inserts of the same rows, measured side by side.

Append: ActionSet events of realistic size recorded the way the controller records them (one
use case = load, command, save per event) through kes's application, against a raw insert loop
writing the same stored rows (one transaction per event) in the same run, in interleaved
rounds so load on a shared machine hits both alike:

* SQLite, WAL, at ``synchronous=NORMAL`` (kes's default) and at FULL: raw ``sqlite3``;
* PostgreSQL (127.0.0.1:5432, ``KES_TEST_POSTGRES_URL``): a raw psycopg loop of autocommitted
  INSERTs into a table shaped like kes's.

Replay: one long history printed by ``kes history --json`` (in process, and end to end).

Run: ``python benchmarks/bench_store.py [--events N] [--smoke]`` (``--smoke``: a few seconds,
what ``make test`` runs; its figures mean little). Targets (issue 13): append >= 0.5x raw
sqlite3 at the same synchronous setting, >= 0.5x the raw psycopg loop; replay of 10,000 events
< 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from uuid import UUID

from kes import application
from kes.cli import history
from kes.domain import actionset_events

PHASES = 8
EVENTS_PER_RUN = 3 + 2 * PHASES + 2 + 2  # accepted, action, phases, defer, artifacts, ends


ARGS = {
    "namespace": "mysql",
    "image": "kanisterio/mysql-sidecar:0.119.0",
    "command": ["bash", "-o", "errexit", "-o", "pipefail", "-c",
                "mysqldump --column-statistics=0 -u root --password=*** --single-transaction "
                "--all-databases | gzip - | kando location push --profile '{...}' --path "
                "mysql-backups/mysql/2026-05-13T10:00:00Z/dump.sql.gz -"],
}


def plan() -> list[dict[str, Any]]:
    return [{
        "name": "backup",
        "blueprint": "mysql-blueprint",
        "object": {"kind": "StatefulSet", "name": "mysql", "namespace": "mysql"},
        "phases": [
            *({"name": f"phase{i}", "function": "KubeTask", "args": ARGS}
              for i in range(PHASES)),
            {"name": "cleanup", "function": "KubeTask", "args": ARGS, "defer": True},
        ],
        "artifacts": {"mysqlCloudDump": {"keyValue": {
            "s3path": "{{ .Phases.phase0.Output.s3path }}"}}},
    }]


SPEC = {"actions": [{"name": "backup", "blueprint": "mysql-blueprint",
                     "object": {"kind": "StatefulSet", "name": "mysql", "namespace": "mysql"}}]}


def record_runs(app: application.KesApplication, *, events: int, first: int = 0) -> int:
    """Record whole runs until ``events`` events are stored; returns how many were.

    The plan is built once, as the reconciler builds it (`planning.action_plan`) before it
    asks the store to record the acceptance: planning is not the store's work.
    """
    planned = [actionset_events.ActionPlan.model_validate(p) for p in plan()]
    written = 0
    run_number = first
    while written < events:
        run_number += 1
        run_id = app.accept_actionset(
            name=f"backup-{run_number}", namespace="kanister", uid=f"uid-{run_number}",
            spec=SPEC, plan=planned,
        )
        app.start_action(run_id, action_index=0)
        for i in range(PHASES):
            app.start_phase(run_id, action_index=0, phase_name=f"phase{i}",
                            function="KubeTask", args=ARGS)
            app.complete_phase(run_id, action_index=0, phase_name=f"phase{i}",
                               output={"s3path": f"s3://bucket/mysql/{run_number}/{i}"},
                               duration_s=1.5)
        app.start_phase(run_id, action_index=0, phase_name="cleanup", function="KubeTask",
                        args=ARGS)
        app.complete_phase(run_id, action_index=0, phase_name="cleanup", output=None,
                           duration_s=0.2)
        app.render_artifacts(run_id, action_index=0, artifacts={
            "mysqlCloudDump": {"keyValue": {"s3path": "s3://bucket/mysql/dump"}}})
        app.complete_action(run_id, action_index=0)
        app.complete_run(run_id)
        written += EVENTS_PER_RUN
    return written


class Timed:
    """Rows and seconds per round, so a figure can be read over the run or its best round."""

    def __init__(self) -> None:
        self.rounds: list[tuple[int, float]] = []

    def add(self, rows: int, seconds: float) -> None:
        self.rounds.append((rows, seconds))

    @property
    def rate(self) -> float:
        """Over the whole run."""
        return sum(r for r, _ in self.rounds) / sum(s for _, s in self.rounds)

    def paired(self, baseline: Timed) -> float:
        """The median over rounds of this rate / the baseline's rate in the same round: each
        pair ran back to back on the same rows, so load that comes and goes hits both."""
        ratios = sorted(
            (rows / seconds) / (base_rows / base_seconds)
            for (rows, seconds), (base_rows, base_seconds) in zip(
                self.rounds, baseline.rounds, strict=True)
        )
        return statistics.median(ratios)


class RawBaseline(Timed):
    """Raw sqlite3: WAL, one transaction per event, the same rows kes stored."""

    def __init__(self, path: Path, *, synchronous: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("CREATE TABLE events (originator_id TEXT, originator_version INTEGER, "
                        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        super().__init__()

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        started = time.perf_counter()
        for row in rows:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO events VALUES (?,?,?,?)", row)
            self.db.execute("COMMIT")
        self.add(len(rows), time.perf_counter() - started)


ROUNDS = 10


class RawPostgres(Timed):
    """Raw psycopg: autocommitted INSERTs of the same rows into a table shaped like kes's."""

    def __init__(self, url: str, schema: str) -> None:
        import psycopg

        self.db = psycopg.connect(url, autocommit=True)
        self.table = f"{schema}.raw_events"
        self.db.execute(f"CREATE TABLE {self.table} (originator_id uuid NOT NULL, "
                        "originator_version bigint NOT NULL, topic text, state bytea, "
                        "notification_id bigserial, "
                        "PRIMARY KEY (originator_id, originator_version))")
        super().__init__()

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        statement = (f"INSERT INTO {self.table} (originator_id, originator_version, topic, "
                     "state) VALUES (%s, %s, %s, %s)")
        started = time.perf_counter()
        for row in rows:
            self.db.execute(statement, (UUID(row[0]), *row[1:]), prepare=True)
        self.add(len(rows), time.perf_counter() - started)


def interleaved(app: application.KesApplication, baselines: list[Any], *, events: int) -> Timed:
    """Rounds of kes appends, each followed by the baselines inserting the same rows, so load
    on a shared machine hits both alike. Returns kes's timings."""
    kes, seen = Timed(), 0
    for number in range(ROUNDS):
        started = time.perf_counter()
        written = record_runs(app, events=events // ROUNDS, first=number * 10_000)
        kes.add(written, time.perf_counter() - started)
        stored = app.recorder.select_notifications(start=seen + 1, limit=events)
        seen = stored[-1].id
        rows = [
            (UUID(str(n.originator_id)).hex, n.originator_version, n.topic, n.state)
            for n in stored
        ]
        for baseline in baselines:
            baseline.insert(rows)
    return kes


def one_long_history(location: str, *, events: int) -> None:
    app = application.KesApplication(store=location)
    run_id = app.accept_actionset(name="long", namespace="kanister", uid="long",
                                  spec=SPEC, plan=plan())
    app.start_action(run_id, action_index=0)
    app.start_phase(run_id, action_index=0, phase_name="phase0", function="KubeTask", args=ARGS)
    run = app.run(run_id)
    for i in range(events - 4):
        run.progress_phase(action_index=0, phase_name="phase0",
                           progress={"progressPercent": str(i * 100 // events),
                                     "sizeUploadedB": str(i * 4096)})
        if len(run.pending_events) >= 500:
            app.save(run)
    run.complete_phase(action_index=0, phase_name="phase0", output={"s3path": "s3://b/k"})
    app.save(run)
    app.close()


def postgres_side_by_side(*, events: int) -> tuple[Timed, Timed] | None:
    """(kes, raw psycopg) timings on the local PostgreSQL, interleaved; None if it is down."""
    url = os.environ.get("KES_TEST_POSTGRES_URL", "postgresql://kes:kes@127.0.0.1:5432/test")
    try:
        import psycopg

        admin = psycopg.connect(url, autocommit=True, connect_timeout=2)
    except Exception:
        return None
    schema = "kes_bench_" + uuid.uuid4().hex[:8]
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        app = application.KesApplication(store=f"{url}?schema={schema}")
        raw = RawPostgres(url, schema)
        kes = interleaved(app, [raw], events=events)
        app.close()
        raw.db.close()
        return kes, raw
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def sqlite_side_by_side(tmp: Path, *, events: int, synchronous: str) -> tuple[Timed, Timed]:
    """(kes, raw sqlite3) timings at one synchronous setting, interleaved."""
    os.environ["KES_SQLITE_SYNCHRONOUS"] = synchronous
    try:
        app = application.KesApplication(store=str(tmp / f"kes_{synchronous}.sqlite3"))
        raw = RawBaseline(tmp / f"raw_{synchronous}.db", synchronous=synchronous)
        kes = interleaved(app, [raw], events=events)
        app.close()
    finally:
        del os.environ["KES_SQLITE_SYNCHRONOUS"]
    return kes, raw


def report(store: str, baseline: str, kes: Timed, raw: Timed) -> None:
    print(f"  {store:<27} kes {kes.rate:7,.0f} events/s, {baseline} {raw.rate:7,.0f} events/s:"
          f" {kes.rate / raw.rate:.2f}x over the run, {kes.paired(raw):.2f}x round by round")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true",
                        help="200 events: proves the script runs (the figures mean little)")
    options = parser.parse_args()
    events = 200 if options.smoke else options.events
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        print(f"append: ~{events} events per store in {ROUNDS} interleaved rounds, one use case "
              "(load + command + save) per event, against raw inserts of the same rows")
        print("  (round by round: the median of kes/raw per round, each pair back to back)")
        for synchronous in ("NORMAL", "FULL"):
            kes, raw = sqlite_side_by_side(
                tmp, events=events if synchronous == "NORMAL" else events // 4,
                synchronous=synchronous,
            )
            report(f"SQLite synchronous={synchronous}", "raw sqlite3", kes, raw)
        pg = postgres_side_by_side(events=events // 4)
        if pg is None:
            print("  PostgreSQL: not reachable at 127.0.0.1:5432, skipped")
        else:
            report("PostgreSQL (local)", "raw psycopg", *pg)

        long_store = str(tmp / "long.sqlite3")
        one_long_history(long_store, events=events)
        replay = application.KesApplication(store=long_store)
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            history._print_events(replay, replay.find(kind="actionset", namespace="kanister",
                                                      name="long") or _missing(),
                                  as_json=True, follow=False)
        in_process = time.perf_counter() - started
        replay.close()
        lines = out.getvalue().count("\n")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kes.cli", "history", "actionset", "long", "-n", "kanister",
             "--json", "--store", long_store],
            check=True, stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
        end_to_end = time.perf_counter() - started
        print(f"replay: {lines} events by kes history --json: {in_process:.2f} s in process "
              f"({lines / in_process:,.0f} events/s), {end_to_end:.2f} s end to end "
              "(with interpreter start)")


def _missing() -> Any:
    raise SystemExit("the long history was not recorded")


if __name__ == "__main__":
    main()
