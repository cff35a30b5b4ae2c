"""The application over real stores: use cases, idempotence, conflicts, masking, tampering."""

from __future__ import annotations

import base64
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing import persistence as es_persistence

from kes import application, storage
from kes.domain import actionset, actionset_errors

PLAN: list[dict[str, Any]] = [
    {
        "name": "backup",
        "blueprint": "mysql-bp",
        "object": {"kind": "StatefulSet", "name": "mysql", "namespace": "db"},
        "phases": [
            {"name": "dump", "function": "KubeTask"},
            {"name": "upload", "function": "KubeExec"},
            {"name": "cleanup", "function": "KubeTask", "defer": True},
        ],
    },
    {"name": "other", "blueprint": "mysql-bp", "phases": [{"name": "p", "function": "Wait"}]},
]


@pytest.fixture
def app(store: str) -> Iterator[application.KesApplication]:
    kes = application.KesApplication(store=store)
    yield kes
    kes.close()


def accept(app: application.KesApplication, uid: str = "uid-1") -> Any:
    return app.accept_actionset(name="backup-x", namespace="db", uid=uid, spec={}, plan=PLAN)


def test_a_successful_run_is_recorded_and_reloaded(app: application.KesApplication) -> None:
    run_id = accept(app)
    for index in (0, 1):
        app.start_action(run_id, action_index=index)
    app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    app.complete_phase(
        run_id, action_index=0, phase_name="dump", output={"path": "s3://b/k"}, duration_s=2.0
    )
    app.start_phase(run_id, action_index=0, phase_name="upload", function="KubeExec", args={})
    app.complete_phase(run_id, action_index=0, phase_name="upload", output=None, duration_s=1)
    app.start_phase(run_id, action_index=0, phase_name="cleanup", function="KubeTask", args={})
    app.complete_phase(run_id, action_index=0, phase_name="cleanup", output=None,
                       duration_s=0.5)
    app.render_artifacts(run_id, action_index=0, artifacts={"dump": {"keyValue": {"p": "k"}}})
    app.complete_action(run_id, action_index=0)
    app.start_phase(run_id, action_index=1, phase_name="p", function="Wait", args={})
    app.complete_phase(run_id, action_index=1, phase_name="p", output=None, duration_s=0.1)
    app.complete_action(run_id, action_index=1)
    app.complete_run(run_id)

    reopened = application.KesApplication(store=app.store.location)
    try:
        status = reopened.status(run_id)
        assert status["state"] == "complete"
        assert status["actions"][0]["phases"][0]["output"] == {"path": "s3://b/k"}
        assert status["actions"][0]["artifacts"] == {"dump": {"keyValue": {"p": "k"}}}
        assert reopened.verify(run_id) is None
        assert reopened.run_for("db", "backup-x") == run_id
        assert reopened.list_runs() == []
        assert reopened.list_runs(terminal=True) == [run_id]
    finally:
        reopened.close()


def test_accepting_the_same_uid_twice_keeps_the_first_record(
    app: application.KesApplication,
) -> None:
    first = accept(app)
    app.start_action(first, action_index=0)
    assert accept(app) == first
    assert len(app.stored_records(first)) == 2
    assert app.list_runs() == [first]


def test_a_rejected_actionset_is_failed_with_its_message(app: application.KesApplication) -> None:
    run_id = app.reject_actionset(
        name="bad", namespace="db", uid="uid-bad", spec={}, reason="Blueprint not specified",
        message="Blueprint is not specified for action",
    )
    assert app.status(run_id)["state"] == "failed"
    assert app.status(run_id)["error"] == {"message": "Blueprint is not specified for action"}


def test_the_latest_run_of_a_reused_name_is_found(app: application.KesApplication) -> None:
    accept(app, uid="old")
    newer = accept(app, uid="new")
    assert app.run_for("db", "backup-x") == newer
    assert app.run_for("other-ns", "backup-x") is None


def test_an_unknown_id_is_a_kes_error(app: application.KesApplication) -> None:
    with pytest.raises(application.RunNotFoundError):
        app.run(actionset.ActionSetRun.id_for("missing"))


