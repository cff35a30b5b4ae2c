"""Fixtures of the chaos tests: the session's local cluster, kubectl against it.

Pods of the local cluster run their commands here and must find `kando`; the session's cluster
inherits this PATH (conftests are imported before any fixture starts), as for tests/e2e.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import chaos_harness as ch
import pytest

# The RepositoryServer trials reuse the e2e helpers that make a kopia repository and its Secrets.
_E2E = str(Path(__file__).resolve().parent.parent / "e2e")
if _E2E not in sys.path:
    sys.path.append(_E2E)

if str(ch.BIN) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{ch.BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def chaos_kube(devcluster: Any) -> ch.Kube:
    kube = ch.Kube(Path(devcluster.kubeconfig))
    kube.install_crds()
    return kube
