"""The RepositoryServer benchmark's smoke mode: one round, 5 MB, both parts reported.

It starts its own local cluster and one kopia server on 51515, which it deletes before it ends
(like the other RepositoryServer tests, one server at a time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.tools("kopia")


@pytest.mark.timeout(600)
def test_bench_repositoryserver_smoke() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_repositoryserver.py"), "--smoke"],
        capture_output=True, text=True, timeout=580, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.startswith("A. RepositoryServer creation to Ready")
    for step in ("ServerSetup", "RepositoryConnected", "ServerInitialized",
                 "ClientUserInitialized", "ServerRefreshed"):
        assert f"  {step}" in out
    assert "kes adds" in out
    assert "B. Backup of 5 MB" in out
    assert "ratio kes/direct:" in out
