"""BackupData and RestoreData against the same restic commands run directly (issue 11's benchmark).

Data: ~200 MB of mixed content on a PVC of an application pod of the devcluster (4 × 20 MB
random, a 20 MB duplicate of one, 6 × 10 MB compressible logs, 4,000 small files of 1–16 KB).
Each round, in alternating order:
- kes: BackupData (by exec in the application pod: `cat config` probe, then `backup`) and
  RestoreData (a `restore-data-*` pod mounting an empty PVC, `restore`), called as the controller
  calls them;
- restic directly: the same commands (`cat config`, `backup --json --tag`, `restore --json`) as
  processes of this machine with the same environment, data and kind of repository.
Each round uses fresh repositories, initialised before timing (init's key derivation varies by
seconds), so every backup is a full one; the restore targets are emptied and the page cache's
dirty data written out (`sync`) before each timed step; the first restores are checked byte for
byte. The machine is shared: run several rounds, the medians are what counts.
Printed: MB/s of each and the ratio of kes's wall time to restic's (target ≤ 1.05): medians,
and the fastest runs; and the ratio of CPU time, which the machine's load disturbs far less.

Run: python benchmarks/bench_datamover.py [--rounds 3] [--s3] [--smoke]
`--smoke` uses ~6 MB and one round (seconds); `--s3` puts the repositories on a moto server
instead of a directory.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import devcluster_harness  # noqa: E402  (the devcluster starter the tests use)
import restic_harness  # noqa: E402  (Profiles and a direct restic, as the tests use them)

from kes.adapters.k8s import client, objects, pods  # noqa: E402
from kes.adapters.restic import commands, locations, parsing  # noqa: E402
from kes.functions import base, registry  # noqa: E402

NAMESPACE = "bench"
KEY = "bench-datamover-key"
MOUNT = "/bench-data"
MB = 1024 * 1024


def make_dataset(root: Path, *, scale: float) -> int:
    """The reference data set (kopia-and-restic.md section 5), scaled; its size in bytes."""
    rng = random.Random(20260101)
    root.mkdir(parents=True, exist_ok=True)
    big = int(20 * MB * scale)
    first = b""
    for index in range(4):
        blob = rng.randbytes(big)
        first = first or blob
        (root / f"random-{index}.bin").write_bytes(blob)
    (root / "duplicate.bin").write_bytes(first)
    words = [b"INFO", b"request", b"served", b"user", b"latency", b"ms", b"GET", b"/api/v1"]
    for index in range(6):
        lines = []
        size = 0
        while size < 10 * MB * scale:
            line = b" ".join(rng.choice(words) for _ in range(12)) + b" %d\n" % rng.randint(0, 999)
            lines.append(line)
            size += len(line)
        (root / f"log-{index}.txt").write_bytes(b"".join(lines))
    small = root / "small"
    for index in range(max(40, int(4000 * scale))):
        directory = small / f"d{index % 40:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"f{index:04d}").write_bytes(rng.randbytes(rng.randint(1024, 16 * 1024)))
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def digest(root: Path) -> str:
    total = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        total.update(str(path.relative_to(root)).encode())
        total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def empty(root: Path) -> None:
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


class Cluster:
    """The devcluster, a namespace, an app pod on PVC `data` and an empty PVC `restore`."""

    def __init__(self, work: Path) -> None:
        self.dev = devcluster_harness.start_devcluster(work / "cluster")
        self.api = client.from_kubeconfig(path=str(self.dev.kubeconfig))
        objects.request(self.api, method="POST", url_path="/api/v1/namespaces",
                        body={"metadata": {"name": NAMESPACE}})  # fmt: skip
        for claim in ("data", "restore"):
            objects.request(
                self.api, method="POST",
                url_path=f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims",
                body={"metadata": {"name": claim}, "spec": {"accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "1Gi"}}}},
            )  # fmt: skip
        for name, claim in (("app", "data"), ("keeper", "restore")):
            pods.create(self.api, body={
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {"containers": [{"name": "app", "image": "busybox",
                                         "command": ["sleep", "36000"],
                                         "volumeMounts": [{"name": "v", "mountPath": MOUNT}]}],
                         "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}]},
            })  # fmt: skip
            pods.wait_until_not_pending(
                self.api, namespace=NAMESPACE, name=name, cancel=None, timeout=120
            )

    def pvc_dir(self, claim: str) -> Path:
        obj = objects.get(self.api, group="", version="v1", resource="persistentvolumeclaims",
                          namespace=NAMESPACE, name=claim)  # fmt: skip
        volume = obj["spec"].get("volumeName") or f"pvc-{obj['metadata']['uid']}"
        return self.dev.data_dir / "volumes" / volume

    def ctx(self, profile: dict[str, Any]) -> base.PhaseContext:
        return base.PhaseContext(
            api=self.api, namespace=NAMESPACE,
            action_set=base.ActionSetRef(name="bench", namespace=NAMESPACE, uid="bench"),
            template_params={"Profile": profile},
        )  # fmt: skip

    def stop(self) -> None:
        self.api.close()
        self.dev.process.terminate()
        try:
            self.dev.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.dev.process.kill()


def kes_backup(cluster: Cluster, profile: dict[str, Any], prefix: str) -> str:
    spec = registry.lookup("BackupData")
    assert spec.run is not None
    out = spec.run(cluster.ctx(profile), {
        "namespace": NAMESPACE, "pod": "app", "container": "app", "includePath": MOUNT,
        "backupArtifactPrefix": prefix, "encryptionKey": KEY,
    })  # fmt: skip
    assert out is not None
    return str(out["backupID"])


def kes_restore(cluster: Cluster, profile: dict[str, Any], prefix: str, snapshot: str) -> None:
    spec = registry.lookup("RestoreData")
    assert spec.run is not None
    spec.run(cluster.ctx(profile), {
        "namespace": NAMESPACE, "image": "busybox", "backupArtifactPrefix": prefix,
        "volumes": {"restore": MOUNT}, "backupIdentifier": snapshot, "encryptionKey": KEY,
    })  # fmt: skip


def direct(repository: locations.Repository, *args: str) -> str:
    """restic as a process of this machine, with the environment the pod's restic gets."""
    env = {"PATH": os.environ["PATH"], **commands.direct_environment(repository, password=KEY)}
    done = subprocess.run(["restic", *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"restic {args[0]} failed: {done.stderr[-1000:]}")
    return done.stdout


def direct_backup(repository: locations.Repository, source: Path) -> str:
    direct(repository, *commands.cat_config(insecure_tls=False))
    stdout = direct(repository, *commands.backup(tag="directbench", include_path=str(source),
                                                  insecure_tls=False))  # fmt: skip
    return parsing.backup_result(stdout).snapshot_id


def direct_restore(repository: locations.Repository, snapshot: str, target: Path) -> None:
    direct(repository, *commands.restore_by_id(snapshot_id=snapshot, target=str(target),
                                               backup_path="", insecure_tls=False))  # fmt: skip


def _process_cpu(pid: int) -> float:
    """utime + stime + cutime + cstime of a process (its reaped descendants included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Wall time and CPU time of one step.

    CPU, because this machine is shared and its load makes wall times vary several-fold from one
    run to the next: kes's CPU is this process's own (the function, streaming exec output) plus
    the local cluster's (its API and exec handling, and the pods' restic processes, which it
    reaps); restic's is this process's reaped children. An S3 server's CPU counts on both sides.
    """

    def __init__(self, *, cluster_pid: int, server_pid: int | None) -> None:
        self.cluster_pid, self.server_pid = cluster_pid, server_pid
        self.samples: dict[str, list[tuple[float, float]]] = {}

    def _cpu(self, kes: bool) -> float:
        shared = _process_cpu(self.server_pid) if self.server_pid else 0.0
        if kes:
            own = os.times()
            return own.user + own.system + _process_cpu(self.cluster_pid) + shared
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return children.ru_utime + children.ru_stime + shared

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        kes = name.startswith("kes")
        os.sync()  # each step starts without the previous one's writes still in flight
        cpu, wall = self._cpu(kes), time.perf_counter()
        yield
        sample = (time.perf_counter() - wall, self._cpu(kes) - cpu)
        self.samples.setdefault(name, []).append(sample)

    def last(self, name: str) -> str:
        wall, cpu = self.samples[name][-1]
        return f"{wall:.2f}s (cpu {cpu:.2f}s)"

    def median(self, name: str, index: int) -> float:
        return statistics.median(sample[index] for sample in self.samples[name])

    def fastest(self, name: str) -> float:
        return min(sample[0] for sample in self.samples[name])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--s3", action="store_true", help="repositories on a moto S3 server")
    parser.add_argument("--smoke", action="store_true", help="~6 MB, one round")
    options = parser.parse_args()
    if shutil.which("restic") is None:
        sys.exit("restic is not on PATH (`make tools` builds it into .tools/bin)")
    scale, rounds = (0.03, 1) if options.smoke else (1.0, options.rounds)
    work = Path(tempfile.mkdtemp(prefix="kes-bench-datamover-"))
    cluster = Cluster(work)
    moto = None
    try:
        if options.s3:
            import s3_harness

            moto = s3_harness.start_moto(work)
            bucket = moto.bucket("bench")
            profile = restic_harness.moto_profile(moto, bucket)
        else:
            profile = restic_harness.filestore_profile(work / "repositories")
        source = cluster.pvc_dir("data")
        target = cluster.pvc_dir("restore")
        size = make_dataset(source, scale=scale)
        expected = digest(source)
        direct_target = work / "direct-restore"
        direct_target.mkdir()
        version = subprocess.run(["restic", "version"], capture_output=True, text=True).stdout
        print(f"data: {size / MB:.1f} MB in {sum(1 for p in source.rglob('*') if p.is_file())} "
              f"files; repositories: {'moto S3' if options.s3 else 'a directory'}; "
              f"{' '.join(version.split()[:2])}")  # fmt: skip
        meter = Meter(cluster_pid=cluster.dev.process.pid,
                      server_pid=moto.process.pid if moto is not None else None)  # fmt: skip
        for round_index in range(rounds):
            # Fresh repositories each round, so every backup is a full one; init is not timed.
            kes_prefix, direct_prefix = f"kes-{round_index}", f"direct-{round_index}"
            for prefix in (kes_prefix, direct_prefix):
                repository = restic_harness.repository_of(profile, prefix)
                direct(repository, *commands.init(insecure_tls=False))
            direct_repo = restic_harness.repository_of(profile, direct_prefix)
            # kes and restic take turns step by step (first one, then the other), so that both
            # sides of each pair run under the same load; who goes first alternates per round.
            order = ("kes", "restic") if round_index % 2 == 0 else ("restic", "kes")
            snapshots: dict[str, str] = {}
            for who in order:
                with meter.step(f"{who} backup"):
                    if who == "kes":
                        snapshots[who] = kes_backup(cluster, profile, kes_prefix)
                    else:
                        snapshots[who] = direct_backup(direct_repo, source)
            for who in order:
                empty(target if who == "kes" else direct_target)
                with meter.step(f"{who} restore"):
                    if who == "kes":
                        kes_restore(cluster, profile, kes_prefix, snapshots[who])
                    else:
                        direct_restore(direct_repo, snapshots[who], direct_target)
            if round_index == 0:
                assert digest(target) == expected, "kes restore differs from the source"
                restored = direct_target / str(source).lstrip("/")
                assert digest(restored) == expected, "direct restore differs"
            steps = ("kes backup", "kes restore", "restic backup", "restic restore")
            print(f"round {round_index + 1}: "
                  + " | ".join(f"{name} {meter.last(name)}" for name in steps))  # fmt: skip
        mb = size / MB
        for step in ("backup", "restore"):
            kes, restic = meter.median(f"kes {step}", 0), meter.median(f"restic {step}", 0)
            fastest = meter.fastest(f"kes {step}") / meter.fastest(f"restic {step}")
            cpu = meter.median(f"kes {step}", 1) / meter.median(f"restic {step}", 1)
            print(f"{step:8s} median: kes {mb / kes:.1f} MB/s, restic {mb / restic:.1f} MB/s, "
                  f"wall ratio {kes / restic:.3f}; fastest runs ratio {fastest:.3f}; "
                  f"cpu ratio {cpu:.3f}")  # fmt: skip
        paired = [
            (kb[0] + kr[0]) / (rb[0] + rr[0])
            for kb, kr, rb, rr in zip(*(meter.samples[f"{who} {step}"] for who in ("kes", "restic")
                                        for step in ("backup", "restore")), strict=True)
        ]  # fmt: skip
        print("per-round ratios of backup + restore wall time: "
              + ", ".join(f"{r:.3f}" for r in paired)
              + f"; median {statistics.median(paired):.3f}")  # fmt: skip
        kes_wall = meter.median("kes backup", 0) + meter.median("kes restore", 0)
        restic_wall = meter.median("restic backup", 0) + meter.median("restic restore", 0)
        kes_cpu = meter.median("kes backup", 1) + meter.median("kes restore", 1)
        restic_cpu = meter.median("restic backup", 1) + meter.median("restic restore", 1)
        print(f"backup + restore: wall kes {kes_wall:.2f}s, restic {restic_wall:.2f}s, ratio "
              f"{kes_wall / restic_wall:.3f} (target <= 1.05); cpu kes {kes_cpu:.2f}s, restic "
              f"{restic_cpu:.2f}s, ratio {kes_cpu / restic_cpu:.3f}")  # fmt: skip
    finally:
        if moto is not None:
            import s3_harness

            s3_harness.stop_moto(moto)
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