def test_an_illegal_command_records_nothing(app: application.KesApplication) -> None:
    run_id = accept(app)
    app.start_action(run_id, action_index=0)
    with pytest.raises(actionset_errors.PhaseNotRunningError):
        app.complete_phase(run_id, action_index=0, phase_name="dump", output=None, duration_s=0)
    assert len(app.stored_records(run_id)) == 2


def test_racing_writers_lose_no_event_and_duplicate_none(
    app: application.KesApplication, store: str
) -> None:
    """Two threads, each with its own application, progress one running phase at once."""
    run_id = accept(app)
    app.start_action(run_id, action_index=0)
    app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    per_thread = 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    apps = {label: application.KesApplication(store=store) for label in ("a", "b")}

    def writer(label: str) -> None:
        own = apps[label]
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                own.progress_phase(
                    run_id, action_index=0, phase_name="dump",
                    progress={"writer": label, "n": i},
                )
        except BaseException as error:  # reported below, the thread must not die silently
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=writer, args=(label,)) for label in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    records = app.stored_records(run_id)
    progressed = [r.state["progress"] for r in records if r.topic.endswith("PhaseProgressed")]
    assert len(progressed) == 2 * per_thread
    for label in ("a", "b"):
        assert [p["n"] for p in progressed if p["writer"] == label] == list(range(per_thread))
    assert [r.version for r in records] == list(range(1, len(records) + 1))
    assert app.verify(run_id) is None


def test_the_loser_of_a_race_is_told_when_fresh_state_forbids_its_command(
    app: application.KesApplication, store: str
) -> None:
    """Both writers load the running phase; one completes it; the other then fails to."""
    run_id = accept(app)
    app.start_action(run_id, action_index=0)
    app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    other = application.KesApplication(store=store)
    try:
        stale = other.run(run_id)  # loaded before the winner saved
        app.complete_phase(run_id, action_index=0, phase_name="dump", output=None, duration_s=1)
        stale.complete_phase(action_index=0, phase_name="dump")
        with pytest.raises(es_persistence.IntegrityError):
            other.save(stale)
        with pytest.raises(actionset_errors.PhaseNotRunningError):
            other.complete_phase(
                run_id, action_index=0, phase_name="dump", output=None, duration_s=1
            )
    finally:
        other.close()
    assert len(app.stored_records(run_id)) == 4


def _store_bytes(location: str) -> bytes:
    return b"".join(p.read_bytes() for p in Path(location).parent.glob(Path(location).name + "*"))


def test_no_secret_reaches_the_store_in_any_encoding(tmp_path: Path) -> None:
    secret = "s3cr3t-P@ss"
    binary_secret = b"\x00\xffkey-bytes\x10"
    forms = [
        secret.encode(),
        base64.b64encode(secret.encode()),
        base64.b64encode(binary_secret),
        binary_secret[1:-1],
    ]
    kes = application.KesApplication(store=str(tmp_path / "s.sqlite3"))
    try:
        run_id = accept(kes)
        kes.start_action(run_id, action_index=0)
        secrets: list[str | bytes] = [secret, binary_secret]
        kes.start_phase(
            run_id, action_index=0, phase_name="dump", function="KubeTask", secrets=secrets,
            args={"command": ["sh", "-c", f"PW={secret} mysqldump"],
                  "env": {"B64": base64.b64encode(secret.encode()).decode(),
                          secret: binary_secret.decode("latin-1")}},
        )
        kes.fail_phase(
            run_id, action_index=0, phase_name="dump", secrets=secrets,
            error=f"auth failed for {secret}",
            log_tail=[f"password={secret}", base64.b64encode(binary_secret).decode()],
        )
        kes.start_phase(run_id, action_index=0, phase_name="cleanup", function="KubeTask",
                        args={})
        kes.fail_phase(run_id, action_index=0, phase_name="cleanup", error=secret,
                       secrets=secrets)
        kes.fail_action(run_id, action_index=0, error=secret, secrets=secrets)
        kes.fail_run(run_id, error=f"{secret}!", secrets=secrets)
    finally:
        kes.close()
    stored = _store_bytes(str(tmp_path / "s.sqlite3"))
    assert b"***" in stored
    for form in forms:
        assert form not in stored, form


