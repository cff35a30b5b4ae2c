"""One crash trial of an ActionSet: a Blueprint of five phases, a SIGKILL at one boundary, a
restart, and the checks the crash matrix reports.

The Blueprint has a KubeTask, a KubeExec into the application's pod, a restic data mover
(BackupData into a filestore Profile), a ScaleWorkload and a KubeTask deferPhase. Each command
appends a line to a file of its own on this machine (pods share its filesystem), so a phase that
ran twice is seen from outside, whatever the log says.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chaos_checks as checks
import chaos_harness as ch

NAME = "crash"
USE_KEY = "{{ .Secrets.restic.Data.password | toString }}"
PHASES = ("task", "exec", "backup", "scale")
DEFER = "cleanup"
IDEMPOTENT = {"scale"}  # ScaleWorkload; the others run again only as a deferPhase


def _deployment(name: str, namespace: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                     {"name": "app", "image": "busybox", "command": ["sleep", "3600"]}]}}},
    }


def documents(namespace: str, work: Path, *, key: str) -> list[dict[str, Any]]:
    counts, data, repository = work / "counts", work / "data", work / "repository"
    for directory in (counts, data, repository):
        directory.mkdir(parents=True, exist_ok=True)
    (data / "file.txt").write_text("data to back up\n")

    def count(phase: str) -> str:
        return f"echo ran >> {counts / phase}; kando output {phase} done"

    blueprint = {
        "apiVersion": ch.API, "kind": "Blueprint",
        "metadata": {"name": "chaos-bp", "namespace": namespace},
        "actions": {"backup": {
            "phases": [
                {"func": "KubeTask", "name": "task", "args": {
                    "namespace": namespace, "image": "busybox",
                    "command": ["sh", "-c", f"sleep 0.5; {count('task')}"]}},
                {"func": "KubeExec", "name": "exec", "args": {
                    "namespace": "{{ .Deployment.Namespace }}",
                    "pod": "{{ index .Deployment.Pods 0 }}", "container": "app",
                    "command": ["sh", "-c", count("exec")]}},
                {"func": "BackupData", "name": "backup", "args": {
                    "namespace": "{{ .Deployment.Namespace }}",
                    "pod": "{{ index .Deployment.Pods 0 }}", "container": "app",
                    "includePath": str(data),
                    "backupArtifactPrefix": "{{ .Profile.Location.Bucket }}/chaos",
                    "encryptionKey": USE_KEY}},
                {"func": "ScaleWorkload", "name": "scale", "args": {
                    "namespace": namespace, "name": "spare", "kind": "Deployment",
                    "replicas": 1}},
            ],
            "deferPhase": {"func": "KubeTask", "name": DEFER, "args": {
                "namespace": namespace, "image": "busybox",
                "command": ["sh", "-c", count(DEFER)]}},
        }},
    }
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
        _deployment("app", namespace, 1),
        _deployment("spare", namespace, 0),
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
         "metadata": {"name": "restic-key", "namespace": namespace},
         "stringData": {"password": key}},
        {"apiVersion": "v1", "kind": "Secret", "type": "secrets.kanister.io/filestore",
         "metadata": {"name": "filestore", "namespace": namespace}},
        {"apiVersion": ch.API, "kind": "Profile",
         "metadata": {"name": "repository", "namespace": namespace},
         "location": {"type": "filestore", "bucket": str(repository)},
         "credential": {"type": "secret",
                        "secret": {"name": "filestore", "namespace": namespace}}},
        blueprint,
    ]


def actionset(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": ch.API, "kind": "ActionSet",
        "metadata": {"name": NAME, "namespace": namespace},
        "spec": {"actions": [{
            "name": "backup", "blueprint": "chaos-bp",
            "object": {"kind": "Deployment", "name": "app", "namespace": namespace},
            "profile": {"name": "repository", "namespace": namespace},
            "secrets": {"restic": {"name": "restic-key", "namespace": namespace}},
        }]},
    }


@dataclass
class Trial:
    boundary: str | None  # None: the traced run without a crash
    reached: bool = False
    state: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    scanned: int = 0  # places searched for the restic password
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def survived(self) -> bool:
        return self.reached and not self.problems

    def row(self) -> dict[str, Any]:
        return {"boundary": self.boundary, "reached": self.reached, "state": self.state,
                "survived": self.survived, "problems": self.problems}


def prepare(kube: ch.Kube, work: Path, *, key: str) -> str:
    namespace = f"chaos-{uuid.uuid4().hex[:8]}"
    kube.apply(documents(namespace, work, key=key))
    ch.wait_for(lambda: kube.items("pods", namespace, "-l", "app=app",
                                   "--field-selector=status.phase=Running"),
                timeout=60, what="the application pod to run")
    return namespace


def run(kube: ch.Kube, *, kubeconfig: Path, work: Path, boundary: str | None,
        key: str, trace: Path | None = None) -> Trial:
    """Run the ActionSet, crashing at `boundary`, restart, and check."""
    began = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    trial = Trial(boundary=boundary)

    def lap(name: str) -> None:
        trial.timings[name] = round(time.monotonic() - began - sum(trial.timings.values()), 2)

    namespace = prepare(kube, work, key=key)
    lap("prepare")
    store = str(work / "store.sqlite3")
    trace = trace or work / "trace"
    env = {"KES_CRASH_TRACE": str(trace)}
    if boundary is not None:
        env["KES_CRASH_AT"] = boundary
    first = ch.Controller(kubeconfig=kubeconfig, store=store, log=work / "controller.log",
                          namespaces=(namespace,), env=env)
    second: ch.Controller | None = None
    seen_by_ps = checks.CommandLines()
    try:
        first.start()
        lap("start")
        kube.apply([actionset(namespace)])
        ch.wait_for(lambda: first.exited() or kube.ended("actionset", NAME, namespace),
                    timeout=180, what="the crash or the end of the run")
        lap("run")
        trial.reached = first.killed() and ch.crashed_at(trace) == boundary
        if first.exited():
            second = ch.Controller(kubeconfig=kubeconfig, store=store,
                                   log=work / "controller.log", namespaces=(namespace,))
            second.start()
            lap("restart")
        state, problems = checks.run_problems(
            kube, namespace=namespace, name=NAME, store=store,
            runs_of=lambda phase: checks.lines_in(work / "counts" / phase),
            phases=(*PHASES, DEFER), reruns={*IDEMPOTENT, DEFER})
        trial.state = state
        trial.problems.extend(problems)
        surfaces = checks.run_surfaces(kube, namespace=namespace, name=NAME, store=store,
                                       log=work / "controller.log")
        surfaces["process command lines (ps)"] = seen_by_ps.stop()
        trial.scanned = len(surfaces)
        trial.problems.extend(f"secret leaked: {leak}"
                              for leak in checks.secret_leaks(key, surfaces))
        lap("check")
    except AssertionError as exc:
        trial.problems.append(str(exc).splitlines()[0])
    finally:
        seen_by_ps.stop()
        first.stop()
        if second is not None:
            second.stop()
        kube.run("delete", "namespace", namespace, "--wait=false", check=False)
    trial.seconds = time.monotonic() - began
    return trial
