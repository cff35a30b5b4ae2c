"""Fixtures for end-to-end runs: the devcluster, a `kes controller run` process, kubectl.

The controller runs as a real subprocess (so a test can kill -9 it) against the session's
devcluster, with a store of its own. Every test runs on both engines; on the kubernetes engine
the controller holds exactly deploy/'s RBAC: its ServiceAccount `kes/kes-controller`, bound to
the ClusterRole of deploy/rbac.yaml, and a token issued for it (kubectl still acts as admin).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_harness import BIN, ROOT, ControllerProcess, Kube

# Pods of the devcluster run their commands here and must find `kando` and `kubectl`; the
# session's devcluster inherits this PATH (conftests are imported before any fixture starts).
if str(BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def kube(devcluster: Any) -> Kube:
    return Kube(Path(devcluster.kubeconfig))


@pytest.fixture(scope="session")
def controller_kubeconfig(
    devcluster: Any, kube: Kube, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The controller's credentials: deploy/'s ServiceAccount and RBAC (admin on the stand-in,
    which enforces no RBAC and issues no tokens)."""
    kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kes"}}])
    kube.apply(ROOT / "deploy" / "rbac.yaml")
    path: Path = devcluster.service_account_kubeconfig(
        namespace="kes", name="kes-controller",
        path=tmp_path_factory.mktemp("controller-sa") / "kubeconfig")
    return path


@pytest.fixture(scope="module")
def controller(
    controller_kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ControllerProcess]:
    """A controller per test module; it watches every namespace, so it stops with the module."""
    work = tmp_path_factory.mktemp("controller")
    process = ControllerProcess(
        kubeconfig=controller_kubeconfig,
        store=work / "store.sqlite3",
        log=work / "controller.log",
        extra=["--phase-timeout", "120s"],
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def namespace(kube: Kube) -> Iterator[str]:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}])
    yield name
