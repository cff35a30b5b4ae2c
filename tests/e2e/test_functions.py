"""This issue's functions through the controller, as Blueprints use them."""

from __future__ import annotations

from typing import Any

import pytest
from builders import API, blueprint
from e2e_harness import ControllerProcess, Kube

pytestmark = pytest.mark.timeout(300)


def _deployment(namespace: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {"containers": [{"name": "app", "image": "busybox"}]},
            },
        },
    }


def _on_deployment(name: str, namespace: str, action: str = "run") -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "ActionSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "actions": [
                {
                    "name": action,
                    "blueprint": "bp",
                    "object": {"kind": "Deployment", "name": "app", "namespace": namespace},
                }
            ]
        },
    }


def test_kubeexecall_runs_in_every_pod_and_collects_outputs(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_deployment(namespace, 2)])
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    phase = {
        "func": "KubeExecAll",
        "name": "everywhere",
        "args": {
            "namespace": "{{ .Deployment.Namespace }}",
            "pods": "{{ range .Deployment.Pods }}{{ . }} {{ end }}",
            "containers": "app",
            "command": ["sh", "-c", 'kando output "pod_$(hostname | tr -c "a-z0-9\\n" _)" seen'],
        },
    }
    kube.apply(
        [
            blueprint("bp", namespace, {"run": {"phases": [phase]}}),
            _on_deployment("as-all", namespace),
        ]
    )
    obj = kube.wait_actionset("as-all", namespace)
    assert obj["status"]["state"] == "complete", obj["status"]["error"]
    output = obj["status"]["actions"][0]["phases"][0]["output"]
    assert list(output.values()) == ["seen"] * len(output)
    assert len(output) >= 1


def test_kubeexec_failure_reports_the_exit_code_and_the_output_tail(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_deployment(namespace, 1)])
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    phase = {
        "func": "KubeExec",
        "name": "broken",
        "args": {
            "namespace": "{{ .Deployment.Namespace }}",
            "pod": "{{ index .Deployment.Pods 0 }}",
            "container": "app",
            "command": ["sh", "-c", "echo line-one; echo oops >&2; exit 7"],
        },
    }
    kube.apply(
        [
            blueprint("bp", namespace, {"run": {"phases": [phase]}}),
            _on_deployment("as-exec", namespace),
        ]
    )
    obj = kube.wait_actionset("as-exec", namespace)
    message = obj["status"]["error"]["message"]
    assert obj["status"]["state"] == "failed"
    assert "exit code 7" in message
    assert "stdout: line-one" in message
    assert "stderr: oops" in message


def test_scaleworkload_outputs_the_original_replica_count(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_deployment(namespace, 2)])
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    phases = [
        {"func": "ScaleWorkload", "name": "down", "args": {"replicas": 0}},
        {
            "func": "ScaleWorkload",
            "name": "up",
            "args": {"replicas": "{{ .Phases.down.Output.originalReplicaCount }}"},
        },
    ]
    kube.apply(
        [
            blueprint("bp", namespace, {"run": {"phases": phases}}),
            _on_deployment("as-scale", namespace),
        ]
    )
    obj = kube.wait_actionset("as-scale", namespace)
    assert obj["status"]["state"] == "complete", obj["status"]["error"]
    assert obj["status"]["actions"][0]["phases"][0]["output"] == {"originalReplicaCount": 2}
    assert (kube.get("deployment", "app", namespace) or {})["status"]["readyReplicas"] == 2
