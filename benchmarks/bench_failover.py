"""Fail-over of `kes controller run --leader-elect` (issue 15): how long work stops when the
leader goes.

Two replicas share one PostgreSQL log and one local cluster (the kes stand-in, or the real
control plane with ``--engine kubernetes``). Each round uses a fresh Lease, schema and
namespace: replica A leads, replica B follows and is ready, one ActionSet holds in a Wait phase
(idempotent: restart recovery runs it again), and then A is taken away.

A. SIGKILL of A → the first phase the new leader starts (its PhaseStarted event in the log),
   against the Lease duration. Target: < 2× the duration (a killed leader cannot release the
   Lease, so B must wait for it to expire: the floor is 1× plus up to one retry period).
B. A partitioned (alive, its API calls black-holed by a TCP proxy): the time from the cut to
   the stop A records in the log (``LeadershipEnded.stopped_at``), against the renew deadline.
   Target: ≤ the renew deadline. B's first phase after the cut is shown too.

Lease settings: Kubernetes' defaults (15 s, 10 s, 2 s) unless given; ``--smoke`` is one round
of each with a 2 s Lease, to prove the script runs. Needs PostgreSQL (`make postgres`; reported
as skipped when it is not reachable).

Run: python benchmarks/bench_failover.py [--rounds 5] [--engine kes|kubernetes]
         [--lease-duration 15 --renew-deadline 10 --retry-period 2] [--smoke] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests", ROOT / "tests" / "e2e"):
    sys.path.insert(0, str(extra))

import devcluster_harness  # noqa: E402
import failover_harness as fh  # noqa: E402
from e2e_harness import BIN, Kube  # noqa: E402
from partition_harness import PartitionProxy  # noqa: E402

from kes import application  # noqa: E402
from kes.domain import leadership  # noqa: E402

POSTGRES_URL = os.environ.get("KES_TEST_POSTGRES_URL", "postgresql://kes:kes@127.0.0.1:5432/test")


def _time(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Round:
    """One fail-over: a namespace with the workload, a schema, a Lease, replicas A and B."""

    def __init__(self, kube: Kube, kubeconfig: Path, work: Path, lease: tuple[float, ...],
                 store: str) -> None:
        self.kube, self.kubeconfig, self.work, self.store = kube, kubeconfig, work, store
        self.namespace = f"failover-{uuid.uuid4().hex[:8]}"
        duration, renew, retry = lease
        self.flags = fh.lease_flags(
            name=f"kes-{uuid.uuid4().hex[:8]}", namespace=self.namespace,
            duration=f"{duration:g}s", renew=f"{renew:g}s", retry=f"{retry:g}s")
        self.replicas: list[fh.Replica] = []
        kube.apply([{"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": self.namespace}}])
        kube.apply(fh.workload(self.namespace))
        kube.run("rollout", "status", "deployment/app", "-n", self.namespace, "--timeout=120s")

    def replica(self, name: str, kubeconfig: Path | None = None) -> fh.Replica:
        replica = fh.Replica(
            name=name, kubeconfig=kubeconfig or self.kubeconfig, store=self.store,
            log=self.work / f"{self.namespace}-{name}.log", lease=self.flags,
            extra=["-n", self.namespace])
        self.replicas.append(replica)
        replica.start()
        return replica

    def history(self, of: Callable[[application.KesApplication], UUID | None]
                ) -> list[dict[str, Any]]:
        app = application.KesApplication(store=self.store, create=False)
        try:
            found = of(app)
            return [] if found is None else list(app.history(found))
        finally:
            app.close()

    def run_events(self) -> list[dict[str, Any]]:
        """The held ActionSet's run ([] until the leader has accepted it)."""
        def the_run(app: application.KesApplication) -> UUID | None:
            runs = app.list_runs(terminal=None)
            return runs[0] if runs else None
        return self.history(the_run)

    def chain(self) -> list[dict[str, Any]]:
        return self.history(lambda _app: leadership.Leadership.id_for())

    def hold(self, a: fh.Replica) -> None:
        """A leads, B follows, and A's run of the ActionSet sits in its Wait phase."""
        fh.wait_for(a.leads, timeout=60, what="replica a to lead")
        b = self.replica("b")
        fh.wait_for(b.ready, timeout=60, what="replica b to be ready as a follower")
        self.kube.apply([fh.actionset("held", self.namespace, blueprint="hold")])
        fh.wait_for(lambda: [e for e in self.run_events() if e["type"] == "PhaseStarted"],
                    timeout=60, what="replica a to start the Wait phase")

    def first_phase_after(self, moment: float) -> float:
        """When the new leader started its first phase after ``moment`` (epoch seconds)."""
        def started() -> float | None:
            times = [_time(e["time"]) for e in self.run_events()
                     if e["type"] == "PhaseStarted" and _time(e["time"]) > moment]
            return min(times) if times else None
        return float(fh.wait_for(started, timeout=120, what="the new leader's first phase"))

    def close(self) -> None:
        for replica in self.replicas:
            replica.stop()
        self.kube.run("delete", "namespace", self.namespace, "--wait=false", check=False)


