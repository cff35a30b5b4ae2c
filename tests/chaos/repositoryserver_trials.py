"""One crash trial of a RepositoryServer: set up on a kopia repository on a PVC, a SIGKILL at one
boundary, a restart, and the checks: Ready, history verified, no step completed twice, one kopia
server process and one pod, CR status equal to the status replayed from the log, no Kubernetes
Event duplicated. A boundary of the deletion (`ServerDeleted`) comes after Ready: that trial
deletes the CR under the first controller, and checks that the restarted one records the
deletion once and that the server's pod and Service are gone.

The pods of the local cluster share the machine's network, so one kopia server listens on 51515
at a time: trials run one after the other, each deleting its server before the next starts
(reposerver_harness, tests/e2e).
"""

from __future__ import annotations

import socket
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chaos_harness as ch
import reposerver_harness as rs

from kes import application

STEPS = ("ServerSetup", "RepositoryConnected", "ServerInitialized", "ClientUserInitialized",
         "ServerRefreshed", "ServerReady")


@dataclass
class Trial:
    boundary: str | None
    reached: bool = False
    state: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def survived(self) -> bool:
        return self.reached and not self.problems

    def row(self) -> dict[str, Any]:
        return {"boundary": self.boundary, "reached": self.reached, "state": self.state,
                "survived": self.survived, "problems": self.problems}


def prepare(kube: ch.Kube, work: Path) -> str:
    """A namespace with a kopia repository on a PVC and the server's Secrets (shared by trials)."""
    namespace = f"chaos-rs-{uuid.uuid4().hex[:8]}"
    kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}])
    rs.filestore_setup(kube, namespace, work)
    return namespace


KOPIA_PORT = 51515


def _port_free() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", KOPIA_PORT)) != 0


def run(kube: ch.Kube, *, namespace: str, work: Path, boundary: str | None) -> Trial:
    # Pods share this machine's network: another kopia server (another test run on this
    # machine) holds the port until it ends.
    ch.wait_for(_port_free, timeout=600, what=f"port {KOPIA_PORT} to be free", interval=1)
    began = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    trial = Trial(boundary=boundary)
    name = f"repo-{uuid.uuid4().hex[:6]}"
    store = str(work / "store.sqlite3")
    trace = work / "trace"
    env = {"KES_CRASH_TRACE": str(trace)}
    if boundary is not None:
        env["KES_CRASH_AT"] = boundary
    extra = ("--repositoryserver-check-interval", "1s")
    first = ch.Controller(kubeconfig=kube.kubeconfig, store=store, log=work / "controller.log",
                          namespaces=(namespace,), env=env, extra=extra)
    second: ch.Controller | None = None
    try:
        first.start()
        kube.apply([rs.repositoryserver(name, namespace)])

        def ready() -> bool:
            return bool(rs.status(kube, name, namespace).get("progress") == "Ready")

        ch.wait_for(lambda: first.exited() or ready(), timeout=240,
                    what="the crash or the server to be Ready")
        deleting = boundary is not None and ":ServerDeleted#" in boundary
        served = dict(rs.status(kube, name, namespace).get("serverInfo") or {})
        if deleting and not first.exited():
            kube.run("delete", "repositoryserver", name, "-n", namespace, "--wait=true")
            ch.wait_for(first.exited, timeout=120, what="the crash while recording the deletion")
        trial.reached = first.killed() and ch.crashed_at(trace) == boundary
        if first.exited():
            second = ch.Controller(kubeconfig=kube.kubeconfig, store=store,
                                   log=work / "controller.log", namespaces=(namespace,),
                                   extra=extra)
            second.start()
        if deleting:
            check_deleted(kube, trial, name=name, namespace=namespace, store=store,
                          served=served)
        else:
            check(kube, trial, name=name, namespace=namespace, store=store)
    except AssertionError as exc:
        trial.problems.append(str(exc).splitlines()[0])
    finally:
        try:
            rs.delete_and_wait(kube, name, namespace)
        except AssertionError as exc:
            trial.problems.append(f"cleanup: {str(exc).splitlines()[0]}")
        first.stop()
        if second is not None:
            second.stop()
    trial.seconds = time.monotonic() - began
    return trial


def check(kube: ch.Kube, trial: Trial, *, name: str, namespace: str, store: str) -> None:
    try:
        status = rs.wait_progress(kube, name, namespace, "Ready", timeout=240)
    except AssertionError as exc:
        trial.state = str(rs.status(kube, name, namespace).get("progress", ""))
        trial.problems.append(str(exc).splitlines()[0][:300])
        return
    trial.state = "Ready"
    problems = trial.problems
    if ch.history("repositoryserver", name, namespace, "--verify", store=store).returncode:
        problems.append("kes history --verify failed")
    app = application.KesApplication(store=store, create=False)
    try:
        server_id = app.find(kind="repositoryserver", namespace=namespace, name=name)
        assert server_id is not None, "the server is not in the log"
        kinds = Counter(type(e).__name__ for e in app.events_of(server_id))
        replayed = app.status(server_id)
    finally:
        app.close()
    twice = sorted(step for step in STEPS if kinds[step] > 1)
    if twice:
        problems.append(f"completed twice: {', '.join(twice)}")
    if replayed != status:
        problems.append(f"CR status differs from the status replayed from the log: "
                        f"{replayed} != {status}")
    pod = status["serverInfo"]["podName"]
    pods = kube.items("pods", namespace, "-l", f"name={status['serverInfo']['serviceName']}")
    if [p["metadata"]["name"] for p in pods] != [pod]:
        problems.append(f"server pods: {[p['metadata']['name'] for p in pods]}")
    servers = rs.kopia_server_pids(kube, pod, namespace)
    if len(servers) != 1:
        problems.append(f"{len(servers)} kopia server processes")
    events = ch.kube_events(kube, namespace, name, "RepositoryServer")
    duplicated = sorted(key for key, count in events.items() if count > 1)
    if duplicated:
        problems.append(f"Kubernetes Events duplicated: {duplicated}")


def check_deleted(kube: ch.Kube, trial: Trial, *, name: str, namespace: str, store: str,
                  served: dict[str, Any]) -> None:
    """After a crash while the deletion was recorded: recorded once, the server's pod and
    Service gone, the history verified, no Kubernetes Event duplicated."""
    trial.state = "Deleted"
    problems = trial.problems

    def deletions() -> int:
        app = application.KesApplication(store=store, create=False)
        try:
            server_id = app.find(kind="repositoryserver", namespace=namespace, name=name)
            assert server_id is not None, "the server is not in the log"
            return sum(type(e).__name__ == "ServerDeleted" for e in app.events_of(server_id))
        finally:
            app.close()

    try:
        ch.wait_for(lambda: deletions() > 0, timeout=120, what="the deletion to be recorded")
        for kind, key in (("pod", "podName"), ("service", "serviceName")):
            if served.get(key):
                ch.wait_for(lambda k=kind, n=served[key]: kube.get(k, n, namespace) is None,
                            timeout=90, what=f"{kind} {served[key]} to go")
    except AssertionError as exc:
        trial.state = ""
        problems.append(str(exc).splitlines()[0][:300])
        return
    if deletions() != 1:
        problems.append(f"ServerDeleted recorded {deletions()} times")
    if ch.history("repositoryserver", name, namespace, "--verify", store=store).returncode:
        problems.append("kes history --verify failed")
    events = ch.kube_events(kube, namespace, name, "RepositoryServer")
    duplicated = sorted(key for key, count in events.items() if count > 1)
    if duplicated:
        problems.append(f"Kubernetes Events duplicated: {duplicated}")
