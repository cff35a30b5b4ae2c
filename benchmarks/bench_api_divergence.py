"""How far the stand-in is from the real API server: a trace of API requests replayed on both.

The requests of a run against the stand-in (by default the whole e2e suite, traced with
KES_DEVCLUSTER_TRACE) are sent again, in order and at their recorded pace, to a fresh stand-in
and to a fresh kube-apiserver 1.37 control plane (`make tools`), both with the process kubelet;
the two answers to each request are compared (tests/apidiff.py: status codes, and bodies once
uids, timestamps, resourceVersions and generated name suffixes are set aside). Printed: every
class of difference with its count, and the totals. docs/devcluster.md lists the classes.

Run: python benchmarks/bench_api_divergence.py [--trace FILE] [--smoke] [--json FILE]
  --smoke: a short scripted trace (kubectl apply, get, patch, label, delete, bad input) instead
           of the e2e suite; make test runs it (tests/benchmarks) and expects no difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import apidiff  # noqa: E402  (the replay and comparison the tests use)
import devcluster_harness  # noqa: E402

from kes.devcluster import tracing  # noqa: E402

SMOKE_MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata: {name: divergence}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: divergence, labels: {app: web}}
data: {mode: "one"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: divergence, labels: {app: web}}
stringData: {password: hunter2}
"""
# kube-apiserver describes every Table column from its API documentation; the stand-in only
# Name and Age (docs/devcluster.md, measured differences).
SMOKE_TOLERATED = "body: .columnDefinitions[].description"
# kubectl's everyday requests on objects that nothing changes behind its back, so that both
# engines' answers can be compared exactly (pods and workloads are in the e2e trace).
SMOKE_COMMANDS = [
    ["get", "cm", "-n", "divergence", "-l", "app=web"],
    ["get", "cm", "settings", "-n", "divergence", "-o", "json"],
    ["get", "secret", "creds", "-n", "divergence", "-o", "yaml"],
    ["patch", "cm", "settings", "-n", "divergence", "--type=merge", "-p",
     '{"data":{"mode":"two"}}'],
    ["patch", "cm", "settings", "-n", "divergence", "-p", '{"metadata":{"labels":{"t":"x"}}}'],
    ["patch", "cm", "settings", "-n", "divergence", "--type=json", "-p",
     '[{"op":"test","path":"/data/mode","value":"x"}]'],
    ["label", "cm", "settings", "-n", "divergence", "tier=front"],
    ["get", "cm", "nope", "-n", "divergence"],
    ["get", "cm", "-n", "divergence", "--field-selector=status.phase=x"],
    ["get", "pods", "-n", "divergence", "--field-selector=bogus=x"],
    ["get", "cm", "-n", "divergence", "-l", "app in (web", "-o", "name"],
    ["delete", "cm", "settings", "-n", "divergence"],
    ["delete", "secret", "creds", "-n", "divergence"],
]


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(Path(sys.executable).parent / "kubectl"), "--kubeconfig",
                    str(kubeconfig), *args], input=stdin, capture_output=True, text=True,
                   timeout=120, check=False)


def record_smoke(work: Path) -> Path:
    """A short trace: what kubectl sends for everyday commands, on a fresh stand-in."""
    trace = work / "smoke.jsonl"
    os.environ[tracing.ENVIRONMENT] = str(trace)
    cluster = devcluster_harness.start_devcluster(work / "record", engine="kes")
    del os.environ[tracing.ENVIRONMENT]
    try:
        config = Path(cluster.kubeconfig)
        kubectl(config, "apply", "-f", "-", stdin=SMOKE_MANIFEST)
        for args in SMOKE_COMMANDS:
            kubectl(config, *args)
    finally:
        devcluster_harness.stop_devcluster(cluster)
    return trace


def record_e2e(work: Path) -> Path:
    """The e2e suite on the stand-in, traced."""
    trace = work / "e2e.jsonl"
    env = {**os.environ, tracing.ENVIRONMENT: str(trace)}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    str(ROOT / "tests" / "e2e"), "--engine", "kes"], env=env, cwd=ROOT,
                   check=False, timeout=3600)
    return trace


def replay(trace: list[dict[str, Any]], *, engine: str, work: Path) -> list[apidiff.Answer]:
    cluster = devcluster_harness.start_devcluster(work / engine, engine=engine)
    answers = []
    try:
        replayer = apidiff.Replayer(cluster)
        start, first = time.monotonic(), trace[0]["time"] if trace else 0.0
        for entry in trace:
            delay = (entry["time"] - first) - (time.monotonic() - start)
            if delay > 0:
                time.sleep(delay)  # keep the recorded pace: objects have time to settle
            answers.append(replayer.send(entry))
    finally:
        devcluster_harness.stop_devcluster(cluster)
    return answers


def report(classes: Counter[tuple[str, str]], *, requests: int, streams: int) -> None:
    print(f"requests replayed: {requests - streams} ({streams} streams not replayed)")
    print(f"requests answered differently: {sum(classes.values())} in {len(classes)} classes")
    for (where, what), count in sorted(classes.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{count:5d}  {where}  {what}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trace", type=Path, default=None)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="write the classes here")
    options = parser.parse_args()
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    work = Path(tempfile.mkdtemp(prefix="kes-divergence-"))
    try:
        path = options.trace or (record_smoke(work) if options.smoke else record_e2e(work))
        trace = apidiff.read_trace(path)
        kes = replay(trace, engine="kes", work=work)
        kubernetes = replay(trace, engine="kubernetes", work=work)
        examples: dict[tuple[str, str], tuple[apidiff.Answer, apidiff.Answer]] = {}
        classes = apidiff.compare(kes, kubernetes, examples)
        report(classes, requests=len(trace), streams=sum(a.status is None for a in kes))
        if options.smoke:
            # The smoke trace is answered alike but for the documented Table descriptions.
            unexpected = [c for c in classes if c[1] != SMOKE_TOLERATED]
            if unexpected:
                raise SystemExit(f"undocumented differences: {unexpected}")
        if options.json is not None:
            options.json.write_text(json.dumps(
                [{"request": w, "difference": d, "count": c,
                  "example": {"path": examples[(w, d)][0].path,
                              "kes": examples[(w, d)][0].body,
                              "kubernetes": examples[(w, d)][1].body}}
                 for (w, d), c in classes.items()], indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