def killed(kube: Kube, kubeconfig: Path, work: Path, lease: tuple[float, ...], store: str
           ) -> float:
    """Seconds from SIGKILL of the leader to the new leader's first phase."""
    one = Round(kube, kubeconfig, work, lease, store)
    try:
        a = one.replica("a")
        one.hold(a)
        a.kill()
        at = time.time()
        return one.first_phase_after(at) - at
    finally:
        one.close()


def partitioned(kube: Kube, kubeconfig: Path, work: Path, lease: tuple[float, ...], store: str,
                port: int) -> tuple[float, float]:
    """Seconds from the cut to the partitioned leader's recorded stop, and to the new leader's
    first phase."""
    one = Round(kube, kubeconfig, work, lease, store)
    proxy = PartitionProxy(target_port=port)
    try:
        a = one.replica("a", proxy.kubeconfig(kubeconfig, work / f"{one.namespace}-a.kubeconfig"))
        one.hold(a)
        proxy.cut()
        assert proxy.cut_at is not None
        cut = proxy.cut_at
        first = one.first_phase_after(cut) - cut
        ended = [e for e in one.chain() if e["type"] == "LeadershipEnded"]
        if not ended:
            raise AssertionError("the partitioned leader recorded no stop")
        stopped = _time(ended[-1]["data"]["stopped_at"]) - cut
        if stopped > first:
            raise AssertionError(f"the new leader started {first:.2f} s after the cut, "
                                 f"before the old one stopped ({stopped:.2f} s)")
        return stopped, first
    finally:
        proxy.stop()
        one.close()


def _schema() -> Any:
    return fh.postgres_schema(POSTGRES_URL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engine", choices=devcluster_harness.ENGINES, default="kes")
    parser.add_argument("--lease-duration", type=float, default=15.0)
    parser.add_argument("--renew-deadline", type=float, default=10.0)
    parser.add_argument("--retry-period", type=float, default=2.0)
    parser.add_argument("--smoke", action="store_true", help="one round of each, a 2 s Lease")
    parser.add_argument("--keep", type=Path, help="keep the replicas' logs in this folder")
    options = parser.parse_args()
    rounds = 1 if options.smoke else options.rounds
    lease = (2.0, 1.5, 0.25) if options.smoke else (
        options.lease_duration, options.renew_deadline, options.retry_period)
    duration, renew, retry = lease
    try:
        import psycopg
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except Exception:
        print("PostgreSQL: not reachable at 127.0.0.1:5432, skipped (make postgres)")
        return 0
    # Pods of the local cluster find `kando` and `kubectl` here, as in the e2e suite.
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    print(f"engine {options.engine}; Lease duration {duration:g} s, renew deadline {renew:g} s, "
          f"retry period {retry:g} s; {rounds} round(s)")
    with tempfile.TemporaryDirectory(prefix="kes-bench-failover-") as tmp:
        work = options.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        cluster = devcluster_harness.start_devcluster(work / "cluster", engine=options.engine)
        try:
            kubeconfig = Path(cluster.kubeconfig)
            kube = Kube(kubeconfig)
            kube.apply(ROOT / "deploy" / "crds")
            kills, stops, firsts = [], [], []
            for index in range(rounds):
                with _schema() as store:
                    kills.append(killed(kube, kubeconfig, work, lease, store))
                print(f"  kill round {index + 1}: first phase of the new leader after "
                      f"{kills[-1]:.2f} s ({kills[-1] / duration:.2f}× the Lease duration)")
            for index in range(rounds):
                with _schema() as store:
                    stopped, first = partitioned(kube, kubeconfig, work, lease, store,
                                                 int(cluster.port))
                stops.append(stopped)
                firsts.append(first)
                print(f"  partition round {index + 1}: leader stopped after {stopped:.2f} s "
                      f"({stopped / renew:.2f}× the renew deadline), new leader's first phase "
                      f"after {first:.2f} s")
        finally:
            devcluster_harness.stop_devcluster(cluster)
    worst_kill, worst_stop = max(kills), max(stops)
    print(f"SIGKILL → first phase: median {statistics.median(kills):.2f} s, max "
          f"{worst_kill:.2f} s = {worst_kill / duration:.2f}× the Lease duration (target < 2×)")
    print(f"partition → leader stopped: median {statistics.median(stops):.2f} s, max "
          f"{worst_stop:.2f} s = {worst_stop / renew:.2f}× the renew deadline (target ≤ 1×)")
    print(f"partition → first phase of the new leader: median {statistics.median(firsts):.2f} s")
    if options.smoke:
        return 0
    return 0 if worst_kill < 2 * duration and worst_stop <= renew else 1


if __name__ == "__main__":
    sys.exit(main())
