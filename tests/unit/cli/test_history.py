"""`kes history` against a real store file: timeline, JSON, verify, --at, --follow, errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import pytest
import yaml
from click.testing import CliRunner

from kes import application
from kes.cli import main

PLAN: list[dict[str, Any]] = [{
    "name": "backup", "blueprint": "bp",
    "phases": [{"name": "dump", "function": "KubeTask", "args": {}},
               {"name": "check", "function": "KubeExec", "args": {}},
               {"name": "cleanup", "function": "KubeTask", "args": {}, "defer": True}],
}]


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "store.sqlite3")


def record_failed_run(location: str) -> UUID:
    app = application.KesApplication(store=location)
    try:
        run_id = app.accept_actionset(
            name="nightly", namespace="prod", uid="uid-n", spec={}, plan=PLAN
        )
        app.start_action(run_id, action_index=0)
        app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask",
                        args={"command": ["mysqldump"]})
        app.complete_phase(run_id, action_index=0, phase_name="dump",
                           output={"path": "s3://b/k"}, duration_s=2.25)
        app.start_phase(run_id, action_index=0, phase_name="check", function="KubeExec", args={})
        app.fail_phase(run_id, action_index=0, phase_name="check", error="exit code 2",
                       log_tail=["checking", "mismatch"])
        app.start_phase(run_id, action_index=0, phase_name="cleanup", function="KubeTask",
                        args={})
        app.complete_phase(run_id, action_index=0, phase_name="cleanup", output=None,
                           duration_s=0.5)
        app.fail_action(run_id, action_index=0, error="")
        app.fail_run(run_id)
    finally:
        app.close()
    return run_id


def history(*args: str) -> Any:
    return CliRunner().invoke(main.cli, ["history", *args])


def test_the_timeline_tells_the_run(store: str) -> None:
    record_failed_run(store)
    result = history("actionset", "nightly", "-n", "prod", "--store", store)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "ActionSetAccepted" in lines[0] and "dump → check, deferPhase cleanup" in lines[0]
    completed = next(line for line in lines if "PhaseCompleted" in line)
    assert "backup/dump" in completed and "took 2.25 s" in completed and "s3://b/k" in completed
    failed = next(line for line in lines if "PhaseFailed" in line)
    assert "backup/check" in failed and "FAILED: exit code 2" in failed
    assert any(line.endswith("| mismatch") for line in lines)
    assert "ActionSetFailed" in lines[-1]
    defer = next(line for line in lines if "cleanup" in line and "PhaseStarted" in line)
    assert "backup/cleanup (defer)" in defer


def test_json_lines_have_a_stable_shape(store: str) -> None:
    run_id = record_failed_run(store)
    result = history("actionset", "nightly", "-n", "prod", "--store", store, "--json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["version"] for r in records] == list(range(1, 11))
    assert all(set(r) == {"id", "version", "time", "type", "topic", "schema_version", "digest",
                          "data"} for r in records)
    assert records[0]["topic"] == "kes.domain.actionset_events:ActionSetAccepted"
    assert records[0]["id"] == str(run_id)
    assert records[5]["type"] == "PhaseFailed"
    assert records[5]["data"]["log_tail"] == ["checking", "mismatch"]


def test_verify_passes_then_names_the_tampered_event(store: str) -> None:
    record_failed_run(store)
    ok = history("actionset", "nightly", "-n", "prod", "--store", store, "--verify")
    assert ok.exit_code == 0 and "verified: 10 events" in ok.output
    with sqlite3.connect(store) as db:
        db.execute(
            "UPDATE stored_events SET state=replace(state, 'exit code 2', 'exit code 0') "
            "WHERE originator_version=6"
        )
    db.close()
    broken = history("actionset", "nightly", "-n", "prod", "--store", store, "--verify")
    assert broken.exit_code == 1
    assert "Event 6 (PhaseFailed) breaks the hash chain" in broken.output


def test_verify_with_an_anchor_sees_a_truncated_log(store: str) -> None:
    run_id = record_failed_run(store)
    app = application.KesApplication(store=store)
    anchor = app.history(run_id)[-1]["digest"]
    app.close()
    args = ["actionset", "nightly", "-n", "prod", "--store", store, "--verify"]
    assert history(*args, "--anchor", anchor).exit_code == 0
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM stored_events WHERE originator_version >= 9")
    db.close()
    assert history(*args).exit_code == 0  # the log alone cannot tell
    truncated = history(*args, "--anchor", anchor)
    assert truncated.exit_code == 1 and "last events were removed" in truncated.output


def test_at_shows_the_status_as_it_was(store: str) -> None:
    run_id = record_failed_run(store)
    app = application.KesApplication(store=store)
    events = app.events_of(run_id)
    app.close()
    after_dump = events[3].timestamp.isoformat()
    result = history("actionset", "nightly", "-n", "prod", "--store", store, "--at", after_dump)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["state"] == "running"
    assert [p["state"] for p in shown["actions"][0]["phases"]] == ["complete", "pending"]
    before = (events[0].timestamp - dt.timedelta(seconds=5)).isoformat()
    too_early = history("actionset", "nightly", "-n", "prod", "--store", store, "--at", before)
    assert too_early.exit_code == 1 and "not recorded yet" in too_early.output
    bad = history("actionset", "nightly", "-n", "prod", "--store", store, "--at", "yesterday")
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    as_yaml = history("actionset", "nightly", "-n", "prod", "--store", store, "--at", after_dump,
                      "-o", "yaml")
    assert as_yaml.exit_code == 0, as_yaml.output
    assert yaml.safe_load(as_yaml.output) == shown


def test_an_export_replays_with_kes_replay(store: str, tmp_path: Path) -> None:
    record_failed_run(store)
    target = tmp_path / "nightly.jsonl"
    exported = history("actionset", "nightly", "-n", "prod", "--store", store,
                       "--export", str(target))
    assert exported.exit_code == 0, exported.output
    assert json.loads((tmp_path / "nightly.status.json").read_text())["state"] == "failed"
    assert len(target.read_text().splitlines()) == 10
    replayed = CliRunner().invoke(main.cli, ["replay", str(target)])
    assert replayed.exit_code == 0, replayed.output
    assert "10 events, chain verified, status as recorded" in replayed.output


def test_an_unknown_name_is_a_message_and_exit_1(store: str) -> None:
    record_failed_run(store)
    result = history("actionset", "nightly", "--store", store)  # wrong namespace
    assert result.exit_code == 1
    assert 'No ActionSet "nightly" in namespace "default"' in result.output


def test_a_missing_store_is_a_message_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "store.sqlite3"
    result = history("actionset", "x", "--store", str(missing))
    assert result.exit_code == 1 and "No event log at" in result.output
    assert not missing.parent.exists()


def test_the_store_comes_from_kes_store(store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    record_failed_run(store)
    monkeypatch.setenv("KES_STORE", store)
    assert history("actionset", "nightly", "-n", "prod", "--verify").exit_code == 0


def test_repositoryserver_history(store: str) -> None:
    app = application.KesApplication(store=store)
    server_id = app.register_repositoryserver(name="repo", namespace="kanister", uid="rs")
    app.server_command(server_id, lambda s: s.request_setup())
    app.fail_repositoryserver(server_id, condition="ServerSetup", message="secret missing")
    app.close()
    result = history("repositoryserver", "repo", "-n", "kanister", "--store", store)
    assert result.exit_code == 0
    assert ("FAILED ServerSetup (KopiaRepositoryServerSetupFailed) after 0.00 s: secret missing"
            in result.output)


def test_repositoryserver_history_shows_commands_durations_and_secret_forms(store: str) -> None:
    app = application.KesApplication(store=store)
    server_id = app.register_repositoryserver(name="repo", namespace="kanister", uid="rs2",
                                              spec={"repository": {"rootPath": "/r/"}})
    app.server_command(server_id, lambda s: s.request_setup(reason="created"))
    app.server_command(server_id, lambda s: s.record_secrets_read(
        forms={"storage": "design-document", "credentials": "kanister"}, versions={},
        location_type="filestore", credential_kind="filestore", hostnames=["host-a"]))
    app.server_command(server_id, lambda s: s.record_setup(pod_name="p", service_name="s",
                                                           duration_s=1.5))
    app.server_command(server_id, lambda s: s.record_command(
        step="RepositoryConnected", command="kopia --password=<****> repository connect",
        ok=False, duration_s=0.25, detail="ERROR invalid repository password"))
    app.close()
    result = history("repositoryserver", "repo", "-n", "kanister", "--store", store)
    assert result.exit_code == 0
    out = result.output
    assert "registered kanister/repo (rootPath '/r/')" in out
    assert "set-up starts: created" in out
    assert "storage location in the design-document form (filestore)" in out
    assert "True in 1.50 s (pod p, service s)" in out
    assert ("RepositoryConnected      FAILED in 0.25 s: kopia --password=<****> repository "
            "connect") in out
    assert "| ERROR invalid repository password" in out


def _lines(stream: IO[str]) -> queue.Queue[str]:
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            found.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return found


def _wait_for(lines: queue.Queue[str], text: str, *, seconds: float = 30) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            break
        if text in seen[-1]:
            return seen
    raise AssertionError(f"{text!r} not printed in {seconds} s; got {seen!r}")


@contextlib.contextmanager
def following(store: str) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kes.cli", "history", "actionset", "live", "-n", "ns", "--follow"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "KES_STORE": store, "PYTHONPATH": str(Path.cwd())},
    )
    assert process.stdout is not None
    try:
        yield process, _lines(process.stdout)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stdout.close()


def test_follow_prints_new_events_until_the_run_ends(store: str) -> None:
    app = application.KesApplication(store=store)
    run_id = app.accept_actionset(name="live", namespace="ns", uid="uid-l", spec={}, plan=PLAN)
    app.start_action(run_id, action_index=0)
    try:
        with following(store) as (process, lines):
            _wait_for(lines, "ActionStarted")
            app.start_phase(
                run_id, action_index=0, phase_name="dump", function="KubeTask", args={}
            )
            _wait_for(lines, "PhaseStarted")
            app.fail_phase(run_id, action_index=0, phase_name="dump", error="gone")
            app.fail_action(run_id, action_index=0, error="")
            app.fail_run(run_id)
            _wait_for(lines, "ActionSetFailed")
            assert process.wait(timeout=30) == 0
    finally:
        app.close()


def test_an_unreachable_postgres_store_is_a_message_without_the_password() -> None:
    result = history("actionset", "x", "--store", "postgresql://kes:hunter2@127.0.0.1:1/kes")
    assert result.exit_code == 1
    assert "Cannot open the event log at postgresql://kes@127.0.0.1:1/kes" in result.output
    assert "hunter2" not in result.output


def test_list_shows_runs_from_the_log_and_prune_removes_them(store: str) -> None:
    record_failed_run(store)
    table = history("list", "-n", "prod", "--store", store)
    assert table.exit_code == 0, table.output
    header, row = table.output.splitlines()
    assert header.split()[:5] == ["NAMESPACE", "NAME", "STATE", "BLUEPRINT", "ACTION"]
    assert row.split()[:5] == ["prod", "nightly", "failed", "bp", "backup"]
    assert row.split()[-1] == "backup/check"
    wide = history("list", "-A", "-o", "wide", "--store", store)
    assert "exit code 2" in wide.output and "RETRY OF" in wide.output
    data = json.loads(history("list", "-A", "-o", "json", "--store", store).output)
    assert data[0]["failedPhase"] == "backup/check" and data[0]["events"] == 10
    nothing = history("list", "--store", store)  # namespace "default"
    assert 'No runs recorded in namespace "default".' in nothing.output
    assert "No runs recorded in any namespace." in history(
        "list", "-A", "--state", "complete", "--store", store).output
    assert history("list", "-A", "--since", "soon", "--store", store).exit_code == 2

    dry = history("prune", "--older-than", "0s", "--dry-run", "--store", store)
    assert dry.exit_code == 0, dry.output
    assert "Would remove prod/nightly (failed" in dry.output
    assert "1 runs would be removed" in dry.output
    done = history("prune", "--older-than", "0s", "--store", store)
    assert "Removed prod/nightly" in done.output and "(10 events)" in done.output
    assert history("list", "-A", "-o", "json", "--store", store).output.strip() == "[]"
