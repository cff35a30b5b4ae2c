"""Event store figures: append and replay of ActionSet events against a raw sqlite3 baseline.

Append: 10,000 ActionSet events of realistic size recorded the way the controller records them
(one use case = load, command, save per event) through kes's application on SQLite, against
raw ``sqlite3`` inserting the same stored payloads (WAL, one transaction per event) in the same
run. kes sets ``synchronous=NORMAL`` (see kes/storage.py), so the raw baseline is measured both
with SQLite's default (FULL) and with NORMAL. Replay: one 10,000-event history printed by
``kes history --json`` (in process, and end to end as a subprocess).

Run: ``python benchmarks/bench_store.py [--events N] [--smoke]``. Targets (issue 3): append
>= 0.5x the raw baseline; replay of 10,000 events by ``kes history`` < 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
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

PHASES = 8
EVENTS_PER_RUN = 3 + 2 * PHASES + 2 + 2  # accepted, action, phases, defer, artifacts, ends


def plan() -> list[dict[str, Any]]:
    return [{
        "name": "backup",
        "blueprint": "mysql-blueprint",
        "object": {"kind": "StatefulSet", "name": "mysql", "namespace": "mysql"},
        "phases": [{"name": f"phase{i}", "function": "KubeTask"} for i in range(PHASES)],
        "defer_phase": {"name": "cleanup", "function": "KubeTask"},
        "artifacts": {"mysqlCloudDump": {"keyValue": {
            "s3path": "{{ .Phases.phase0.Output.s3path }}"}}},
    }]


ARGS = {
    "namespace": "mysql",
    "image": "kanisterio/mysql-sidecar:0.119.0",
    "command": ["bash", "-o", "errexit", "-o", "pipefail", "-c",
                "mysqldump --column-statistics=0 -u root --password=*** --single-transaction "
                "--all-databases | gzip - | kando location push --profile '{...}' --path "
                "mysql-backups/mysql/2026-05-13T10:00:00Z/dump.sql.gz -"],
}


def record_runs(app: application.KesApplication, *, events: int, first: int = 0) -> int:
    """Record whole runs until ``events`` events are stored; returns how many were."""
    written = 0
    run_number = first
    while written < events:
        run_number += 1
        run_id = app.accept_actionset(
            name=f"backup-{run_number}", namespace="kanister", uid=f"uid-{run_number}",
            spec={"actions": plan()}, plan=plan(),
        )
        app.start_action(run_id, action_index=0)
        for i in range(PHASES):
            app.start_phase(run_id, action_index=0, phase_name=f"phase{i}",
                            function="KubeTask", args=ARGS)
            app.complete_phase(run_id, action_index=0, phase_name=f"phase{i}",
                               output={"s3path": f"s3://bucket/mysql/{run_number}/{i}"},
                               duration_s=1.5)
        app.start_defer_phase(run_id, action_index=0, function="KubeTask", args=ARGS)
        app.complete_defer_phase(run_id, action_index=0, output=None, duration_s=0.2)
        app.render_artifacts(run_id, action_index=0, artifacts={
            "mysqlCloudDump": {"keyValue": {"s3path": "s3://bucket/mysql/dump"}}})
        app.complete_action(run_id, action_index=0)
        app.complete_run(run_id)
        written += EVENTS_PER_RUN
    return written


class RawBaseline:
    """Raw sqlite3: WAL, one transaction per event, the same rows kes stored."""

    def __init__(self, path: Path, *, synchronous: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.execute("CREATE TABLE events (originator_id TEXT, originator_version INTEGER, "
                        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        self.seconds = 0.0
        self.rows = 0

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        started = time.perf_counter()
        for row in rows:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO events VALUES (?,?,?,?)", row)
            self.db.execute("COMMIT")
        self.seconds += time.perf_counter() - started
        self.rows += len(rows)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


ROUNDS = 10


def interleaved(
    app: application.KesApplication, baselines: list[RawBaseline], *, events: int
) -> tuple[int, float]:
    """Rounds of kes appends, each followed by the baselines inserting the same rows, so load
    on a shared machine hits both alike. Returns (events written, seconds kes took)."""
    written, seconds, seen = 0, 0.0, 0
    for number in range(ROUNDS):
        started = time.perf_counter()
        written += record_runs(app, events=events // ROUNDS, first=number * 10_000)
        seconds += time.perf_counter() - started
        stored = app.recorder.select_notifications(start=seen + 1, limit=events)
        seen = stored[-1].id
        rows = [
            (UUID(str(n.originator_id)).hex, n.originator_version, n.topic, n.state)
            for n in stored
        ]
        for baseline in baselines:
            baseline.insert(rows)
    return written, seconds


def one_long_history(location: str, *, events: int) -> None:
    app = application.KesApplication(store=location)
    run_id = app.accept_actionset(name="long", namespace="kanister", uid="long",
                                  spec={"actions": plan()}, plan=plan())
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


def postgres_rate(*, events: int) -> float | None:
    """Append rate on the local PostgreSQL (`make postgres`; KES_TEST_POSTGRES_URL), if it runs."""
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
        started = time.perf_counter()
        written = record_runs(app, events=events)
        rate = written / (time.perf_counter() - started)
        app.close()
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true",
                        help="200 events: proves the script runs (the figures mean little)")
    options = parser.parse_args()
    if options.smoke:
        options.events = 200
    with tempfile.TemporaryDirectory() as tmp:
        app = application.KesApplication(store=str(Path(tmp) / "kes.sqlite3"))
        full = RawBaseline(Path(tmp) / "raw_full.db", synchronous="FULL")
        normal = RawBaseline(Path(tmp) / "raw_normal.db", synchronous="NORMAL")
        written, kes_seconds = interleaved(app, [full, normal], events=options.events)
        app.close()
        os.environ["KES_SQLITE_SYNCHRONOUS"] = "FULL"
        app_full = application.KesApplication(store=str(Path(tmp) / "kes_full.sqlite3"))
        full_again = RawBaseline(Path(tmp) / "raw_full2.db", synchronous="FULL")
        written_full, full_seconds = interleaved(app_full, [full_again], events=options.events)
        rate_full = written_full / full_seconds
        app_full.close()
        del os.environ["KES_SQLITE_SYNCHRONOUS"]
        rounds = ROUNDS
        rate = written / kes_seconds
        print(f"append: {written} events in {rounds} interleaved rounds, one use case "
              "(load + command + save) per event")
        print(f"  kes, synchronous=NORMAL (default): {rate:8,.0f} events/s = "
              f"{rate / full.rate:.2f}x raw FULL, {rate / normal.rate:.2f}x raw NORMAL")
        print(f"  kes, synchronous=FULL:             {rate_full:8,.0f} events/s = "
              f"{rate_full / full_again.rate:.2f}x raw FULL (measured alongside)")
        print(f"  raw sqlite3 WAL, synchronous=FULL (SQLite's default): {full.rate:8,.0f} events/s")
        print(f"  raw sqlite3 WAL, synchronous=NORMAL:                  {normal.rate:8,.0f} "
              "events/s")
        pg = postgres_rate(events=options.events)
        if pg is None:
            print("  PostgreSQL: not reachable at 127.0.0.1:5432, skipped")
        else:
            print(f"  kes on PostgreSQL (local):         {pg:8,.0f} events/s")

        long_store = str(Path(tmp) / "long.sqlite3")
        one_long_history(long_store, events=options.events)
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
