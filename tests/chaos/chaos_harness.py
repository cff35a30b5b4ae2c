"""What the chaos tests share: kubectl, a controller process they can crash, settings, checks.

The controller runs as a real `kes controller run` process watching one namespace, with the
crash point variables of `kes.storage.crashpoints` in its environment when a trial asks, so a
trial can SIGKILL it at one event boundary and start it again. The checks read only what a user
can read: the CR through kubectl, Kubernetes Events, `kes history` on the event log, pods.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from polling import wait_for

from kes.domain import yamltext

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
API = "cr.kanister.io/v1alpha1"
FINALIZER = "kes.io/run-recorded"


def full() -> bool:
    """`make reliability` sets KES_RELIABILITY=full; `make test` runs the small setting."""
    return os.environ.get("KES_RELIABILITY", "").strip().lower() == "full"


class Kube:
    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig

    def run(self, *args: str, stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([str(BIN / "kubectl"), "--kubeconfig", str(self.kubeconfig),
                                 *args], input=stdin, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    def install_crds(self) -> None:
        self.run("apply", "-f", str(ROOT / "deploy" / "crds"))
        for name in ("actionsets", "blueprints", "profiles", "repositoryservers"):
            self.run("wait", "--for=condition=Established", f"crd/{name}.cr.kanister.io")

    def apply(self, documents: list[dict[str, Any]]) -> None:
        self.run("apply", "-f", "-", stdin=yamltext.dump_all(documents))

    def get(self, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        result = self.run("get", kind, name, "-n", namespace, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def items(self, kind: str, namespace: str, *selectors: str) -> list[dict[str, Any]]:
        result = self.run("get", kind, "-n", namespace, "-o", "json", *selectors)
        return list(json.loads(result.stdout)["items"])

    def ended(self, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        """The object once its run is over: a final state and kes's finalizer gone."""
        obj = self.get(kind, name, namespace)
        state = ((obj or {}).get("status") or {}).get("state")
        finalizers = ((obj or {}).get("metadata") or {}).get("finalizers") or []
        return obj if state in ("complete", "failed") and FINALIZER not in finalizers else None


@dataclass
class Controller:
    """One `kes controller run` process; `env` adds crash points or an API timeout."""

    kubeconfig: Path
    store: str
    log: Path
    namespaces: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    extra: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    health_port: int = 0

    def start(self, *, wait: bool = True) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.health_port = sock.getsockname()[1]
        args = [sys.executable, "-m", "kes.cli", "controller", "run", "--kubeconfig",
                str(self.kubeconfig), "--store", self.store, "--workers", "4",
                "--health-port", str(self.health_port), "--phase-timeout", "120s",
                "--progress-interval", "1s", *self.extra]
        for namespace in self.namespaces:
            args += ["-n", namespace]
        environment = {**os.environ, **self.env}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                            cwd=ROOT, env=environment)
        if wait:
            wait_for(self.ready, timeout=60, what="the controller to be ready")

    def ready(self) -> bool:
        if self.exited():
            return False
        try:
            url = f"http://127.0.0.1:{self.health_port}/readyz"
            with urllib.request.urlopen(url, timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def killed(self) -> bool:
        """Whether it died of SIGKILL (the crash point fired)."""
        return self.exited() and self.process is not None and self.process.returncode == -9

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def kes(*args: str, store: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kes.cli", *args, "--store", store],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def history(kind: str, name: str, namespace: str, *args: str,
            store: str) -> subprocess.CompletedProcess[str]:
    return kes("history", kind, name, "-n", namespace, *args, store=store)


def history_events(kind: str, name: str, namespace: str, *, store: str) -> list[dict[str, Any]]:
    out = history(kind, name, namespace, "--json", store=store).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def replayed_status(kind: str, name: str, namespace: str, *, store: str,
                    where: Path) -> dict[str, Any]:
    """The status `kes history --export` computes from the log now."""
    export = where / f"{name}.jsonl"
    result = history(kind, name, namespace, "--export", str(export), store=store)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(export.with_name(f"{name}.status.json").read_text())
    return loaded


def kube_events(kube: Kube, namespace: str, name: str, kind: str) -> Counter[tuple[str, str]]:
    items = kube.items("events", namespace,
                       f"--field-selector=involvedObject.name={name},involvedObject.kind={kind}")
    return Counter((str(e.get("reason")), str(e.get("message"))) for e in items)


def boundaries(trace: Path) -> list[str]:
    """The boundaries a traced run reached, in order."""
    if not trace.exists():
        return []
    return [line for line in trace.read_text().splitlines()
            if line and not line.startswith("CRASH ")]


def crashed_at(trace: Path) -> str | None:
    if not trace.exists():
        return None
    for line in trace.read_text().splitlines():
        if line.startswith("CRASH "):
            return line[len("CRASH "):]
    return None


def sample(items: list[str], count: int) -> list[str]:
    """`count` items spread evenly over `items` (all of them when count covers them)."""
    if count >= len(items):
        return list(items)
    step = len(items) / count
    return [items[int(i * step + step / 2)] for i in range(count)]