def test_verify_finds_an_event_changed_in_the_database(tmp_path: Path) -> None:
    location = str(tmp_path / "s.sqlite3")
    kes = application.KesApplication(store=location)
    run_id = accept(kes)
    kes.start_action(run_id, action_index=0)
    kes.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    kes.close()
    with sqlite3.connect(location) as db:
        row = db.execute(
            "SELECT state FROM stored_events WHERE originator_version=2"
        ).fetchone()
        db.execute(
            "UPDATE stored_events SET state=? WHERE originator_version=2",
            (row[0].replace(b'"action_index":0', b'"action_index":1'),),
        )
    db.close()
    kes = application.KesApplication(store=location)
    try:
        broken = kes.verify(run_id)
    finally:
        kes.close()
    assert broken is not None and broken.version == 2
    assert "ActionStarted" in broken.describe()


def test_an_old_schema_payload_in_the_store_is_upcast(tmp_path: Path) -> None:
    """A PhaseFailed stored with schema 1 (one ``log`` string) reads back with ``log_tail``."""
    location = str(tmp_path / "s.sqlite3")
    kes = application.KesApplication(store=location)
    run_id = accept(kes)
    kes.start_action(run_id, action_index=0)
    kes.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    kes.fail_phase(run_id, action_index=0, phase_name="dump", error="boom", log_tail=["x"])
    kes.close()
    old = (
        b'{"originator_id":"%s","originator_version":4,"timestamp":"2026-05-13T10:00:00Z",'
        b'"schema_version":1,"digest":"","action_index":0,"phase_name":"dump",'
        b'"error":"boom","log":"one\\ntwo\\nthree"}' % str(run_id).encode()
    )
    with sqlite3.connect(location) as db:
        db.execute("UPDATE stored_events SET state=? WHERE originator_version=4", (old,))
    db.close()
    kes = application.KesApplication(store=location)
    try:
        run = kes.run(run_id)
    finally:
        kes.close()
    assert run.actions[0].phases[0].log_tail == ["one", "two", "three"]
    assert run.error == "boom"


def test_postgres_urls_map_to_settings_without_leaking_the_password() -> None:
    store = storage.resolve("postgresql://kes:pw%2Fx@db.local:6543/events?schema=kes")
    env = store.eventsourcing_env()
    assert env["POSTGRES_HOST"] == "db.local"
    assert env["POSTGRES_PORT"] == "6543"
    assert env["POSTGRES_PASSWORD"] == "pw/x"
    assert env["POSTGRES_SCHEMA"] == "kes"
    assert "pw" not in store.describe()


def test_the_default_store_is_under_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KES_STORE", raising=False)
    assert storage.resolve().location == str(Path(".kes") / "store.sqlite3")
    monkeypatch.setenv("KES_STORE", "/var/lib/kes/log.db")
    assert storage.resolve().location == "/var/lib/kes/log.db"
    assert storage.resolve("x.db").location == "x.db"


def test_a_command_that_blows_up_leaves_no_trace_in_cache_or_store(
    app: application.KesApplication,
) -> None:
    run_id = accept(app)

    def start_then_crash(run: actionset.ActionSetRun) -> None:
        run.start_action(0)
        raise RuntimeError("crash after deciding")

    with pytest.raises(RuntimeError):
        app.run_command(run_id, start_then_crash)
    assert app.run(run_id).actions[0].state == "pending"
    app.start_action(run_id, action_index=0)
    assert [r.version for r in app.stored_records(run_id)] == [1, 2]


