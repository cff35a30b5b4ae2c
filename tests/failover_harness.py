"""Several `kes controller run --leader-elect` replicas on one log and one cluster, for the
fail-over tests (tests/e2e/test_failover.py) and benchmarks/bench_failover.py.

A `Replica` is a real controller process (so a test can SIGKILL it), optionally behind a
`PartitionProxy`; its `/readyz` says whether it leads. The workload is Kanister documents: an
app Deployment to exec into, a Blueprint `exec` (two KubeExec phases, not idempotent, and a
deferPhase) and a Blueprint `hold` (a Wait, idempotent, on a ConfigMap the test creates when it
wants the runs to go on, then a KubeExec).
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polling

ROOT = Path(__file__).resolve().parent.parent
API = "cr.kanister.io/v1alpha1"


wait_for = functools.partial(polling.wait_for, interval=0.05)


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL at ``url``: the store URL for it; dropped after."""
    import psycopg

    schema = f"kes_failover_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}?schema={schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


class Replica:
    """One `kes controller run --leader-elect` process."""

    def __init__(
        self, *, name: str, kubeconfig: Path, store: str, log: Path, lease: list[str],
        extra: list[str] | None = None,
    ) -> None:
        self.name, self.kubeconfig, self.store, self.log = name, kubeconfig, store, log
        self.lease = lease
        self.extra = extra or []
        self.process: subprocess.Popen[bytes] | None = None
        self.health_port = 0

    def start(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.health_port = sock.getsockname()[1]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kes.cli", "controller", "run",
                 "--kubeconfig", str(self.kubeconfig), "--store", self.store,
                 "--health-port", str(self.health_port), "--log-json", "--leader-elect",
                 *self.lease, *self.extra],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )

    def readyz(self) -> dict[str, Any]:
        """`/readyz`'s body ({} while it does not answer)."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.health_port}/readyz", timeout=5
            ) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            return dict(json.loads(exc.read() or b"{}"))
        except OSError:
            return {}

    def ready(self) -> bool:
        return self.readyz().get("status") == "ready"

    def leads(self) -> bool:
        return bool(self.readyz().get("leader"))

    def metric(self, name: str) -> float | None:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.health_port}/metrics", timeout=5
        ) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def kill(self) -> None:
        """SIGKILL: no chance to record, release or clean anything."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                found.append(json.loads(line))
        return found


def lease_flags(*, name: str, namespace: str, duration: str, renew: str, retry: str) -> list[str]:
    return [
        "--leader-elect-resource-name", name, "--leader-elect-resource-namespace", namespace,
        "--leader-elect-lease-duration", duration, "--leader-elect-renew-deadline", renew,
        "--leader-elect-retry-period", retry,
    ]


# --- the workload -------------------------------------------------------------------------------


def _exec(name: str, script: str) -> dict[str, Any]:
    return {
        "func": "KubeExec", "name": name,
        "args": {
            "namespace": "{{ .Deployment.Namespace }}", "pod": "{{ index .Deployment.Pods 0 }}",
            "container": "app", "command": ["sh", "-c", script],
        },
    }


def workload(namespace: str, *, exec_seconds: float = 1.0) -> list[dict[str, Any]]:
    """The app Deployment and the two Blueprints (apply, then wait for the rollout)."""
    app = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": 1, "selector": {"matchLabels": {"app": "app"}},
            "template": {"metadata": {"labels": {"app": "app"}}, "spec": {"containers": [
                {"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}},
        },
    }
    hold = {
        "func": "Wait", "name": "hold",
        "args": {"timeout": "300s", "conditions": {"anyOf": [{
            "objectReference": {"apiVersion": "v1", "resource": "configmaps",
                                "name": "release", "namespace": namespace},
            "condition": '{{ if eq "{$.data.go}" "yes" }}true{{ end }}'}]}},
    }
    blueprints = {
        "exec": {"run": {
            "phases": [_exec("first", f"sleep {exec_seconds}; kando output first done"),
                       _exec("second", f"sleep {exec_seconds}; kando output second done")],
            "deferPhase": _exec("tidy", "kando output tidied yes"),
        }},
        "hold": {"run": {"phases": [hold, _exec("after", "kando output after done")]}},
    }
    return [app] + [
        {"apiVersion": API, "kind": "Blueprint", "metadata": {"name": name, "namespace": namespace},
         "actions": actions}
        for name, actions in blueprints.items()
    ]


def actionset(name: str, namespace: str, *, blueprint: str) -> dict[str, Any]:
    return {
        "apiVersion": API, "kind": "ActionSet", "metadata": {"name": name, "namespace": namespace},
        "spec": {"actions": [{
            "name": "run", "blueprint": blueprint,
            "object": {"kind": "Deployment", "name": "app", "namespace": namespace},
        }]},
    }


def release(namespace: str) -> dict[str, Any]:
    """The ConfigMap the `hold` phases wait for."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "release", "namespace": namespace}, "data": {"go": "yes"}}
