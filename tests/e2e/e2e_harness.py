"""Helpers of the end-to-end tests: kubectl against the devcluster, a controller process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from polling import wait_for

from kes.domain import yamltext

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Kube:
    """kubectl against the devcluster, plus small helpers on ActionSets."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig

    def run(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN / "kubectl"), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result

    def apply(self, documents: str | list[dict[str, Any]] | Path) -> None:
        if isinstance(documents, Path):
            self.run("apply", "-f", str(documents))
            return
        text = documents if isinstance(documents, str) else yamltext.dump_all(documents)
        self.run("apply", "-f", "-", stdin=text)

    def get(self, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        result = self.run("get", kind, name, "-n", namespace, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def actionset_state(self, name: str, namespace: str) -> str:
        obj = self.get("actionset", name, namespace) or {}
        return str((obj.get("status") or {}).get("state", ""))

    def wait_actionset(self, name: str, namespace: str, *, timeout: float = 90) -> dict[str, Any]:
        """Wait until the run has ended: complete or failed, and the deferPhase done too.

        Like Kanister, the status says `failed` as soon as a phase fails, while the deferPhase
        still runs; the controller's finalizer goes only when the log records the end.
        """

        def ended() -> dict[str, Any] | None:
            obj = self.get("actionset", name, namespace)
            state = ((obj or {}).get("status") or {}).get("state")
            finalizers = ((obj or {}).get("metadata") or {}).get("finalizers") or []
            done = state in ("complete", "failed") and "kes.io/run-recorded" not in finalizers
            return obj if done else None

        return wait_for(ended, timeout=timeout, what=f"ActionSet {namespace}/{name} to end")

    def events(self, namespace: str, name: str) -> list[dict[str, Any]]:
        result = self.run(
            "get",
            "events",
            "-n",
            namespace,
            "-o",
            "json",
            f"--field-selector=involvedObject.name={name}",
        )
        items = json.loads(result.stdout)["items"]
        return sorted(items, key=lambda e: e["metadata"]["name"])


class ControllerProcess:
    def __init__(self, *, kubeconfig: Path, store: Path, log: Path, extra: list[str]) -> None:
        self.kubeconfig, self.store, self.log, self.extra = kubeconfig, store, log, extra
        self.process: subprocess.Popen[bytes] | None = None
        self.health_port = 0

    def start(self, *, wait: bool = True) -> None:
        """Start it and (unless `wait` is false) wait until /readyz says it listed its watch
        and caught up."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.health_port = sock.getsockname()[1]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kes.cli",
                    "controller",
                    "run",
                    "--kubeconfig",
                    str(self.kubeconfig),
                    "--store",
                    str(self.store),
                    "--workers",
                    "4",
                    "--health-port",
                    str(self.health_port),
                    *self.extra,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        if wait:
            wait_for(self.ready, timeout=60, what="the controller to be ready")

    def ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"The controller exited: {self.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.health_port}/readyz", timeout=5
            ) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9: no chance to record anything."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def history(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kes.cli", "history", *args, "--store", str(self.store)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
