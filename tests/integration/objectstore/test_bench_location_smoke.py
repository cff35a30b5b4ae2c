"""The location benchmark's smoke mode runs in seconds and reports both uploads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_bench_location_smoke() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_location.py"), "--smoke"],
        capture_output=True, text=True, timeout=110, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("kando location push :") and "peak RSS" in lines[1]
    assert lines[2].startswith("boto3 upload_fileobj:")
    assert lines[3].startswith("time ratio kes/baseline:")
