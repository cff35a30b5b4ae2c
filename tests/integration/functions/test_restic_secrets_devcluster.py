"""No credential on any command line while the restic functions run: what `ps` in a pod shows.

Pods of the devcluster are processes of this machine, so `/proc/*/cmdline` of every process is
what `ps` would show in any pod (and on the node). A scanner reads all of them in a loop. To make
sure it sees each restic process while that process runs, S3 traffic goes through a gate that
holds every new connection until the scanner has completed one full pass begun after the
connection arrived: the restic process that opened the connection is blocked on it, so that pass
sees it. The test then checks that the scanner did see restic (each subcommand), that no command
line of any process held a credential, and that restic's environment did (how they got there).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from restic_harness import s3_profile, seed_tree
from s3_harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server

from kes.adapters.k8s import objects, pods
from kes.functions import base, registry

pytestmark = pytest.mark.tools("restic")
Ctx = Callable[..., base.PhaseContext]
KEY = "kes-encryption-key-0f3a9b7c"


class Scanner:
    """Reads every process's argv (and restic's environment) until stopped; counts passes."""

    def __init__(self) -> None:
        self.cmdlines: set[bytes] = set()
        self.restic: dict[int, tuple[list[str], bytes]] = {}
        self.passes = 0
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _scan(self) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                raw = Path(entry.path, "cmdline").read_bytes()
                if not raw:
                    continue
                self.cmdlines.add(raw)
                argv = [part.decode(errors="replace") for part in raw.rstrip(b"\0").split(b"\0")]
                if os.path.basename(argv[0]) == "restic" and int(entry.name) not in self.restic:
                    environ = Path(entry.path, "environ").read_bytes()
                    self.restic[int(entry.name)] = (argv, environ)

    def _loop(self) -> None:
        while not self.stop.is_set():
            self._scan()
            with self.changed:
                self.passes += 1
                self.changed.notify_all()
            self.stop.wait(0.005)

    def wait_for_a_pass_after(self, passes: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.passes > passes + 1 or self.stop.is_set(), 30)


class Gate:
    """A TCP proxy in front of moto that releases each new connection after a full scan."""

    def __init__(self, upstream: tuple[str, int], scanner: Scanner) -> None:
        self.upstream, self.scanner = upstream, scanner
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            seen = self.scanner.passes
            thread = threading.Thread(target=self._serve, args=(client, seen), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _serve(self, client: socket.socket, seen: int) -> None:
        self.scanner.wait_for_a_pass_after(seen)
        with client, socket.create_connection(self.upstream) as server:
            pump = threading.Thread(target=_pipe, args=(server, client), daemon=True)
            pump.start()
            _pipe(client, server)
            pump.join(timeout=30)

    def close(self) -> None:
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def gate(moto_s3: S3Server) -> Iterator[tuple[Gate, Scanner]]:
    scanner = Scanner()
    scanner.thread.start()
    host, port = moto_s3.endpoint.removeprefix("http://").split(":")
    proxy = Gate((host, int(port)), scanner)
    try:
        yield proxy, scanner
    finally:
        proxy.close()
        scanner.stop.set()
        scanner.thread.join(timeout=10)


def _app(cluster: Any, ctx: base.PhaseContext, namespace: str) -> None:
    objects.request(
        ctx.api,
        method="POST",
        url_path=f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
        body={
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "command": ["sleep", "600"],
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        },
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    claim = objects.get(
        ctx.api,
        group="",
        version="v1",
        resource="persistentvolumeclaims",
        namespace=namespace,
        name="data",
    )
    volume = claim["spec"].get("volumeName") or f"pvc-{claim['metadata']['uid']}"
    seed_tree(Path(cluster.data_dir) / "volumes" / volume, small_files=5)


def test_no_credential_on_any_command_line(
    cluster: Any,
    make_ctx: Ctx,
    namespace: str,
    moto_s3: S3Server,
    gate: tuple[Gate, Scanner],
    recorder: Any,
) -> None:
    proxy, scanner = gate
    bucket = moto_s3.bucket()
    ctx = make_ctx(
        template_params={"Profile": s3_profile(f"http://127.0.0.1:{proxy.port}", bucket)}
    )
    _app(cluster, ctx, namespace)
    registry_run = registry.lookup("BackupData").run
    assert registry_run is not None
    out = registry_run(
        ctx,
        {
            "namespace": namespace,
            "pod": "app",
            "container": "app",
            "includePath": "/data",
            "backupArtifactPrefix": "secrets",
            "encryptionKey": KEY,
        },
    )
    assert out is not None
    restore = registry.lookup("RestoreData").run
    assert restore is not None
    restore(
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": "secrets",
            "volumes": {"data": "/data"},
            "backupIdentifier": out["backupID"],
            "encryptionKey": KEY,
        },
    )
    scanner.stop.set()
    scanner.thread.join(timeout=10)

    # Only this test's restic processes (others may run on the machine): they talk to the gate.
    ours = [(argv, environ) for argv, environ in scanner.restic.values()
            if f"127.0.0.1:{proxy.port}/".encode() in environ]
    subcommands = {tuple(argv[1:3]) for argv, _ in ours}
    # The scanner saw restic run every step: probe, init, backup, restore.
    assert {
        ("cat", "config"),
        ("init", "--json"),
        ("backup", "--json"),
        ("restore", "--json"),
    } <= subcommands
    secrets = [SECRET_ACCESS_KEY.encode(), ACCESS_KEY_ID.encode(), KEY.encode()]
    leaked = [line for line in scanner.cmdlines if any(s in line for s in secrets)]
    assert leaked == []
    # …and the credentials were in restic's environment, which is where they belong.
    for argv, environ in ours:
        variables = environ.split(b"\0")
        assert f"AWS_SECRET_ACCESS_KEY={SECRET_ACCESS_KEY}".encode() in variables, argv
        assert f"RESTIC_PASSWORD={KEY}".encode() in variables, argv
    scripts = [c for c in scanner.cmdlines if b"kes-restic\0" in c]
    assert scripts and all(b"\0RESTIC_PASSWORD\0" in c for c in scripts)
    for line in recorder.lines:
        assert not any(s.decode() in line for s in secrets)
