"""RepositoryServer set-up time and BackupDataUsingKopiaServer throughput (issue 12).

On the devcluster, with a `kes controller run` process and the real kopia:

A. Time from `kubectl apply` of a RepositoryServer (filesystem repository on a PVC) to
   `status.progress: Ready`, split per step from the event log, against the same kopia commands
   run directly on this machine in the same run (repository connect, server status, server
   start and its status polls, user list, user add, server refresh): "kes adds" is the
   difference. ServerSetup (Service, Pod, waiting for the pod) has no direct counterpart and is
   shown apart. Target: kes adds < 1 s.
B. BackupDataUsingKopiaServer of fresh random data (200 MB; 5 MB with --smoke), the phase's
   duration from the log, against `kopia repository connect server` + `kopia snapshot create`
   of other fresh data of the same size run directly against the same server. Target ≤ 1.05×.

Run: python benchmarks/bench_repositoryserver.py [--rounds 3] [--size-mb 200] [--smoke]
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
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests", ROOT / "tests" / "e2e"):
    sys.path.insert(0, str(extra))

import devcluster_harness  # noqa: E402
import kopia_harness  # noqa: E402
import reposerver_harness as rs  # noqa: E402
from e2e_harness import Kube  # noqa: E402

from kes import application  # noqa: E402
from kes.adapters.kopia import commands, repository, server, snapshots, tls  # noqa: E402

STEPS = ("ServerSetup", "RepositoryConnected", "ServerInitialized", "ClientUserInitialized",
         "ServerRefreshed")


def server_events(store: Path, name: str, namespace: str) -> list[Any]:
    app = application.KesApplication(store=str(store), create=False)
    try:
        found = app.find(kind="repositoryserver", namespace=namespace, name=name)
        return [] if found is None else list(app.events_of(found))
    finally:
        app.close()


def kes_setup(kube: Kube, store: Path, namespace: str) -> dict[str, float]:
    """Create a RepositoryServer, wait for Ready; per-step seconds from the log, and totals."""
    name = f"bench-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    kube.apply([rs.repositoryserver(name, namespace)])
    rs.wait_progress(kube, name, namespace, "Ready", timeout=300)
    total = time.monotonic() - started
    found = server_events(store, name, namespace)
    figures = {type(e).__name__: float(e.duration_s) for e in found
               if type(e).__name__ in STEPS}
    for event in found:
        if type(event).__name__ == "KopiaCommandRan":
            key = "cmd " + _command_name(event.command)
            figures[key] = figures.get(key, 0.0) + float(event.duration_s)
    ready = next(e for e in found if type(e).__name__ == "ServerReady")
    figures["log total"] = float(ready.duration_s)
    figures["apply to Ready"] = total
    rs.delete_and_wait(kube, name, namespace)
    return figures


def _command_name(logged: str) -> str:
    """`server user add`, `repository connect`, … from a logged kopia command line."""
    text = logged.removeprefix("bash -o errexit -c ")
    words = [w for w in text.split() if not w.startswith("-") and w != "kopia"]
    if words[:2] in (["server", "user"], ["server", "users"]):
        return " ".join(words[:3])
    return " ".join(words[:2])


def direct_setup(work: Path, *, hostnames: tuple[str, ...]) -> dict[str, float]:
    """The same kopia commands on this machine: connect, status, start + polls, users,
    refresh."""
    kopia = kopia_harness.Kopia(work)
    storage = work / "repo"
    common = commands.CommandArgs(repo_password=rs.REPO_PASSWORD,
                                  config_file_path=str(work / "server.config"),
                                  log_directory=str(work / "log"))
    location = {"type": "filestore"}
    create = repository.create(repository.RepositoryArgs(
        common=common, location=location, cache_directory=str(work / "cache")))
    _run_at_path(kopia, create, storage)
    cert, key = kopia_harness.make_certificate()
    (work / "tls.crt").write_bytes(cert)
    (work / "tls.key").write_bytes(key)
    address = server.address("127.0.0.1", kopia_harness.free_port())
    client = server.ClientArgs(common=common, server_address=address, server_username="admin",
                               server_password=rs.ADMIN_PASSWORD,
                               fingerprint=tls.fingerprint(cert))
    figures: dict[str, float] = {}
    real_run = kopia.run

    def timed(cmd: commands.Command, **kwargs: Any) -> kopia_harness.Result:
        began = time.monotonic()
        try:
            return real_run(cmd, **kwargs)
        finally:
            key = "cmd " + _command_name(cmd.logged())
            figures[key] = figures.get(key, 0.0) + time.monotonic() - began

    kopia.run = timed  # type: ignore[method-assign]
    t0 = time.monotonic()
    _run_at_path(kopia, repository.connect(repository.RepositoryArgs(
        common=common, location=location, cache_directory=str(work / "cache"),
        hostname="repo-server", username="kanister-admin")), storage)
    figures["RepositoryConnected"] = figures["cmd repository connect"] = time.monotonic() - t0
    t0 = time.monotonic()
    assert kopia.run(server.status(client), check=False).returncode != 0
    start = server.start(server.StartArgs(
        common=commands.CommandArgs(config_file_path=common.config_file_path,
                                    log_directory=common.log_directory),
        server_address=address, tls_cert_file=str(work / "tls.crt"),
        tls_key_file=str(work / "tls.key"), server_username="admin",
        server_password=rs.ADMIN_PASSWORD))
    inv = start.invocation()
    process = subprocess.Popen(list(inv.argv), env=kopia.env(inv.secret_env),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        delay = 0.1
        while kopia.run(server.status(client), check=False).returncode != 0:
            time.sleep(delay)  # the controller's own backoff, for a like-for-like baseline
            delay = min(delay * 2, 1.0)
        figures["ServerInitialized"] = time.monotonic() - t0
        figures["cmd server status"] = figures["ServerInitialized"]  # polls and pauses, as kes
        t0 = time.monotonic()
        kopia.run(server.list_users(common))
        for host in hostnames:
            kopia.run(server.add_user(common, username=f"kanisteruser@{host}",
                                      user_password=rs.USER_PASSWORD))
        figures["ClientUserInitialized"] = time.monotonic() - t0
        t0 = time.monotonic()
        kopia.run(server.refresh(client))
        figures["ServerRefreshed"] = time.monotonic() - t0
    finally:
        process.terminate()
        process.wait(timeout=30)
    figures["total"] = sum(v for k, v in figures.items() if not k.startswith("cmd "))
    return figures


def _run_at_path(kopia: kopia_harness.Kopia, cmd: commands.Command, path: Path) -> None:
    """A filesystem repository command with its /mnt/data path pointed at `path`."""
    inv = cmd.invocation()
    argv = [a if not a.startswith("--path=") else f"--path={path}" for a in inv.argv]
    done = subprocess.run(argv, env=kopia.env(inv.secret_env), capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])


def fill(directory: Path, size_mb: int) -> None:
    """Fresh random files (so no backup can deduplicate against an earlier one)."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    left = size_mb * 1_000_000
    index = 0
    while left > 0:
        chunk = min(left, 20_000_000)
        (directory / f"f{index}.bin").write_bytes(os.urandom(chunk))
        left -= chunk
        index += 1
    (directory / "small").mkdir()
    for i in range(200):
        (directory / "small" / f"s{i}.txt").write_bytes(os.urandom(4000))


