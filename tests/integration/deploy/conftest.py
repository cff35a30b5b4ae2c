"""Fixtures of the deploy/ tests: deploy/ as kustomize renders it (kubectl has kustomize built
in), parsed into objects, and kubectl against the session's devcluster."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import deployfiles
import pytest
import yaml


@pytest.fixture(scope="session")
def rendered_text() -> str:
    result = deployfiles.run_kubectl("kustomize", str(deployfiles.DEPLOY))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def rendered(rendered_text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(rendered_text) if doc]


@pytest.fixture
def kubectl(devcluster: Any, tmp_path: Path) -> deployfiles.Kubectl:
    """kubectl against the session's devcluster, with a cold discovery cache."""
    cache = tmp_path / "kube-cache"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return deployfiles.run_kubectl(
            "--kubeconfig", str(devcluster.kubeconfig), "--cache-dir", str(cache), *args,
            stdin=stdin,
        )

    return run


@pytest.fixture(scope="session")
def postgresql_rendered(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """deploy/ through the PostgreSQL overlay that docs/deploy.md prints."""
    return deployfiles.render_overlay(
        deployfiles.docs_overlay("postgresql-overlay"),
        directory=tmp_path_factory.mktemp("overlays") / "postgresql-overlay",
    )
