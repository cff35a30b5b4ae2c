"""Store faults: the SQLite write-ahead log truncated at random points, a full disk, PostgreSQL
restarted under load. The controller refuses to go on with a clear message, or recovers to the
last committed event; a loss the cluster can see (a status ahead of the log) is reported.
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chaos_checks as checks
import chaos_harness as ch
import pytest
import reliability_report
import simple_runs
import toolcheck

from kes import application

pytestmark = pytest.mark.timeout(1800 if ch.full() else 300)


def _records(store: str) -> dict[Any, list[str]]:
    """Every aggregate's digests, in order."""
    app = application.KesApplication(store=store, create=False)
    try:
        found = {}
        for kind in ("actionset", "repositoryserver"):
            for item in app.recorded(kind=kind, namespace=None):
                run_id = app.find(kind=kind, namespace=item.namespace, name=item.name)
                assert run_id is not None
                found[run_id] = [r["digest"] for r in app.export(run_id)]
        return found
    finally:
        app.close()


def _run_all(kube: ch.Kube, work: Path, *, runs: int) -> tuple[str, str, list[str]]:
    counts = work / "counts"
    namespace = simple_runs.setup(kube, counts)
    store = str(work / "store.sqlite3")
    controller = ch.Controller(kubeconfig=kube.kubeconfig, store=store,
                               log=work / "controller.log", namespaces=(namespace,))
    controller.start()
    names = [f"run-{i}" for i in range(runs)]
    kube.apply([simple_runs.actionset(name, namespace) for name in names])
    for name in names:
        ch.wait_for(lambda name=name: kube.ended("actionset", name, namespace), timeout=180,
                    what=f"{name} to end")
    # kill -9: nothing is checkpointed, the write-ahead log keeps the recent commits.
    assert controller.process is not None
    controller.process.kill()
    controller.process.wait()
    return namespace, store, names