def kes_backup(kube: Kube, store: Path, namespace: str, server_name: str) -> float:
    name = f"backup-{uuid.uuid4().hex[:6]}"
    kube.apply([rs.actionset(name, namespace, action="backup", server=server_name)])
    done = kube.wait_actionset(name, namespace, timeout=900)
    assert done["status"]["state"] == "complete", done["status"]
    app = application.KesApplication(store=str(store), create=False)
    try:
        run_id = app.run_for(namespace, name)
        assert run_id is not None
        completed = next(e for e in app.events_of(run_id)
                         if type(e).__name__ == "PhaseCompleted")
        return float(completed.duration_s)
    finally:
        app.close()


def direct_backup(work: Path, *, data: Path, service_address: str, cert: bytes) -> float:
    kopia = kopia_harness.Kopia(work)
    access = repository.ServerConnectArgs(
        user_password=rs.USER_PASSWORD, config_file_path=str(work / f"{uuid.uuid4().hex}.cfg"),
        log_directory=str(work / "client-log"), server_url=service_address,
        fingerprint=tls.fingerprint(cert), cache_directory=str(work / "client-cache"),
        hostname="bench-direct", username="kanisteruser", cache=commands.CacheArgs(0, 500))
    started = time.monotonic()
    kopia.run(repository.connect_server(access))
    kopia.run(snapshots.create(snapshots.CreateArgs(
        common=commands.CommandArgs(config_file_path=access.config_file_path,
                                    log_directory=access.log_directory),
        path_to_backup=str(data), parallelism=8, enable_progress=True)), timeout=900)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="one round of 5 MB (make test)")
    options = parser.parse_args()
    rounds, size_mb = (1, 5) if options.smoke else (options.rounds, options.size_mb)
    with tempfile.TemporaryDirectory(prefix="bench-reposerver-") as scratch:
        work = Path(scratch)
        cluster = devcluster_harness.start_devcluster(work / "devcluster")
        kube = Kube(Path(cluster.kubeconfig))
        # The default check interval: each check of a Ready server is a kopia process.
        controller = rs.controller(Path(cluster.kubeconfig), work, check_interval="10s")
        try:
            controller.start()
            namespace = "bench-reposerver"
            kube.apply([{"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": namespace}}])
            hostnames = ("client-a", "bench-direct")
            secrets = rs.filestore_setup(kube, namespace, work, hostnames=hostnames)
            setups = [(kes_setup(kube, controller.store, namespace),
                       direct_setup(Path(tempfile.mkdtemp(dir=work)), hostnames=hostnames))
                      for _ in range(rounds)]
            report_setup(setups)
            backups = run_backups(kube, controller.store, namespace, work, secrets,
                                  rounds=rounds, size_mb=size_mb, data_dir=cluster.data_dir)
            report_backups(backups, size_mb=size_mb)
        finally:
            controller.stop()
            devcluster_harness.stop_devcluster(cluster)


