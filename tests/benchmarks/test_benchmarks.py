"""Every benchmark script runs in smoke mode, so a refactor cannot break one silently.

The scripts are found by name (`benchmarks/bench_*.py`): a new benchmark is covered as soon as it
exists. Each must exit 0 from `--smoke` and print its figures (benchmarks/README.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
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
          "bench_failover": ("postgres",), "bench_datamover": ("restic",),
          "bench_repositoryserver": ("kopia",)}
STOP_GRACE_SECONDS = 15


@pytest.mark.timeout(SMOKE_TIMEOUT_SECONDS + STOP_GRACE_SECONDS + 20)
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_benchmark_runs_in_smoke_mode(script: Path, request: pytest.FixtureRequest) -> None:
    toolcheck.require(request, *_NEEDS.get(script.stem, ()))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    # A session of its own: on a timeout the whole group (its local cluster, controller and
    # their pods' kubelet) is stopped, so nothing it started outlives the test.
    process = subprocess.Popen(
        [sys.executable, str(script), "--smoke"], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=SMOKE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        _stop_group(process)
        stdout, stderr = process.communicate()
        pytest.fail(f"{script.name} --smoke did not end within {SMOKE_TIMEOUT_SECONDS} s\n"
                    f"{stdout}\n{stderr[-3000:]}")
    assert process.returncode == 0, f"exit {process.returncode}\n{stdout}\n{stderr[-3000:]}"
    figures = [line for line in stdout.splitlines() if re.search(r"\d", line)]
    assert figures, f"no figures printed:\n{stdout}"


def _stop_group(process: subprocess.Popen[str]) -> None:
    """SIGINT the group, as Ctrl-C would: the script's `finally` blocks stop what it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
