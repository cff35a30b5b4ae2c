"""Controller throughput and overhead on the devcluster (issue 6's benchmark).

200 ActionSets of a 3-phase Blueprint whose phases are quick KubeExec calls are submitted at once
to a `kes controller run` process. Printed:
- ActionSets/s from the first submission to the last ActionSet's end;
- controller overhead per phase, measured one ActionSet at a time: the time from the previous
  phase's end to this phase's end in the log, minus the command's own time (a direct exec of the
  same command through the same adapter, measured in this run: the baseline), p50/p99;
- API writes per ActionSet (status writes + Kubernetes Events, from the controller's /metrics) and
  status writes per phase transition;
- the controller's RSS; and whether any ActionSet was lost or stuck.

On `--engine kubernetes` the same run goes to kube-apiserver 1.37 (`make tools`), the process
kubelet as its node, with the controller holding deploy/'s RBAC (its ServiceAccount token);
`--engine both` runs the stand-in, then the real control plane, one after the other in the
same process, and ends with their ratios. `--smoke` is the short run `make test` does.

Run: python benchmarks/bench_controller.py [--count 200] [--engine kes|kubernetes|both] [--smoke]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import devcluster_harness  # noqa: E402  (the devcluster starter the tests use)

from kes import application  # noqa: E402
from kes.adapters.k8s import client, podexec  # noqa: E402

NAMESPACE = "bench"
COMMAND = ["sh", "-c", "kando output done yes"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "kubectl"), "--kubeconfig", str(kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return result.stdout


def metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the controller did not become ready") from None
            time.sleep(0.2)


def submit_and_wait(kubeconfig: Path, names: list[str], timeout: float = 900) -> dict[str, str]:
    """Apply ActionSets of the bench Blueprint; wait until each has ended; their states."""
    actionsets = [
        {
            "apiVersion": "cr.kanister.io/v1alpha1",
            "kind": "ActionSet",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {
                "actions": [
                    {
                        "name": "run",
                        "blueprint": "bench",
                        "object": {"kind": "Namespace", "name": NAMESPACE, "namespace": NAMESPACE},
                    }
                ]
            },
        }
        for name in names
    ]
    kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all(actionsets))
    wanted = set(names)
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        listing = json.loads(
            kubectl(kubeconfig, "get", "actionsets", "-n", NAMESPACE, "-o", "json")
        )
        states = {
            item["metadata"]["name"]: (item.get("status") or {}).get("state", "")
            for item in listing["items"]
            if item["metadata"]["name"] in wanted and not item["metadata"].get("finalizers")
        }
        if sum(s in ("complete", "failed") for s in states.values()) == len(wanted):
            break
        time.sleep(0.2 if len(wanted) == 1 else 0.5)
    return states


def phase_times(store: Path, *, names: set[str]) -> tuple[list[float], list[float], int]:
    """(phase wall times, gaps between consecutive phases, phase transitions) from the log."""
    app = application.KesApplication(store=str(store))
    walls: list[float] = []
    gaps: list[float] = []
    transitions = 0
    for run_id in app.list_runs(terminal=None):
        run = app.run(run_id)
        if run.name not in names:
            continue
        previous_end: dt.datetime | None = None
        for phase_run in run.actions[0].phases:
            if phase_run.started_at and phase_run.ended_at:
                walls.append((phase_run.ended_at - phase_run.started_at).total_seconds())
                if previous_end is not None:
                    gaps.append((phase_run.started_at - previous_end).total_seconds())
                previous_end = phase_run.ended_at
                transitions += 2  # started, ended
    return walls, gaps, transitions


def controller_kubeconfig(cluster: devcluster_harness.DevCluster, work: Path) -> Path:
    """deploy/'s ServiceAccount and RBAC on a real API server; the admin on the stand-in."""
    kubeconfig = Path(cluster.kubeconfig)
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kes"}}
    kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(namespace))
    kubectl(kubeconfig, "apply", "-f", str(ROOT / "deploy" / "rbac.yaml"))
    path: Path = cluster.service_account_kubeconfig(namespace="kes", name="kes-controller",
                                                    path=work / "controller.kubeconfig")
    return path


