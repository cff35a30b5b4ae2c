"""Benchmark of the local API stand-in with the official Python client over real HTTPS.

10 writers create 2,000 configmaps while 5 watchers follow; then the 2,000 are listed. Prints
writes/s, list latency, watch delivery lag (p50/p99), server RSS, and whether every watcher saw
every event exactly once and in order. Issue targets: >= 500 writes/s, list < 300 ms,
p99 lag < 100 ms.

    PYTHONPATH=. python benchmarks/bench_devcluster.py [--objects N] [--writers N] [--watchers N]
        [--smoke]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import kubernetes.client
import kubernetes.config

NAMESPACE = "default"


def _start(data_dir: pathlib.Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kes.devcluster",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            "--no-kubelet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("serving on"):
        process.kill()
        raise SystemExit(f"the devcluster did not start: {line!r}")
    return process, int(line.rsplit(":", 1)[1])


def _configuration(kubeconfig: pathlib.Path) -> kubernetes.client.Configuration:
    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(
        config_file=str(kubeconfig), client_configuration=configuration
    )
    return configuration


def _rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _watcher(
    kubeconfig: str, start_rv: str, objects: int, ready: Any, results: Any, tag: str
) -> None:
    api = kubernetes.client.ApiClient(_configuration(pathlib.Path(kubeconfig)))
    response = api.call_api(
        f"/api/v1/namespaces/{NAMESPACE}/configmaps?watch=true&resourceVersion={start_rv}"
        "&timeoutSeconds=120",
        "GET",
        auth_settings=["BearerToken"],
        _preload_content=False,
        header_params={"Accept": "application/json"},
    )
    ready.put(tag)
    seen: list[tuple[int, str, float]] = []
    buffer = b""
    for chunk in response.stream(None, decode_content=False):
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            meta = json.loads(line)["object"]["metadata"]
            seen.append((int(meta["resourceVersion"]), meta["name"], time.monotonic()))
        if len(seen) >= objects:
            break
    response.release_conn()
    api.close()
    results.put((tag, seen))


def _writer(
    kubeconfig: str, index: int, writers: int, objects: int, results: Any, tag: str
) -> None:
    # On a small machine ten busy client processes would starve the watchers of CPU and the
    # lag would measure the client's scheduling; lower the writers' priority instead.
    os.nice(10)
    api = kubernetes.client.ApiClient(_configuration(pathlib.Path(kubeconfig)))
    v1 = kubernetes.client.CoreV1Api(api)
    written_at: dict[str, float] = {}
    sent_at: dict[str, float] = {}
    for i in range(index, objects, writers):
        name = f"bench-{i:05d}"
        sent_at[name] = time.monotonic()
        v1.create_namespaced_config_map(
            NAMESPACE, {"metadata": {"name": name}, "data": {"i": str(i)}}
        )
        written_at[name] = time.monotonic()
    api.close()
    results.put((tag, {name: (sent_at[name], done) for name, done in written_at.items()}))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--watchers", type=int, default=5)
    parser.add_argument("--smoke", action="store_true",
                        help="50 objects, 2 writers, 1 watcher: proves the script runs; only "
                        "the exactly-once check decides the exit code")
    args = parser.parse_args()
    if args.smoke:
        args.objects, args.writers, args.watchers = 50, 2, 1

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = pathlib.Path(tmp)
        process, _port = _start(data_dir)
        try:
            return _run(args, data_dir=data_dir, pid=process.pid)
        finally:
            process.terminate()
            process.wait(timeout=15)
            if process.stdout is not None:
                process.stdout.close()


def _run(args: argparse.Namespace, *, data_dir: pathlib.Path, pid: int) -> int:
    configuration = _configuration(data_dir / "kubeconfig")
    setup = kubernetes.client.ApiClient(configuration)
    core = kubernetes.client.CoreV1Api(setup)
    start_rv = core.list_namespaced_config_map(NAMESPACE).metadata.resource_version
    rss_before = _rss_kib(pid)

    # Writers and watchers are separate processes: in one process the client's GIL, not the
    # server, would set the pace. time.monotonic() is system-wide on Linux, so lags compare.
    ctx = multiprocessing.get_context("fork")
    results: Any = ctx.Queue()
    ready: Any = ctx.Queue()
    kubeconfig = str(data_dir / "kubeconfig")
    watchers = [
        ctx.Process(
            target=_watcher, args=(kubeconfig, start_rv, args.objects, ready, results, f"w{i}")
        )
        for i in range(args.watchers)
    ]
    for p in watchers:
        p.start()
    for _ in watchers:
        ready.get(timeout=60)  # every watch is open before the first write
    writers = [
        ctx.Process(
            target=_writer, args=(kubeconfig, i, args.writers, args.objects, results, f"p{i}")
        )
        for i in range(args.writers)
    ]
    began = time.monotonic()
    cpu_began = _cpu_seconds(pid)
    for p in writers:
        p.start()
    written_at: dict[str, tuple[float, float]] = {}
    seen: list[list[tuple[int, str, float]]] = []
    write_seconds = server_cpu = 0.0
    for _ in range(args.writers + args.watchers):
        tag, payload = results.get(timeout=300)
        if tag.startswith("p"):
            written_at.update(payload)
            if len(written_at) == args.objects:
                write_seconds = time.monotonic() - began
                server_cpu = _cpu_seconds(pid) - cpu_began
        else:
            seen.append(payload)
    for p in writers + watchers:
        p.join(timeout=30)

    raw_list_ms = []
    typed_list_ms = []
    for _ in range(5):
        t0 = time.perf_counter()
        response = setup.call_api(
            f"/api/v1/namespaces/{NAMESPACE}/configmaps",
            "GET",
            auth_settings=["BearerToken"],
            _preload_content=False,
            header_params={"Accept": "application/json"},
        )
        items = json.loads(response.data)["items"]
        raw_list_ms.append((time.perf_counter() - t0) * 1000)
        assert len(items) == args.objects
        t0 = time.perf_counter()
        typed = core.list_namespaced_config_map(NAMESPACE)
        typed_list_ms.append((time.perf_counter() - t0) * 1000)
        assert len(typed.items) == args.objects

    exact = all(
        len(events) == args.objects
        and [rv for rv, _, _ in events] == sorted(rv for rv, _, _ in events)
        and len({name for _, name, _ in events}) == args.objects
        for events in seen
    )
    # Lag: from the writer getting its 201 to the watcher reading the event. An event can be
    # read before the writer thread records its response; those count as zero lag.
    lags = [
        max(0.0, at - written_at[name][1]) * 1000
        for events in seen
        for _, name, at in events
        if name in written_at
    ]
    # The same, from the moment the writer sent the request (includes the write itself).
    sent_lags = [
        (at - written_at[name][0]) * 1000
        for events in seen
        for _, name, at in events
        if name in written_at
    ]
    writes_per_second = args.objects / write_seconds
    list_ms = statistics.median(raw_list_ms)
    p99 = _percentile(lags, 0.99)
    print(f"objects={args.objects} writers={args.writers} watchers={args.watchers}")
    print(f"writes/s: {writes_per_second:.0f} (target >= 500)")
    print(
        f"server CPU while writing: {server_cpu:.2f} s of {write_seconds:.2f} s wall "
        f"({server_cpu / write_seconds:.0%} of one core)"
    )
    print(f"list of {args.objects} (HTTP + JSON), median of 5: {list_ms:.1f} ms (target < 300)")
    print(
        f"list of {args.objects} (typed client models), median of 5: "
        f"{statistics.median(typed_list_ms):.1f} ms"
    )
    print(f"watch lag: p50 {_percentile(lags, 0.5):.1f} ms, p99 {p99:.1f} ms (target < 100)")
    print(
        f"watch lag from the request's start: p50 {_percentile(sent_lags, 0.5):.1f} ms, "
        f"p99 {_percentile(sent_lags, 0.99):.1f} ms"
    )
    print(f"every watcher saw every event exactly once, in order: {exact}")
    print(f"server RSS: {rss_before / 1024:.1f} MiB before, {_rss_kib(pid) / 1024:.1f} MiB after")
    setup.close()
    ok = exact and writes_per_second >= 500 and list_ms < 300 and p99 < 100
    if args.smoke:
        print("smoke mode: the speed targets are not judged")
        return 0 if exact else 1
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
