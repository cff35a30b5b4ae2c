"""A devcluster whose pods find this checkout's `kando` on PATH, and phase contexts for it.

Pod commands run on this machine with the devcluster's PATH, so the fixture puts a small `kando`
launcher (this interpreter, this source tree) first on that PATH: only in the environment of the
devcluster process it starts, never in committed configuration.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import devcluster_harness
import polling
import pytest

import kes
from kes.adapters.k8s import client, objects
from kes.functions import base

_ROOT = Path(kes.__file__).resolve().parent.parent


@dataclass
class Cluster:
    api: client.Api
    process: subprocess.Popen[str]
    data_dir: Path


def _kando_launcher(bindir: Path) -> None:
    bindir.mkdir(parents=True, exist_ok=True)
    launcher = bindir / "kando"
    launcher.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(_ROOT)!r})\n"
        "from kes.kando.main import main\n"
        "main()\n"
    )
    launcher.chmod(0o755)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data = tmp_path_factory.mktemp("functions-devcluster")
    _kando_launcher(data / "bin")
    path = os.pathsep.join(
        [str(data / "bin"), str(Path(sys.executable).parent), os.environ["PATH"]]
    )
    env = {**os.environ, "PATH": path, "PYTHONPATH": str(_ROOT)}
    with (data / "server.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kes.devcluster", "serve", "--data-dir", str(data),
             "--port", "0", *devcluster_harness.pod_path_args()],
            stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=_ROOT,
        )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("serving on"):
        process.kill()
        process.wait()
        process.stdout.close()
        raise RuntimeError(f"devcluster did not start: {(data / 'server.log').read_text()[-2000:]}")
    api = client.from_kubeconfig(path=str(data / "kubeconfig"))
    try:
        yield Cluster(api=api, process=process, data_dir=data)
    finally:
        api.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@pytest.fixture
def namespace(cluster: Cluster) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards (with the pods the test left running)."""
    name = f"fn-{uuid.uuid4().hex[:8]}"
    objects.request(
        cluster.api, method="POST", url_path="/api/v1/namespaces", body={"metadata": {"name": name}}
    )
    yield name
    # Workloads first so their controllers do not replace the pods deleted next.
    for group, resource in (("apps", "deployments"), ("apps", "statefulsets"),
                            ("apps", "replicasets"), ("", "pods")):  # fmt: skip
        url_path = objects.path(group=group, version="v1", resource=resource, namespace=name)
        objects.request(cluster.api, method="DELETE", url_path=url_path)
    objects.request(cluster.api, method="DELETE", url_path=f"/api/v1/namespaces/{name}")


@dataclass
class Recorder:
    """Collects what a function reports through the context callbacks."""

    lines: list[str] = field(default_factory=list)
    progress: list[int] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    cancel_on: str | None = None

    def on_log(self, line: str) -> None:
        self.lines.append(line)
        if self.cancel_on is not None and self.cancel_on in line:
            self.cancel.set()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_ctx(
    cluster: Cluster, namespace: str, recorder: Recorder
) -> Callable[..., base.PhaseContext]:
    def make(**changes: Any) -> base.PhaseContext:
        values: dict[str, Any] = {
            "api": cluster.api,
            "namespace": namespace,
            "action_set": base.ActionSetRef(name="backup-abc", namespace=namespace, uid="u1"),
            "cancel": recorder.cancel,
            "on_log": recorder.on_log,
            "on_progress": recorder.progress.append,
        }
        values.update(changes)
        return base.PhaseContext(**values)

    return make


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    """Poll a condition until truthy; fail the test after its timeout (no blind sleeps)."""
    return functools.partial(polling.wait_for, timeout=30.0, interval=0.05)