def test_a_writer_with_a_stale_cache_reloads_and_succeeds(
    app: application.KesApplication, store: str
) -> None:
    run_id = accept(app)
    other = application.KesApplication(store=store)
    try:
        other.start_action(run_id, action_index=1)  # caches the run in ``other``
        app.start_action(run_id, action_index=0)  # ``other``'s cache is now stale
        other.start_phase(run_id, action_index=1, phase_name="p", function="Wait", args={})
        assert other.run(run_id).actions[0].state == "running"
    finally:
        other.close()
    assert [r.version for r in app.stored_records(run_id)] == [1, 2, 3, 4]
    assert app.verify(run_id) is None


def test_queries_hand_out_copies(app: application.KesApplication) -> None:
    run_id = accept(app)
    app.run(run_id).start_action(0)
    assert app.run(run_id).actions[0].state == "pending"


def test_after_a_restart_unfinished_runs_and_their_lost_phases_are_found(store: str) -> None:
    before = application.KesApplication(store=store)
    run_id = accept(before)
    done = before.accept_actionset(name="done", namespace="db", uid="uid-done", spec={},
                                   plan=[])
    before.complete_run(done)
    before.start_action(run_id, action_index=0)
    before.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
    before.close()  # the controller dies with "dump" running

    after = application.KesApplication(store=store)
    try:
        assert after.list_runs() == [run_id]
        run = after.run(run_id)
        assert run.running_phases() == [(0, "dump")]
        after.interrupt_phase(run_id, action_index=0, phase_name="dump", reason="restarted",
                              rerun=True)
        after.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask",
                          args={}, attempt=2)
        assert after.run(run_id).actions[0].phases[0].attempt == 2
        assert after.status(run_id)["actions"][0]["phases"][0]["state"] == "running"
    finally:
        after.close()


def test_history_is_plain_data_in_order(app: application.KesApplication) -> None:
    run_id = accept(app)
    app.start_action(run_id, action_index=0)
    records = app.history(run_id)
    assert [(r["version"], r["type"]) for r in records] == [
        (1, "ActionSetAccepted"), (2, "ActionStarted")
    ]
    assert records[1]["data"] == {"action_index": 0}
    assert app.history(run_id, after=1) == records[1:]


@pytest.mark.parametrize(("setting", "expected"), [(None, 1), ("FULL", 2), ("off", 0)])
def test_sqlite_synchronous_follows_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: int
) -> None:
    if setting is None:
        monkeypatch.delenv(storage.SYNCHRONOUS_ENV, raising=False)
    else:
        monkeypatch.setenv(storage.SYNCHRONOUS_ENV, setting)
    kes = application.KesApplication(store=str(tmp_path / "s.sqlite3"))
    try:
        with kes.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone()[0] == expected
    finally:
        kes.close()


def test_a_bad_synchronous_setting_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(storage.SYNCHRONOUS_ENV, "sometimes")
    with pytest.raises(storage.StoreSettingError, match="KES_SQLITE_SYNCHRONOUS"):
        application.KesApplication(store=str(tmp_path / "s.sqlite3"))


def test_a_stale_cache_neither_hides_nor_invents_a_guard_error(
    app: application.KesApplication, store: str
) -> None:
    """``other`` caches the run, then ``app`` moves it on: ``other`` sees it and acts on it."""
    run_id = accept(app)
    other = application.KesApplication(store=store)
    try:
        assert other.status(run_id)["state"] == "pending"  # cached in ``other`` now
        app.start_action(run_id, action_index=0)
        assert other.run(run_id).actions[0].state == "running"  # queries catch up
        app.start_phase(run_id, action_index=0, phase_name="dump", function="KubeTask", args={})
        # The phase started behind its back; the refusing guard is asked again on fresh state.
        other.complete_phase(run_id, action_index=0, phase_name="dump", output=None,
                             duration_s=1.0)
        with pytest.raises(actionset_errors.PhaseNotRunningError):
            other.complete_phase(run_id, action_index=0, phase_name="dump", output=None,
                                 duration_s=1.0)
    finally:
        other.close()
    assert [r.topic.rsplit(":", 1)[-1] for r in app.stored_records(run_id)] == [
        "ActionSetAccepted", "ActionStarted", "PhaseStarted", "PhaseCompleted"
    ]
