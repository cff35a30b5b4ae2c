"""Two controller replicas on one PostgreSQL log and one cluster: the leader fails, the other
takes over, and the log shows that nothing was done twice or by two leaders at once.

Each test starts replica A (it leads) and then replica B, submits 50 ActionSets (25 of two
KubeExec phases and a deferPhase, not idempotent; 25 held in an idempotent Wait), waits until A
is in the middle of phases, and then takes A away: SIGKILL, or a partition (A alive, its API
calls black-holed by a proxy). B must take over and finish every run; restart recovery fails
the interrupted KubeExec phases (and runs their deferPhase) and runs the Wait phases again. The
cluster comes from the `devcluster` fixture, so these tests run on every engine it serves.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import failover_harness as fh
import pytest
import reposerver_harness as rs
import toolcheck
from e2e_harness import ROOT, Kube
from partition_harness import PartitionProxy

from kes import application
from kes.domain import leadership
from kes.functions import registry

pytestmark = [pytest.mark.timeout(900), pytest.mark.tools("postgres")]

COUNT = 50
# Short leases keep the test quick; the benchmark measures Kubernetes' defaults.
DURATION_S, RENEW_S, RETRY_S = 5.0, 3.0, 0.5
LEASE_NAMESPACE = "kes"


@pytest.fixture
def shared_log(request: pytest.FixtureRequest) -> Iterator[str]:
    toolcheck.require(request, "postgres")
    with fh.postgres_schema(toolcheck.POSTGRES_URL) as url:
        yield url


@pytest.fixture
def kubeconfig(request: pytest.FixtureRequest, devcluster: Any) -> Path:
    """The replicas' credentials: the e2e suite's controller credentials (deploy/'s RBAC on a
    real API server) where the suite has them, else the cluster's own."""
    try:
        return Path(request.getfixturevalue("controller_kubeconfig"))
    except pytest.FixtureLookupError:
        return Path(devcluster.kubeconfig)