def test_a_truncated_write_ahead_log_recovers_to_its_last_commit(
    chaos_kube: ch.Kube, tmp_path: Path
) -> None:
    namespace, made, names = _run_all(chaos_kube, tmp_path / "made", runs=3)
    # Kept aside before anything opens it (closing the last connection checkpoints the log).
    pristine = tmp_path / "pristine"
    pristine.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy(made + suffix, pristine / f"store.sqlite3{suffix}")
    store = str(pristine / "store.sqlite3")
    wal = Path(store + "-wal")
    size = wal.stat().st_size
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    original = _records(str(reference / "store.sqlite3"))
    assert size > 32 * 1024, "the write-ahead log holds the runs"
    rng = random.Random(16)
    offsets = sorted({0, 31, 32, size - 1, *(rng.randrange(size) for _ in range(
        200 if ch.full() else 12))})
    outcomes = {"opened": 0, "refused": 0, "events lost": 0, "bad prefix": 0}
    worst = 0
    middle: Path | None = None
    for offset in offsets:
        copy = tmp_path / f"cut-{offset}"
        copy.mkdir()
        shutil.copy(store, copy / "store.sqlite3")
        with (copy / "store.sqlite3-wal").open("wb") as out, wal.open("rb") as src:
            out.write(src.read(offset))
        try:
            survived = _records(str(copy / "store.sqlite3"))
        except application.StoreUnavailableError as exc:
            assert "holds no events table" in str(exc) or "Cannot open" in str(exc), exc
            outcomes["refused"] += 1
            continue
        outcomes["opened"] += 1
        lost = 0
        for run_id, digests in original.items():
            kept = survived.get(run_id, [])
            if kept != digests[:len(kept)]:
                outcomes["bad prefix"] += 1
            lost += len(digests) - len(kept)
        outcomes["events lost"] += lost
        worst = max(worst, lost)
        verify = ch.kes("history", "list", "-A", store=str(copy / "store.sqlite3"))
        assert verify.returncode == 0, verify.stderr
        if middle is None and 0 < lost < sum(len(d) for d in original.values()):
            middle = copy
    reliability_report.record("store-faults", {
        "fault": "SQLite WAL truncated at random offsets", "trials": len(offsets),
        "held": outcomes["bad prefix"] == 0,
        "detail": f"{outcomes['opened']} opened with every chain an exact prefix of the "
                  f"original, {outcomes['refused']} refused with a message; at most {worst} of "
                  f"{sum(len(d) for d in original.values())} events lost from the cut tail"})
    assert outcomes["bad prefix"] == 0, outcomes

    # The controller on a cut log: the cluster shows runs ended that the log has not; it says
    # so for each, and runs the ones it still has to their end.
    assert middle is not None
    cut_store = str(middle / "store.sqlite3")
    log = middle / "controller.log"
    controller = ch.Controller(kubeconfig=chaos_kube.kubeconfig, store=cut_store, log=log,
                               namespaces=(namespace,))
    controller.start()
    try:
        survived = _records(cut_store)
        app = application.KesApplication(store=cut_store, create=False)
        try:
            present = {name: app.find(kind="actionset", namespace=namespace, name=name)
                       for name in names}
        finally:
            app.close()
        for name in names:
            run_id = present[name]
            if run_id is not None and len(survived[run_id]) == len(original[run_id]):
                continue  # nothing of this run was lost
            ch.wait_for(lambda name=name: f"{namespace}/{name} shows state" in log.read_text(),
                        timeout=60, what=f"the controller to report the loss of {name}")
            if run_id is None:
                continue
            state, problems = checks.run_problems(chaos_kube, namespace=namespace, name=name,
                                                  store=cut_store)
            # Events from the lost entries stay in the cluster beside the new ones.
            problems = [p for p in problems if not p.startswith("Kubernetes Events")]
            assert not problems, (name, state, problems)
    finally:
        controller.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 768 KiB tmpfs (root only: CI and the lead's machine run as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=768k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_controller_with_a_clear_message_and_a_restart_recovers(
    chaos_kube: ch.Kube, tmp_path: Path, small_disk: Path
) -> None:
    counts = tmp_path / "counts"
    namespace = simple_runs.setup(chaos_kube, counts)
    store = str(small_disk / "store.sqlite3")
    log = tmp_path / "controller.log"
    controller = ch.Controller(kubeconfig=chaos_kube.kubeconfig, store=store, log=log,
                               namespaces=(namespace,))
    controller.start()
    # Fill the disk around the store, leaving room for a few runs only.
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(0, free - 96 * 1024))
    names = [f"fill-{i}" for i in range(40)]
    chaos_kube.apply([simple_runs.actionset(name, namespace) for name in names])
    ch.wait_for(controller.exited, timeout=180, what="the controller to stop on a full disk")
    assert controller.process is not None
    assert controller.process.returncode == 3
    text = log.read_text()
    assert "Cannot record events in the event log at" in text
    assert "database or disk is full" in text
    assert "Stopping the controller: it cannot record what it does." in text
    # What was recorded is whole: every history still verifies.
    listed = ch.kes("history", "actionset", "-n", namespace, store=store)
    assert listed.returncode == 0, listed.stderr
    for line in listed.stdout.splitlines()[1:]:
        name = line.split()[0]
        verified = ch.history("actionset", name, namespace, "--verify", store=store)
        assert verified.returncode == 0, verified.stderr
    # Room again: a restart resumes every run from its last recorded event.
    filler.unlink()
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    restarted = ch.Controller(kubeconfig=chaos_kube.kubeconfig, store=store, log=log,
                              namespaces=(namespace,))
    restarted.start()
    try:
        problems = {}
        for name in names:
            state, found = checks.run_problems(
                chaos_kube, namespace=namespace, name=name, store=store,
                runs_of=lambda phase, name=name: simple_runs.phase_counts(counts, name)[phase],
                phases=(*simple_runs.PHASES, simple_runs.DEFER),
                reruns={simple_runs.DEFER})
            if found:
                problems[name] = (state, found)
        reliability_report.record("store-faults", {
            "fault": "disk full (768 KiB tmpfs)", "trials": len(names),
            "held": not problems,
            "detail": "the controller stopped with exit code 3 and the message; every history "
                      f"verified; after a restart {len(names) - len(problems)} of {len(names)} "
                      "runs ended consistent"})
        assert not problems, problems
    finally:
        restarted.stop()


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of this test's own (the shared one serves other test runs)."""

    bin_dir: str
    data: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://kes@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [f"{self.bin_dir}/postgres", "-D", str(self.data),
             "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
             "-c", f"unix_socket_directories={self.data}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, user="postgres",
            group="postgres", extra_groups=[], env={"LANG": "C.UTF-8"})
        ch.wait_for(self.answers, timeout=60, what="the private PostgreSQL to answer")

    def answers(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def stop(self) -> None:
        """A fast shutdown (SIGINT): sessions are cut, as by `pg_ctl restart -m fast`."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=60)


@pytest.fixture
def private_postgres(request: pytest.FixtureRequest) -> Iterator[PrivatePostgres]:
    toolcheck.require(request, "postgres-server")
    bin_dir = toolcheck.postgres_server_bin()
    assert bin_dir is not None
    if os.geteuid() != 0:
        pytest.skip("running a server as the postgres user needs root")
    # Outside pytest's private temporary directory, which the postgres user cannot enter.
    home = Path(tempfile.mkdtemp(prefix="kes-chaos-pg-"))
    home.chmod(0o755)
    data = home / "pgdata"
    data.mkdir()
    user = pwd.getpwnam("postgres")
    os.chown(data, user.pw_uid, user.pw_gid)
    subprocess.run(["runuser", "-u", "postgres", "--", f"{bin_dir}/initdb", "-D", str(data),
                    "-U", "kes", "--auth=trust"], check=True, capture_output=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = PrivatePostgres(bin_dir=bin_dir, data=data, port=port)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def test_postgres_restarted_under_load(
    chaos_kube: ch.Kube, tmp_path: Path, private_postgres: PrivatePostgres
) -> None:
    store = private_postgres.url
    counts = tmp_path / "counts"
    namespace = simple_runs.setup(chaos_kube, counts)
    controller = ch.Controller(kubeconfig=chaos_kube.kubeconfig, store=store,
                               log=tmp_path / "controller.log", namespaces=(namespace,))
    controller.start()
    names = [f"pg-{i}" for i in range(20 if ch.full() else 8)]
    try:
        chaos_kube.apply([simple_runs.actionset(name, namespace) for name in names])
        ch.wait_for(lambda: sum(bool((chaos_kube.get("actionset", n, namespace) or {}).get(
            "status", {}).get("state") == "running") for n in names) >= len(names) // 2,
            timeout=120, what="half the runs to be running")
        private_postgres.stop()
        private_postgres.start()
        problems = {}
        for name in names:
            state, found = checks.run_problems(
                chaos_kube, namespace=namespace, name=name, store=store,
                runs_of=lambda phase, name=name: simple_runs.phase_counts(counts, name)[phase],
                phases=(*simple_runs.PHASES, simple_runs.DEFER), reruns={simple_runs.DEFER})
            if found:
                problems[name] = (state, found)
        exited = controller.exited()
        reliability_report.record("store-faults", {
            "fault": "PostgreSQL restarted under load (fast shutdown, start again)",
            "trials": len(names), "held": not problems and not exited,
            "detail": f"{len(names) - len(problems)} of {len(names)} runs in flight ended "
                      "consistent, the controller reconnected without a restart"})
        assert not exited, (tmp_path / "controller.log").read_text()[-3000:]
        assert not problems, problems
    finally:
        controller.stop()