def run(engine: str, options: argparse.Namespace) -> dict[str, float]:
    """One engine's run: prints its figures and returns the ones compared across engines."""
    work = Path(tempfile.mkdtemp(prefix="kes-bench-"))
    cluster = devcluster_harness.start_devcluster(work / "cluster", engine=engine)
    controller = None
    try:
        kubeconfig = Path(cluster.kubeconfig)
        api = client.from_kubeconfig(path=str(kubeconfig))
        target_pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "target", "namespace": NAMESPACE},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]},
        }
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all([namespace, target_pod]))
        kubectl(
            kubeconfig,
            "wait",
            "--for=condition=Ready",
            "pod/target",
            "-n",
            NAMESPACE,
            "--timeout=60s",
        )

        # Baseline: the phase's command exec'd directly through the same adapter, in this run.
        baseline = []
        for _ in range(options.baseline):
            started = time.monotonic()
            podexec.run(api, namespace=NAMESPACE, pod="target", container="app", command=COMMAND)
            baseline.append(time.monotonic() - started)
        exec_p50 = statistics.median(baseline)

        health = free_port()
        store = work / "store.sqlite3"
        with (work / "controller.log").open("wb") as log:
            controller = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kes.cli",
                    "controller",
                    "run",
                    "--kubeconfig",
                    str(controller_kubeconfig(cluster, work)),
                    "--store",
                    str(store),
                    "--workers",
                    "8",
                    "--health-port",
                    str(health),
                    "--log-level",
                    "warning",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        wait_ready(health)
        phase = {
            "func": "KubeExec",
            "args": {
                "namespace": NAMESPACE,
                "pod": "target",
                "container": "app",
                "command": COMMAND,
            },
        }
        blueprint = {
            "apiVersion": "cr.kanister.io/v1alpha1",
            "kind": "Blueprint",
            "metadata": {"name": "bench", "namespace": NAMESPACE},
            "actions": {"run": {"phases": [dict(phase, name=f"p{i}") for i in range(3)]}},
        }
        kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump(blueprint))

        # Sequential: one ActionSet at a time, so the overhead is not hidden by contention.
        sequential = [f"seq-{i:03d}" for i in range(options.sequential)]
        for name in sequential:
            submit_and_wait(kubeconfig, [name])
        seq_walls, seq_gaps, _ = phase_times(store, names=set(sequential))
        # A phase's cost to the controller: from the previous phase's end to its own end
        # (recording, params, rendering, the function's setup, the exec) minus the bare exec.
        seq_steps = [
            w + g
            for w, g in zip(
                seq_walls[1::3] + seq_walls[2::3], seq_gaps[0::2] + seq_gaps[1::2], strict=True
            )
        ]
        seq_overhead = [step - exec_p50 for step in seq_steps]

        # Concurrent: everything at once.
        names = [f"as-{i:04d}" for i in range(options.count)]
        submitted = time.monotonic()
        states = submit_and_wait(kubeconfig, names)
        elapsed = time.monotonic() - submitted
        wait_ready(health)  # the projections caught up: every write is counted
        status_writes = metric(health, "kes_status_writes_total")
        events_written = metric(health, "kes_kubernetes_events_written_total")
        rss_kb = 0
        for line in Path(f"/proc/{controller.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])

        walls, gaps, transitions = phase_times(store, names=set(names))
        total = options.count + options.sequential
        complete = sum(state == "complete" for state in states.values())
        print(f"== engine {engine}")
        print(f"baseline: direct exec of the phase command, p50 {exec_p50 * 1000:.1f} ms")
        print(f"sequential ({options.sequential} ActionSets of 3 KubeExec phases, one at a time):")
        print(
            f"  controller overhead per phase (previous phase's end to this one's end, minus "
            f"the baseline): "
            f"p50 {percentile(seq_overhead, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(seq_overhead, 0.99) * 1000:.1f} ms; "
            f"ratio to the baseline p50 = {percentile(seq_steps, 0.5) / exec_p50:.2f}"
        )
        print(
            f"  gap between consecutive phases: p50 {percentile(seq_gaps, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(seq_gaps, 0.99) * 1000:.1f} ms"
        )
        print(f"concurrent ({options.count} ActionSets submitted at once):")
        print(
            f"  {complete} complete, {len(states) - complete} failed, "
            f"{options.count - len(states)} lost or stuck"
        )
        print(f"  throughput: {options.count / elapsed:.2f} ActionSets/s ({elapsed:.1f} s in all)")
        print(
            f"  phase wall time under load: p50 {percentile(walls, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(walls, 0.99) * 1000:.0f} ms; gap between phases "
            f"p50 {percentile(gaps, 0.5) * 1000:.1f} ms, p99 {percentile(gaps, 0.99) * 1000:.1f} ms"
        )
        per_run_transitions = transitions / max(1, options.count)
        print(
            f"API writes per ActionSet (all {total}): "
            f"{(status_writes + events_written) / total:.1f} "
            f"({status_writes / total:.2f} status, {events_written / total:.1f} events)"
        )
        print(
            f"status writes per phase transition: "
            f"{status_writes / max(1.0, per_run_transitions * total):.2f}"
        )
        print(f"controller RSS: {rss_kb / 1024:.0f} MiB")
        if complete != options.count:
            raise SystemExit(f"{options.count - complete} ActionSets did not complete on {engine}")
        return {"exec_p50": exec_p50, "overhead_p50": percentile(seq_overhead, 0.5),
                "throughput": options.count / elapsed}
    finally:
        if controller is not None:
            controller.terminate()
            controller.wait(timeout=30)
        devcluster_harness.stop_devcluster(cluster)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--sequential", type=int, default=20)
    parser.add_argument("--baseline", type=int, default=30)
    parser.add_argument("--engine", choices=("kes", "kubernetes", "both"), default="kes")
    parser.add_argument("--smoke", action="store_true",
                        help="3 concurrent and 2 sequential ActionSets: proves the script runs")
    options = parser.parse_args()
    if options.smoke:
        options.count, options.sequential, options.baseline = 3, 2, 3
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    engines = ["kes", "kubernetes"] if options.engine == "both" else [options.engine]
    figures = {engine: run(engine, options) for engine in engines}
    if len(figures) == 2:
        kes, real = figures["kes"], figures["kubernetes"]
        print("== kubernetes / kes")
        print(f"direct exec p50: {real['exec_p50'] / kes['exec_p50']:.2f}x; controller overhead "
              f"per phase p50: {real['overhead_p50'] / kes['overhead_p50']:.2f}x; throughput: "
              f"{real['throughput'] / kes['throughput']:.2f}x")


if __name__ == "__main__":
    main()