class Pair:
    """Replicas A and B of one test, the log they share and the test's namespace."""

    def __init__(self, *, kube: Kube, log: str, namespace: str, work: Path) -> None:
        self.kube, self.log, self.namespace, self.work = kube, log, namespace, work
        self.lease_name = f"kes-{uuid.uuid4().hex[:8]}"
        self.replicas: list[fh.Replica] = []

    def replica(self, name: str, kubeconfig: Path) -> fh.Replica:
        replica = fh.Replica(
            name=name, kubeconfig=kubeconfig, store=self.log, log=self.work / f"{name}.log",
            lease=fh.lease_flags(name=self.lease_name, namespace=LEASE_NAMESPACE,
                                 duration=f"{DURATION_S:g}s", renew=f"{RENEW_S:g}s",
                                 retry=f"{RETRY_S:g}s"),
            extra=["-n", self.namespace, "--workers", "4"])
        self.replicas.append(replica)
        replica.start()
        return replica

    def app(self) -> application.KesApplication:
        return application.KesApplication(store=self.log, create=False)

    def lease(self) -> dict[str, Any]:
        result = self.kube.run("get", "lease", self.lease_name, "-n", LEASE_NAMESPACE, "-o",
                               "json")
        return dict(json.loads(result.stdout)["spec"])

    def submit(self) -> dict[str, str]:
        """50 ActionSets, half of each Blueprint; name → Blueprint."""
        names = {f"{bp}-{i:02d}": bp for i in range(COUNT // 2) for bp in ("exec", "hold")}
        self.kube.apply([fh.actionset(name, self.namespace, blueprint=bp)
                         for name, bp in names.items()])
        return names

    def ended(self) -> dict[str, str] | None:
        """Every ActionSet's state once all have ended (finalizer gone), else None."""
        items = json.loads(self.kube.run("get", "actionsets", "-n", self.namespace, "-o",
                                         "json").stdout)["items"]
        states = {}
        for item in items:
            state = (item.get("status") or {}).get("state")
            if state not in ("complete", "failed") or "kes.io/run-recorded" in (
                    item["metadata"].get("finalizers") or []):
                return None
            states[item["metadata"]["name"]] = state
        return states if len(states) == COUNT else None

    def stop(self) -> None:
        for replica in self.replicas:
            replica.stop()


@pytest.fixture
def pair(kube: Kube, shared_log: str, namespace: str, tmp_path: Path) -> Iterator[Pair]:
    kube.apply([{"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": LEASE_NAMESPACE}}])
    kube.apply(ROOT / "deploy" / "crds")  # as deploy/ installs them (the leader updates them)
    kube.apply(fh.workload(namespace))
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=120s")
    found = Pair(kube=kube, log=shared_log, namespace=namespace, work=tmp_path)
    try:
        yield found
    finally:
        found.stop()


def _runs(app: application.KesApplication) -> dict[str, Any]:
    return {run.name: run for run in (app.run(i) for i in app.list_runs(terminal=None))}


def _mid_phase(pair: Pair) -> bool:
    """Every hold run waits in its Wait phase and some exec run is in a KubeExec phase."""
    app = pair.app()
    try:
        runs = _runs(app)
    finally:
        app.close()
    holding = [r for n, r in runs.items() if n.startswith("hold-") and r.running_phases()]
    executing = [r for n, r in runs.items() if n.startswith("exec-") and r.running_phases()]
    return len(holding) == COUNT // 2 and bool(executing)


def _check_runs(pair: Pair, submitted: dict[str, str]) -> list[dict[str, Any]]:
    """Every run ended; no phase completed twice unless its function is idempotent; every
    hold run recovered its Wait and completed. The runs' events, all of them."""
    states = fh.wait_for(pair.ended, timeout=600, what="every ActionSet to end")
    assert all(states[name] == "complete" for name in submitted if name.startswith("hold-"))
    app = pair.app()
    try:
        events = []
        interrupted = Counter[str]()
        for name, run in _runs(app).items():
            records = app.history(run.id)
            events.extend(records)
            completed = Counter(
                r["data"]["phase_name"] for r in records if r["type"] == "PhaseCompleted")
            for phase_name, count in completed.items():
                phase = run.actions[0].phase(phase_name)
                idempotent = registry.is_idempotent(
                    registry.lookup(phase.function, ""), phase.plan.args)
                assert count == 1 or idempotent, f"{name}: {phase_name} completed {count} times"
            interrupted[submitted[name]] += sum(r["type"] == "PhaseInterrupted" for r in records)
            assert run.is_terminal, name
    finally:
        app.close()
    # The kill or the partition came in the middle of phases of both kinds.
    assert interrupted["hold"] >= COUNT // 2 and interrupted["exec"] >= 1, interrupted
    verified = subprocess.run(
        [sys.executable, "-m", "kes.cli", "history", "list", "-n", pair.namespace, "--verify",
         "--store", pair.log], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert verified.returncode == 0, verified.stderr
    assert f"Hash chains verified: {COUNT} runs." in verified.stderr
    return events


def _chain(pair: Pair) -> list[dict[str, Any]]:
    app = pair.app()
    try:
        return app.history(leadership.Leadership.id_for())
    finally:
        app.close()


def _time(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_a_killed_leaders_runs_are_finished_by_the_other_replica(
    pair: Pair, kubeconfig: Path
) -> None:
    a = pair.replica("a", kubeconfig)
    fh.wait_for(a.leads, timeout=60, what="replica a to lead")
    b = pair.replica("b", kubeconfig)
    fh.wait_for(b.ready, timeout=60, what="replica b to be ready as a follower")
    assert not b.leads() and b.metric("kes_leader") == 0.0 and a.metric("kes_leader") == 1.0
    submitted = pair.submit()
    fh.wait_for(lambda: _mid_phase(pair), timeout=120, what="replica a to be mid-phase")
    a.kill()
    killed_at = time.time()
    pair.kube.apply([fh.release(pair.namespace)])
    events = _check_runs(pair, submitted)
    assert b.leads() and b.metric("kes_leader") == 1.0
    chain = _chain(pair)
    taken = [r for r in chain if r["type"] == "LeadershipTaken"]
    assert [r["data"]["lease"] for r in taken] == [f"{LEASE_NAMESPACE}/{pair.lease_name}"] * 2
    identity_b = b.readyz()["identity"]
    assert taken[-1]["data"]["holder"] == identity_b
    assert not [r for r in chain if r["type"] == "LeadershipEnded"]  # a had no chance
    # B's recovery: every interrupted phase was recorded by B, in its term, after the kill.
    term_b = _time(taken[-1]["time"])
    assert term_b > killed_at
    recovered = [e for e in events if e["type"] == "PhaseInterrupted"]
    assert recovered and all(_time(e["time"]) > term_b for e in recovered)
    assert pair.lease()["holderIdentity"] == identity_b


def test_a_partitioned_leader_stops_before_the_other_replica_starts(
    pair: Pair, kubeconfig: Path, devcluster: Any, tmp_path: Path
) -> None:
    proxy = PartitionProxy(target_port=int(devcluster.port))
    try:
        a = pair.replica("a", proxy.kubeconfig(kubeconfig, tmp_path / "a-kubeconfig"))
        fh.wait_for(a.leads, timeout=60, what="replica a to lead")
        b = pair.replica("b", kubeconfig)
        fh.wait_for(b.ready, timeout=60, what="replica b to be ready as a follower")
        identity_a, identity_b = a.readyz()["identity"], b.readyz()["identity"]
        submitted = pair.submit()
        fh.wait_for(lambda: _mid_phase(pair), timeout=120, what="replica a to be mid-phase")
        proxy.cut()
        pair.kube.apply([fh.release(pair.namespace)])
        events = _check_runs(pair, submitted)
        assert a.process is not None and a.process.poll() is None  # alive all along
        assert not a.leads() and b.leads()

        # The proof, from the log and the Lease: a recorded that it had stopped, under its own
        # term's fence (so no newer term existed yet), and only then did b's term begin.
        chain = _chain(pair)
        kinds = [(r["type"], r["data"].get("holder")) for r in chain]
        assert kinds[-3:] == [("LeadershipTaken", identity_a), ("LeadershipEnded", identity_a),
                              ("LeadershipTaken", identity_b)]
        ended, taken_b = chain[-2], chain[-1]
        assert ended["data"]["reason"] == (
            f"the Lease was not renewed within the renew deadline ({RENEW_S:g}s)")
        stopped_at = _time(ended["data"]["stopped_at"])
        assert proxy.cut_at is not None
        assert stopped_at - proxy.cut_at <= RENEW_S  # measured from its last renewal
        lease = pair.lease()
        assert lease["holderIdentity"] == identity_b
        assert stopped_at < _time(ended["time"]) < _time(lease["acquireTime"])
        assert _time(lease["acquireTime"]) < _time(taken_b["time"])
        # Nothing was recorded between a's stop and b's term: a did no more work.
        assert not [e for e in events
                    if stopped_at <= _time(e["time"]) < _time(taken_b["time"])]
        messages = [line.get("message", "") for line in a.log_lines()]
        assert any(m.startswith("Stopped working (term 1): the Lease was not renewed")
                   for m in messages), messages[-20:]

        # Healed, a stays a follower: b holds the Lease and keeps renewing it.
        proxy.heal()
        fh.wait_for(lambda: a.readyz().get("holder") == identity_b, timeout=60,
                    what="replica a to see b as the holder")
        assert not a.leads() and b.leads()
    finally:
        proxy.stop()


def _server_history(pair: Pair, name: str) -> list[dict[str, Any]]:
    app = pair.app()
    try:
        found = app.find(kind="repositoryserver", namespace=pair.namespace, name=name)
        return [] if found is None else app.history(found)
    finally:
        app.close()


def test_only_the_leader_reconciles_repositoryservers_and_the_next_leader_takes_over(
    pair: Pair, kubeconfig: Path
) -> None:
    """A RepositoryServer whose Secrets are missing fails its set-up (no kopia involved), by
    the leader; after a SIGKILL, only the new leader's term reconciles the next one."""
    a = pair.replica("a", kubeconfig)
    fh.wait_for(a.leads, timeout=60, what="replica a to lead")
    b = pair.replica("b", kubeconfig)
    fh.wait_for(b.ready, timeout=60, what="replica b to be ready as a follower")
    pair.kube.apply([rs.repositoryserver("before", pair.namespace)])
    failed = rs.wait_progress(pair.kube, "before", pair.namespace, "Failed")
    assert [(c["type"], c["reason"]) for c in failed["conditions"]] == [
        ("ServerSetup", "KopiaRepositoryServerSetupFailed")]
    a.kill()
    killed_at = time.time()
    before = _server_history(pair, "before")
    # The set-up was requested once and recorded before the kill (in a's term).
    assert [r["type"] for r in before].count("ServerSetupRequested") == 1, before
    assert all(_time(r["time"]) < killed_at for r in before)

    pair.kube.apply([rs.repositoryserver("after", pair.namespace)])
    rs.wait_progress(pair.kube, "after", pair.namespace, "Failed")
    assert b.leads()
    taken = [r for r in _chain(pair) if r["type"] == "LeadershipTaken"]
    assert taken[-1]["data"]["holder"] == b.readyz()["identity"]
    # Everything about it was recorded in b's term: a follower that reconciled would have
    # recorded it as soon as it was applied, before b's term began.
    after = _server_history(pair, "after")
    assert after and all(_time(r["time"]) > _time(taken[-1]["time"]) for r in after)
