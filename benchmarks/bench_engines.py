"""The two local cluster engines side by side, in one run on one machine.

Printed, for the stand-in (`kes`) and the real control plane (`kubernetes`, built by `make tools`;
its cold build is not part of this run, see docs/devcluster.md):
- `kes dev up` start time: from the command to its return (the node Ready, CRDs installed), on a
  fresh data directory, three times, the median; then `kes dev down`;
- the e2e suite's wall time (`pytest tests/e2e --engine <engine>`);
- benchmarks/bench_controller.py on each engine (per-phase overhead, throughput at 200
  ActionSets), with the ratios of the two.
The ratio kubernetes/kes of each figure ends the output.

Run: python benchmarks/bench_engines.py [--smoke] [--no-e2e] [--count 200]
  --smoke: one start of each engine and nothing else (make test runs it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("kes", "kubernetes")


def _kes_dev(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kes.cli", "dev", *args, "--data-dir",
                           str(work / ".kes" / "dev")], cwd=work, capture_output=True, text=True,
                          timeout=600, check=False)


def start_time(engine: str, *, repeat: int) -> float:
    """Median seconds `kes dev up` takes on a fresh data directory."""
    times = []
    for _ in range(repeat):
        work = Path(tempfile.mkdtemp(prefix=f"kes-up-{engine}-"))
        shutil.copytree(ROOT / "deploy" / "crds", work / "deploy" / "crds")
        try:
            started = time.monotonic()
            done = _kes_dev(work, "up", "--engine", engine, "--port", "0")
            times.append(time.monotonic() - started)
            if done.returncode != 0:
                raise SystemExit(f"kes dev up --engine {engine} failed: {done.stderr}")
        finally:
            _kes_dev(work, "down")
            shutil.rmtree(work, ignore_errors=True)
    return statistics.median(times)


def e2e_time(engine: str) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "e2e"), "--engine", engine], cwd=ROOT,
                          capture_output=True, text=True, timeout=7200, check=False)
    elapsed = time.monotonic() - started
    summary = (done.stdout.strip().splitlines() or ["?"])[-1]
    print(f"  e2e on {engine}: {elapsed:.0f} s ({summary})")
    if done.returncode != 0:
        raise SystemExit(f"the e2e suite failed on {engine}:\n{done.stdout[-3000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--no-e2e", action="store_true")
    parser.add_argument("--count", type=int, default=200)
    options = parser.parse_args()
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    repeat = 1 if options.smoke else 3
    starts = {engine: start_time(engine, repeat=repeat) for engine in ENGINES}
    for engine in ENGINES:
        print(f"kes dev up --engine {engine}: {starts[engine]:.1f} s (median of {repeat})")
    print(f"start time kubernetes/kes: {starts['kubernetes'] / starts['kes']:.1f}x")
    if options.smoke:
        return
    if not options.no_e2e:
        print("e2e suite wall time:")
        e2e = {engine: e2e_time(engine) for engine in ENGINES}
        print(f"e2e wall time kubernetes/kes: {e2e['kubernetes'] / e2e['kes']:.2f}x")
    sys.stdout.flush()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_controller.py"),
                    "--engine", "both", "--count", str(options.count)], cwd=ROOT, check=True,
                   timeout=7200)


if __name__ == "__main__":
    main()
