"""`kes actionset retry`, `kes history list|--export`, `kes replay`, `describe -o`, end to end.

A three-phase backup fails at phase 2 (a Secret its phase reads is missing); once the Secret is
there, the retry runs phases 2 and 3 only: phase 1's pod is never created again and phase 3
reads phase 1's recorded output. The deferPhase runs once, at the end of the retry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import actionset, blueprint, kubetask, phase_states
from e2e_harness import BIN, ROOT, ControllerProcess, Kube

pytestmark = pytest.mark.timeout(300)


def kes(kube: Kube, controller: ControllerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kes.cli", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**os.environ, "KUBECONFIG": str(kube.kubeconfig), "KES_STORE": str(controller.store)},
    )


def backup(namespace: str, *, first: str = "kando output snapshot snap-1") -> dict[str, Any]:
    creds = {"creds": {"kind": "Secret", "name": "creds", "namespace": namespace}}
    return blueprint("bp", namespace, {"backup": {
        "phases": [
            kubetask("one", first),
            {**kubetask("two", "kando output checked yes"), "objects": creds},
            kubetask("three", "kando output got {{ .Phases.one.Output.snapshot }}"),
        ],
        "deferPhase": kubetask("tidy", "kando output tidied yes"),
    }})


def watch_pods(kube: Kube, namespace: str, phase: str, into: Path) -> subprocess.Popen[bytes]:
    with into.open("wb") as out:
        return subprocess.Popen(
            [str(BIN / "kubectl"), "--kubeconfig", str(kube.kubeconfig), "get", "pods", "-n",
             namespace, "-l", f"kes.io/phase={phase}", "--watch", "-o", "name"],
            stdout=out, stderr=subprocess.STDOUT,
        )


def history_records(controller: ControllerProcess, name: str, ns: str) -> list[dict[str, Any]]:
    lines = controller.history("actionset", name, "-n", ns, "--json").stdout
    return [json.loads(line) for line in lines.splitlines()]


def test_a_retry_continues_from_the_failed_phase_and_reuses_the_outputs_before_it(
    kube: Kube, controller: ControllerProcess, namespace: str, tmp_path: Path
) -> None:
    kube.apply([backup(namespace), actionset("nightly", namespace, blueprint="bp",
                                             actions=["backup"])])
    parent = kube.wait_actionset("nightly", namespace)
    assert phase_states(parent) == [("one", "complete"), ("two", "failed"), ("three", "pending")]
    assert "Failed to init phase params" in parent["status"]["error"]["message"]

    early = kes(kube, controller, "actionset", "retry", "nightly", "-n", namespace,
                "--from-phase", "three")
    assert early.returncode == 1
    assert 'Phase "three" comes after phase "two", which did not complete' in early.stderr

    kube.run("create", "secret", "generic", "creds", "-n", namespace, "--from-literal=k=v")
    # Watch the pods of phases one and two while the retry runs (two's proves the watch sees).
    watchers = {phase: watch_pods(kube, namespace, phase, tmp_path / phase)
                for phase in ("one", "two")}
    try:
        retried = kes(kube, controller, "actionset", "retry", "nightly", "-n", namespace)
        assert retried.returncode == 0, retried.stderr
        assert retried.stdout.strip() == (
            "actionset nightly-retry-1 created: retry of nightly from two (outputs reused: one)"
        )
        child = kube.wait_actionset("nightly-retry-1", namespace)
    finally:
        for watcher in watchers.values():
            watcher.terminate()
            watcher.wait(timeout=10)
    assert child["status"]["state"] == "complete", child["status"]
    assert phase_states(child) == [("one", "complete"), ("two", "complete"),
                                   ("three", "complete")]
    phases = child["status"]["actions"][0]["phases"]
    assert phases[0]["output"] == {"snapshot": "snap-1"}
    assert phases[2]["output"] == {"got": "snap-1"}
    assert child["status"]["actions"][0]["deferPhase"]["state"] == "complete"
    assert child["metadata"]["annotations"]["kes.io/retry-of"] == "nightly"
    assert (tmp_path / "one").read_text().strip() == ""  # phase one's pod: never created again
    assert (tmp_path / "two").read_text().startswith("pod/")

    records = history_records(controller, "nightly-retry-1", namespace)
    assert records[0]["data"]["retry_of"]["name"] == "nightly"
    started = [r["data"]["phase_name"] for r in records if r["type"] == "PhaseStarted"]
    assert started == ["two", "three", "tidy"]
    child_timeline = controller.history("actionset", "nightly-retry-1", "-n", namespace).stdout
    assert f"retry of {namespace}/nightly from two (outputs reused: one)" in child_timeline
    parent_timeline = controller.history("actionset", "nightly", "-n", namespace).stdout
    assert parent_timeline.rstrip().endswith(f"Retried by: {namespace}/nightly-retry-1")

    again = kes(kube, controller, "actionset", "retry", "nightly-retry-1", "-n", namespace)
    assert again.returncode == 1
    assert 'ActionSet "nightly-retry-1" is complete, not failed' in again.stderr

    listed = kes(kube, controller, "history", "list", "-n", namespace, "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert [(r["name"], r["state"], r["failedPhase"], r["retryOf"])
            for r in json.loads(listed.stdout)] == [
        ("nightly", "failed", "backup/two", ""), ("nightly-retry-1", "complete", "", "nightly")]
    table = kes(kube, controller, "history", "list", "-n", namespace, "--state", "failed")
    assert [line.split()[1] for line in table.stdout.splitlines()[1:]] == ["nightly"]

    described = kes(kube, controller, "actionset", "describe", "nightly", "-n", namespace,
                    "-o", "yaml")
    assert described.returncode == 0, described.stderr
    data = yaml.safe_load(described.stdout)
    assert data["status"]["state"] == "failed"
    assert data["retries"] == [f"{namespace}/nightly-retry-1"]
    assert [e["state"] for e in data["phaseEnds"]] == ["complete", "failed", "complete"]
    assert any(e["reason"] == "Started Phase" for e in data["events"])

    export = tmp_path / "nightly-retry-1.jsonl"
    exported = kes(kube, controller, "history", "actionset", "nightly-retry-1", "-n", namespace,
                   "--export", str(export))
    assert exported.returncode == 0, exported.stderr
    replayed = kes(kube, controller, "replay", str(export))
    assert replayed.returncode == 0, replayed.stderr
    assert "status as recorded" in replayed.stdout


def test_a_retry_with_the_current_blueprint_is_refused_when_a_reused_phase_changed(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([backup(namespace), actionset("weekly", namespace, blueprint="bp",
                                             actions=["backup"])])
    kube.wait_actionset("weekly", namespace)
    kube.apply([backup(namespace, first="kando output snapshot snap-2")])
    refused = kes(kube, controller, "actionset", "retry", "weekly", "-n", namespace,
                  "--with-current-blueprint")
    assert refused.returncode == 1
    assert 'Phase "one" of action "backup" changed in Blueprint "bp"' in refused.stderr
    kube.run("create", "secret", "generic", "creds", "-n", namespace, "--from-literal=k=v")
    fresh = kes(kube, controller, "actionset", "retry", "weekly", "-n", namespace,
                "--with-current-blueprint", "--from-phase", "one")
    assert fresh.returncode == 0, fresh.stderr
    child = kube.wait_actionset("weekly-retry-1", namespace)
    assert child["status"]["state"] == "complete", child["status"]
    assert child["status"]["actions"][0]["phases"][2]["output"] == {"got": "snap-2"}


def test_prune_removes_ended_runs_while_the_controller_runs_and_the_rest_verifies(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([blueprint("bp", namespace, {"run": {"phases": [kubetask("p", "true")]}}),
                actionset("short", namespace, blueprint="bp")])
    kube.wait_actionset("short", namespace)
    dry = kes(kube, controller, "history", "prune", "--older-than", "0s", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert f"Would remove {namespace}/short (complete" in dry.stdout
    assert "short" in kes(kube, controller, "history", "list", "-n", namespace).stdout
    pruned = kes(kube, controller, "history", "prune", "--older-than", "0s")
    assert pruned.returncode == 0, pruned.stderr
    assert f"Removed {namespace}/short (complete" in pruned.stdout
    listed = kes(kube, controller, "history", "list", "-n", namespace)
    assert "No runs recorded" in listed.stderr
    gone = controller.history("actionset", "short", "-n", namespace)
    assert gone.returncode == 1 and "is recorded in the event log" in gone.stderr
    # The controller goes on: a new run is recorded, verified, listed.
    kube.apply([actionset("after-prune", namespace, blueprint="bp")])
    assert kube.wait_actionset("after-prune", namespace)["status"]["state"] == "complete"
    assert controller.history("actionset", "after-prune", "-n", namespace,
                              "--verify").returncode == 0
    assert (kube.get("actionset", "short", namespace) or {})["status"]["state"] == "complete"
