"""Every benchmark script runs in smoke mode, so a refactor cannot break one silently.

The scripts are found by name (`benchmarks/bench_*.py`): a new benchmark is covered as soon as it
exists. Each must exit 0 from `--smoke` and print its figures (benchmarks/README.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import toolcheck
from devcluster_harness import CONTROL_PLANE

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "benchmarks").glob("bench_*.py"))
SMOKE_TIMEOUT_SECONDS = 100


def test_the_benchmarks_folder_is_found() -> None:
    assert len(SCRIPTS) >= 5, SCRIPTS


# Scripts that start the real control plane (`make tools`) or need PostgreSQL: enforced like
# any tool.
_NEEDS = {"bench_api_divergence": CONTROL_PLANE, "bench_engines": CONTROL_PLANE,
          "bench_failover": ("postgres",)}


@pytest.mark.timeout(SMOKE_TIMEOUT_SECONDS + 20)
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_benchmark_runs_in_smoke_mode(script: Path, request: pytest.FixtureRequest) -> None:
    toolcheck.require(request, *_NEEDS.get(script.stem, ()))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, str(script), "--smoke"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=SMOKE_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    figures = [line for line in done.stdout.splitlines() if re.search(r"\d", line)]
    assert figures, f"no figures printed:\n{done.stdout}"
