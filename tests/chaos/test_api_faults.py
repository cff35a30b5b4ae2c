"""API fault profiles: ActionSets run by a controller whose every API call goes through the
fault-injecting proxy (`kes dev up --faults SPEC`'s program), one profile at a time.

Each run must end complete (a transient error is retried, never the cause of a failed phase),
its history verify, no phase run or complete twice, its CR status equal the status replayed from
the log, its Kubernetes Events be the log's (none duplicated) and no pod be left (`chaos_checks`).
kubectl and the checks talk to the cluster directly. `make test` runs two profiles with a few
runs; `make reliability` every profile with 100 runs (KES_API_FAULT_RUNS=N for another count).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import chaos_checks as checks
import chaos_harness as ch
import faults_harness
import pytest
import reliability_report
import simple_runs

pytestmark = pytest.mark.timeout(3600 if ch.full() else 400)

PROFILES = {
    "conflicts": "conflict=0.2",
    "5xx bursts": "unavailable=0.05",
    "cut watches and 410": "watch-cut=0.1,gone=0.05",
    "slow answers": "latency=50ms",
    "unanswered requests": "hang=0.01",
    "all of them": "conflict=0.2,unavailable=0.05,watch-cut=0.1,gone=0.05,hang=0.01,"
                   "latency=50ms",
}
SMALL = {"all of them": 4, "unanswered requests": 2}  # profile -> runs under `make test`
RUNS = int(os.environ.get("KES_API_FAULT_RUNS", "100"))


def _profiles() -> list[Any]:
    return [pytest.param(name, id=name.replace(" ", "-")) for name in PROFILES
            if ch.full() or name in SMALL]


@pytest.mark.parametrize("profile", _profiles())
def test_actionsets_behind_a_fault_profile_all_end_consistent(
    chaos_kube: ch.Kube, tmp_path: Path, profile: str
) -> None:
    spec = f"{PROFILES[profile]},seed=16"
    runs = RUNS if ch.full() else SMALL[profile]
    counts = tmp_path / "counts"
    namespace = simple_runs.setup(chaos_kube, counts)
    # Faulty from the start: the informers' first lists and watches are hit too.
    proxy = faults_harness.start_proxy(upstream=chaos_kube.kubeconfig,
                                       data_dir=tmp_path / "faults", spec=spec)
    store = str(tmp_path / "store.sqlite3")
    # A short API timeout: an unanswered request costs seconds, not the default 30.
    controller = ch.Controller(kubeconfig=proxy.kubeconfig, store=store,
                               log=tmp_path / "controller.log", namespaces=(namespace,),
                               extra=("--api-timeout", "5s"))
    try:
        controller.start()
        names = [f"f-{i}" for i in range(runs)]
        chaos_kube.apply([simple_runs.actionset(name, namespace) for name in names])
        problems: dict[str, Any] = {}
        states: dict[str, int] = {}
        for name in names:
            state, found = checks.run_problems(
                chaos_kube, namespace=namespace, name=name, store=store,
                runs_of=lambda phase, name=name: simple_runs.phase_counts(counts, name)[phase],
                phases=(*simple_runs.PHASES, simple_runs.DEFER), reruns={simple_runs.DEFER},
                interrupted_ok=False, end_timeout=600 if ch.full() else 180)
            states[state] = states.get(state, 0) + 1
            if found:
                problems[name] = (state, found)
        injected = proxy.stats()["injected"]
        reliability_report.record("api-faults", {
            "profile": profile, "spec": PROFILES[profile], "runs": runs,
            "complete": states.get("complete", 0),
            "consistent": runs - len(problems), "held": not problems,
            "faults injected": ", ".join(f"{k} {v}" for k, v in sorted(injected.items())),
            "problems": [f"{n}: {p}" for n, (_, p) in sorted(problems.items())][:5]})
        # Latency is added to every request and counted in none; a rare fault (hang=0.01) may
        # miss a handful of runs, so the small setting asserts it only where faults are many.
        if PROFILES[profile] != "latency=50ms" and (runs >= 20 or profile == "all of them"):
            assert sum(injected.values()) > 0, "the profile injected no fault"
        assert not problems, problems
        assert not controller.exited(), "the controller died"
    finally:
        controller.stop()
        proxy.stop()
        chaos_kube.run("delete", "namespace", namespace, "--wait=false", check=False)
