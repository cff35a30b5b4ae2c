"""The recorded plan drives the run: Blueprint edits, restarts, the deferPhase, progress.

A run follows the phases its `ActionSetAccepted` recorded, whatever happens to the Blueprint
after (Kanister too runs the Blueprint it read when the ActionSet started). A deferPhase the
controller loses runs again, and a later deferPhase failure does not hide the first error
(issue 16). Progress is recorded while a phase runs (this module's controller ticks every
200 ms instead of Kanister's 5 s).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import actionset, blueprint, kubetask, phase_states
from e2e_harness import ControllerProcess, Kube, wait_for

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def controller(
    devcluster: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControllerProcess]:
    work = tmp_path_factory.mktemp("controller-plan")
    process = ControllerProcess(
        kubeconfig=Path(devcluster.kubeconfig),
        store=work / "store.sqlite3",
        log=work / "controller.log",
        extra=["--phase-timeout", "120s", "--progress-interval", "200ms"],
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


def records(controller: ControllerProcess, name: str, namespace: str) -> list[dict[str, Any]]:
    lines = controller.history("actionset", name, "-n", namespace, "--json").stdout
    return [json.loads(line) for line in lines.splitlines()]


def started(controller: ControllerProcess, name: str, namespace: str, phase: str) -> bool:
    return any(r["type"] == "PhaseStarted" and r["data"]["phase_name"] == phase
               for r in records(controller, name, namespace))


def gate(namespace: str, value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "gate", "namespace": namespace}, "data": {"go": value}}


def wait_gate(namespace: str) -> dict[str, Any]:
    """Wait is idempotent, so a restart runs it again instead of failing it."""
    return {"func": "Wait", "name": "wait", "args": {"timeout": "120s", "conditions": {"anyOf": [{
        "objectReference": {"apiVersion": "v1", "resource": "configmaps", "name": "gate",
                            "namespace": namespace},
        "condition": '{{ if eq "{$.data.go}" "yes" }}true{{ end }}'}]}}}


def action(namespace: str, version: str, *, extra: bool = False) -> dict[str, Any]:
    phases = [wait_gate(namespace), kubetask("after", f"kando output from {version}")]
    if extra:
        phases.append(kubetask("extra", "kando output extra yes"))
    return {"phases": phases, "deferPhase": kubetask("tidy", f"kando output tidied {version}")}


@pytest.mark.parametrize("restart", [False, True], ids=["mid-run", "across-restart"])
def test_a_blueprint_edited_during_the_run_does_not_change_it(
    kube: Kube, controller: ControllerProcess, namespace: str, restart: bool
) -> None:
    kube.apply([gate(namespace, "no"), blueprint("bp", namespace, {"run": action(namespace, "v1")}),
                actionset("as-plan", namespace, blueprint="bp")])
    accepted_version = (kube.get("blueprint", "bp", namespace) or {})["metadata"][
        "resourceVersion"]
    wait_for(lambda: started(controller, "as-plan", namespace, "wait"), what="phase wait")
    kube.apply([blueprint("bp", namespace, {"run": action(namespace, "v2", extra=True)})])
    edited_version = (kube.get("blueprint", "bp", namespace) or {})["metadata"]["resourceVersion"]
    assert edited_version != accepted_version
    if restart:
        controller.kill()
        controller.start()
    kube.apply([gate(namespace, "yes")])
    obj = kube.wait_actionset("as-plan", namespace)
    assert obj["status"]["state"] == "complete", obj["status"]
    assert phase_states(obj) == [("wait", "complete"), ("after", "complete")]
    assert obj["status"]["actions"][0]["phases"][1]["output"] == {"from": "v1"}
    assert obj["status"]["actions"][0]["deferPhase"]["output"] == {"tidied": "v1"}
    history = records(controller, "as-plan", namespace)
    plan = history[0]["data"]["plan"][0]
    assert plan["blueprint_resource_version"] == accepted_version
    assert [(p["name"], p["defer"]) for p in plan["phases"]] == [
        ("wait", False), ("after", False), ("tidy", True)]
    if restart:
        assert [r["data"]["phase_name"] for r in history if r["type"] == "PhaseInterrupted"] == [
            "wait"]


def test_a_defer_phase_killed_mid_run_runs_again_and_the_run_completes(
    kube: Kube, controller: ControllerProcess, namespace: str, tmp_path: Path
) -> None:
    marker = tmp_path / "tidy-started"
    tidy = (f"if [ -e {marker} ]; then kando output tidied yes; "
            f"else touch {marker}; sleep 60; fi")
    kube.apply([
        blueprint("bp", namespace, {"run": {
            "phases": [kubetask("work", "kando output done yes")],
            "deferPhase": kubetask("tidy", tidy),
        }}),
        actionset("as-defer-crash", namespace, blueprint="bp"),
    ])
    wait_for(lambda: marker.exists(), what="the deferPhase to run")
    controller.kill()
    controller.start()
    obj = kube.wait_actionset("as-defer-crash", namespace)
    assert obj["status"]["state"] == "complete", obj["status"]
    assert obj["status"]["error"]["message"] == ""
    assert obj["status"]["actions"][0]["deferPhase"] == {
        "name": "tidy", "state": "complete", "output": {"tidied": "yes"}}
    tidy_events = [(r["type"], r["data"].get("attempt"))
                   for r in records(controller, "as-defer-crash", namespace)
                   if r["data"].get("phase_name") == "tidy" and r["type"] != "PhaseProgressed"]
    assert tidy_events == [("PhaseStarted", 1), ("PhaseInterrupted", None),
                           ("PhaseStarted", 2), ("PhaseCompleted", None)]
    assert controller.history("actionset", "as-defer-crash", "-n", namespace,
                              "--verify").returncode == 0


def test_the_first_failure_is_the_error_even_when_the_defer_phase_fails_too(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([
        blueprint("bp", namespace, {"run": {
            "phases": [kubetask("work", "echo no space left; exit 3")],
            "deferPhase": kubetask("tidy", "echo cleanup broke too; exit 4"),
        }}),
        actionset("as-two-failures", namespace, blueprint="bp"),
    ])
    obj = kube.wait_actionset("as-two-failures", namespace)
    assert obj["status"]["state"] == "failed"
    assert obj["status"]["actions"][0]["deferPhase"]["state"] == "failed"
    message = obj["status"]["error"]["message"]
    assert "no space left" in message and "cleanup broke" not in message


def test_progress_is_recorded_while_a_phase_runs(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([
        blueprint("bp", namespace, {"run": {"phases": [
            kubetask("slow", "sleep 2; kando output slept yes"), kubetask("quick", "true")]}}),
        actionset("as-progress", namespace, blueprint="bp"),
    ])

    def shows_running_progress() -> dict[str, Any] | None:
        status = (kube.get("actionset", "as-progress", namespace) or {}).get("status") or {}
        phases = (status.get("actions") or [{}])[0].get("phases") or []
        running = phases and phases[0].get("state") == "running"
        return status if running and (phases[0].get("progress") or {}).get(
            "progressPercent") == "0" else None

    seen = wait_for(shows_running_progress, what="the running phase's progress")
    assert seen["progress"]["runningPhase"] == "slow"
    obj = kube.wait_actionset("as-progress", namespace)
    assert obj["status"]["progress"]["percentCompleted"] == "100"
    history = records(controller, "as-progress", namespace)
    progressed = [r for r in history if r["type"] == "PhaseProgressed"]
    assert progressed[0]["data"]["phase_name"] == "slow"
    assert progressed[0]["data"]["progress"]["progressPercent"] == "0"
    for phase in ("slow", "quick"):  # each ticker stops before its phase's end is recorded
        ends = [i for i, r in enumerate(history)
                if r["type"] == "PhaseCompleted" and r["data"]["phase_name"] == phase]
        ticks = [i for i, r in enumerate(history)
                 if r in progressed and r["data"]["phase_name"] == phase]
        assert all(i < ends[0] for i in ticks)