def run_backups(
    kube: Kube, store: Path, namespace: str, work: Path, secrets: list[dict[str, Any]], *,
    rounds: int, size_mb: int, data_dir: Path,
) -> list[tuple[float, float]]:
    name = "bench-backup"
    kube.apply([rs.repositoryserver(name, namespace)])
    rs.wait_progress(kube, name, namespace, "Ready", timeout=300)
    kube.apply(rs.application(namespace))
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=120s")
    kube.apply([rs.blueprint(namespace)])
    pvc = kube.get("pvc", "app-data", namespace) or {}
    # Where the devcluster keeps the claim's data (its kubelet's rule).
    volume = pvc.get("spec", {}).get("volumeName") or f"pvc-{pvc['metadata']['uid']}"
    app_data = data_dir / "volumes" / volume
    cert = next(rs.base64.b64decode(d["data"]["tls.crt"]) for d in secrets
                if d["metadata"]["name"] == "repository-server-tls")
    address = f"https://127.0.0.1:{server.SERVER_PORT}"  # the Service, from this machine
    results = []
    try:
        for index in range(rounds):
            # Alternate which goes first, so neither always meets a warmer machine.
            order = ("kes", "direct") if index % 2 == 0 else ("direct", "kes")
            seconds: dict[str, float] = {}
            for which in order:
                if which == "kes":
                    fill(app_data, size_mb)
                    seconds["kes"] = kes_backup(kube, store, namespace, name)
                else:
                    direct_data = work / "direct-data"
                    fill(direct_data, size_mb)
                    seconds["direct"] = direct_backup(work, data=direct_data,
                                                      service_address=address, cert=cert)
            results.append((seconds["kes"], seconds["direct"]))
    finally:
        rs.delete_and_wait(kube, name, namespace)
    return results


def report_setup(setups: list[tuple[dict[str, float], dict[str, float]]]) -> None:
    print("A. RepositoryServer creation to Ready (filesystem repository), median of "
          f"{len(setups)} round(s), seconds")
    print(f"  {'step':<24}{'kes (log)':>12}{'direct':>10}")
    for step in STEPS:
        kes = statistics.median(s[0].get(step, 0.0) for s in setups)
        direct = statistics.median(s[1].get(step, 0.0) for s in setups) if step != (
            "ServerSetup") else float("nan")
        print(f"  {step:<24}{kes:>12.2f}{direct:>10.2f}")
    commands_seen = sorted({k for s in setups for k in s[0] if k.startswith("cmd ")})
    for key in commands_seen:
        kes = statistics.median(s[0].get(key, 0.0) for s in setups)
        direct = statistics.median(s[1].get(key, 0.0) for s in setups)
        print(f"    {key[4:]:<22}{kes:>12.2f}{direct:>10.2f}")
    kes_total = statistics.median(s[0]["apply to Ready"] for s in setups)
    log_total = statistics.median(s[0]["log total"] for s in setups)
    setup = statistics.median(s[0]["ServerSetup"] for s in setups)
    direct_total = statistics.median(s[1]["total"] for s in setups)
    print(f"  kubectl apply → status Ready: {kes_total:.2f} s (log: set-up began → ServerReady "
          f"{log_total:.2f} s); the same kopia commands directly: {direct_total:.2f} s")
    print("  rounds (kes apply→Ready / direct): " + ", ".join(
        f"{k['apply to Ready']:.2f}/{d['total']:.2f}" for k, d in setups))
    print(f"  kes adds {kes_total - direct_total:.2f} s in all, of which ServerSetup (Service, "
          f"Pod, pod Ready) {setup:.2f} s; without it {kes_total - setup - direct_total:.2f} s "
          "(target < 1 s)")


def report_backups(results: list[tuple[float, float]], *, size_mb: int) -> None:
    kes = statistics.median(r[0] for r in results)
    direct = statistics.median(r[1] for r in results)
    print(f"B. Backup of {size_mb} MB of fresh random data, median of {len(results)} round(s)")
    print(f"  BackupDataUsingKopiaServer phase: {kes:.2f} s ({size_mb / kes:.1f} MB/s); "
          f"connect + snapshot create directly: {direct:.2f} s ({size_mb / direct:.1f} MB/s)")
    best = min(r[0] for r in results) / min(r[1] for r in results)
    print(f"  ratio kes/direct: median {kes / direct:.3f}×, best times {best:.3f}× "
          "(target ≤ 1.05×); rounds kes/direct: "
          + ", ".join(f"{k:.2f}/{d:.2f}" for k, d in results))


if __name__ == "__main__":
    main()
