"""benchmarks/bench_datamover.py --smoke runs end to end (a few MB, one round) and prints its
figures: the benchmark keeps working as the code under it changes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.tools("restic")
@pytest.mark.timeout(300)
def test_bench_datamover_smoke() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_datamover.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(
        r"backup \+ restore: wall kes [\d.]+s, restic [\d.]+s, ratio [\d.]+ .*cpu kes [\d.]+s",
        done.stdout,
    ), done.stdout
