"""A small Blueprint for runs in bulk (store faults, API fault profiles): a KubeTask, a KubeExec
into the namespace's application pod, and a KubeTask deferPhase. Each command appends a line to
`<counts>/<run>-<phase>` (`.Options.run` is the ActionSet's name), so a phase that ran twice is
seen from outside the log.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import chaos_harness as ch

PHASES = ("task", "exec")
DEFER = "cleanup"


def setup(kube: ch.Kube, counts: Path, *, namespace: str | None = None) -> str:
    """A namespace with the application pod running and the Blueprint `simple-bp`."""
    namespace = namespace or f"runs-{uuid.uuid4().hex[:8]}"
    counts.mkdir(parents=True, exist_ok=True)

    def count(phase: str) -> str:
        return f"echo ran >> {counts}/{{{{ .Options.run }}}}-{phase}; kando output {phase} done"

    kube.apply([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "app", "namespace": namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "app"}},
                  "template": {"metadata": {"labels": {"app": "app"}}, "spec": {"containers": [
                      {"name": "app", "image": "busybox", "command": ["sleep", "36000"]}]}}}},
        {"apiVersion": ch.API, "kind": "Blueprint",
         "metadata": {"name": "simple-bp", "namespace": namespace},
         "actions": {"run": {
             "phases": [
                 {"func": "KubeTask", "name": "task", "args": {
                     "namespace": namespace, "image": "busybox",
                     "command": ["sh", "-c", count("task")]}},
                 {"func": "KubeExec", "name": "exec", "args": {
                     "namespace": namespace, "pod": "{{ index .Deployment.Pods 0 }}",
                     "container": "app", "command": ["sh", "-c", count("exec")]}},
             ],
             "deferPhase": {"func": "KubeTask", "name": DEFER, "args": {
                 "namespace": namespace, "image": "busybox",
                 "command": ["sh", "-c", count(DEFER)]}},
         }}},
    ])
    ch.wait_for(lambda: kube.items("pods", namespace, "-l", "app=app",
                                   "--field-selector=status.phase=Running"),
                timeout=60, what="the application pod to run")
    return namespace


def actionset(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": ch.API, "kind": "ActionSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"actions": [{
            "name": "run", "blueprint": "simple-bp", "options": {"run": name},
            "object": {"kind": "Deployment", "name": "app", "namespace": namespace},
        }]},
    }


def phase_counts(counts: Path, name: str) -> dict[str, int]:
    found = {}
    for phase in (*PHASES, DEFER):
        path = counts / f"{name}-{phase}"
        found[phase] = len(path.read_text().splitlines()) if path.exists() else 0
    return found
