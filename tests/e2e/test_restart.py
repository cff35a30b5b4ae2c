"""Restart recovery: kill -9 the controller in the middle of a phase, start it again.

Kanister leaves such ActionSets `running` forever (its issue #3725). kes finds the phase started
but not ended in its log: an idempotent function is run again, any other is recorded as
interrupted and failed, and the deferPhase runs either way.
"""

from __future__ import annotations

import json

import pytest
from builders import actionset, blueprint, kubetask, phase_states
from e2e_harness import ControllerProcess, Kube, wait_for

pytestmark = pytest.mark.timeout(300)


def _types(controller: ControllerProcess, name: str, namespace: str) -> list[str]:
    lines = controller.history("actionset", name, "-n", namespace, "--json").stdout
    return [json.loads(line)["type"] for line in lines.splitlines()]


def test_a_non_idempotent_phase_is_failed_and_the_defer_phase_runs(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            blueprint(
                "bp",
                namespace,
                {
                    "run": {
                        "phases": [kubetask("slow", "sleep 20"), kubetask("next", "true")],
                        "deferPhase": kubetask("tidy", "kando output tidied yes"),
                    }
                },
            ),
            actionset("as-crash", namespace, blueprint="bp"),
        ]
    )
    wait_for(
        lambda: "PhaseStarted" in _types(controller, "as-crash", namespace),
        what="phase slow to start",
    )
    controller.kill()
    controller.start()
    obj = kube.wait_actionset("as-crash", namespace)
    assert obj["status"]["state"] == "failed"
    assert phase_states(obj) == [("slow", "failed"), ("next", "pending")]
    assert "was interrupted" in obj["status"]["error"]["message"]
    assert obj["status"]["actions"][0]["deferPhase"]["state"] == "complete"
    types = _types(controller, "as-crash", namespace)
    assert types.index("PhaseInterrupted") < types.index("PhaseFailed")
    assert types[-1] == "ActionSetFailed"
    assert controller.history("actionset", "as-crash", "-n", namespace, "--verify").returncode == 0
    # The lost attempt's pod (still sleeping) was deleted, not left to run unwatched.
    leftover = kube.run("get", "pods", "-n", namespace, "-l", "kes.io/phase=slow", "-o", "name")
    assert leftover.stdout.strip() == ""


def test_an_idempotent_phase_is_run_again_and_completes(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # ScaleWorkload waits for readiness, which this Deployment cannot reach (its init container
    # never ends) until it is fixed while the controller is down.
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {
                    "initContainers": [
                        {"name": "hold", "image": "busybox", "command": ["sleep", "3600"]}
                    ],
                    "containers": [
                        {"name": "app", "image": "busybox", "command": ["sleep", "3600"]}
                    ],
                },
            },
        },
    }
    scale = {
        "func": "ScaleWorkload",
        "name": "scaleUp",
        "args": {"namespace": namespace, "name": "app", "kind": "Deployment", "replicas": 1},
    }
    kube.apply(
        [
            deployment,
            blueprint("bp", namespace, {"run": {"phases": [scale]}}),
            actionset("as-scale", namespace, blueprint="bp"),
        ]
    )
    wait_for(
        lambda: "PhaseStarted" in _types(controller, "as-scale", namespace),
        what="scaleUp to start",
    )
    controller.kill()
    kube.run(
        "patch",
        "deployment",
        "app",
        "-n",
        namespace,
        "--type",
        "json",
        "-p",
        '[{"op": "remove", "path": "/spec/template/spec/initContainers"}]',
    )
    controller.start()
    obj = kube.wait_actionset("as-scale", namespace)
    assert obj["status"]["state"] == "complete"
    # The re-run reads the replicas as it finds them: the first attempt had already scaled up.
    assert obj["status"]["actions"][0]["phases"][0]["output"] == {"originalReplicaCount": 1}
    assert (kube.get("deployment", "app", namespace) or {})["status"]["readyReplicas"] == 1
    types = _types(controller, "as-scale", namespace)
    assert types.count("PhaseStarted") == 2
    assert types.index("PhaseInterrupted") < len(types) - 1 - types[::-1].index("PhaseStarted")
    assert types[-1] == "ActionSetCompleted"
