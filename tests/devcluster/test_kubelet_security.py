"""securityContext on the process kubelet: the user and groups a container runs as (exec too),
fsGroup on volumes, runAsNonRoot, and the proof a database needs: PostgreSQL, which refuses to
run as root, runs from a PVC as the `postgres` user and keeps its data across a pod restart."""

from __future__ import annotations

import os
import pathlib
import pwd
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import toolcheck
from devcluster_harness import DevCluster
from kubernetes import client, stream, watch

DEADLINE = 90
ROOT_KUBELET = os.geteuid() == 0


@pytest.fixture
def core(devcluster: DevCluster) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"u-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def wait_pod(core: client.CoreV1Api, ns: str, name: str,
             predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    end = time.monotonic() + DEADLINE
    last: dict[str, Any] = {}
    while time.monotonic() < end:
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_pod, ns,
                              field_selector=f"metadata.name={name}", timeout_seconds=5):
            if event["type"] == "DELETED":
                continue
            last = event["raw_object"]
            if predicate(last):
                w.stop()
                return last
    raise AssertionError(f"pod {name} never matched; last: {last.get('status')}")


def running(pod: dict[str, Any]) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return bool(statuses) and all("running" in s["state"] for s in statuses)


def run_in(core: client.CoreV1Api, ns: str, pod: str, command: list[str],
           container: str = "main") -> str:
    out: str = stream.stream(core.connect_get_namespaced_pod_exec, pod, ns, container=container,
                             command=command, stderr=True, stdin=False, stdout=True, tty=False)
    return out.strip()


def log_of(core: client.CoreV1Api, ns: str, pod: str, container: str = "main") -> str:
    text: str = core.read_namespaced_pod_log(pod, ns, container=container,
                                             _preload_content=False).data.decode()
    return text


def volume_dir(devcluster: DevCluster, pod: dict[str, Any], volume: str) -> pathlib.Path:
    return devcluster.data_dir / "pods" / pod["metadata"]["uid"] / "volumes" / volume


REPORT = ("id -u; id -g; id -G; echo $HOME; pwd; stat -c '%g %a' /data; "
          "touch /data/by-$(id -u); stat -c '%u %g' /data/by-$(id -u); "
          "echo LD=${LD_LIBRARY_PATH-unset}; exec sleep 3600")


def test_pod_runs_as_its_user_and_groups_and_fs_group_owns_its_volume(
    devcluster: DevCluster, core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_pod(ns, {"metadata": {"name": "who"}, "spec": {
        "securityContext": {"runAsUser": 1234, "runAsGroup": 2345, "fsGroup": 3456,
                            "supplementalGroups": [4567]},
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [
            {"name": "main", "image": "x", "command": ["sh", "-c", REPORT],
             "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
            {"name": "other", "image": "x", "command": ["sh", "-c", REPORT],
             "securityContext": {"runAsUser": 4321},
             "env": [{"name": "LD_LIBRARY_PATH", "value": "/opt/own"}],
             "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}})
    pod = wait_pod(core, ns, "who", running)
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end and any(
            len(log_of(core, ns, "who", c).splitlines()) < 8 for c in ("main", "other")):
        pass  # the report is a few lines printed right after the start
    main = log_of(core, ns, "who").splitlines()
    # uid 1234 has no passwd entry: no groups from /etc/group, HOME is /. The container's own
    # LD_LIBRARY_PATH is its own (the helpers' interpreter may need one: it is not passed on).
    assert main[:8] == ["1234", "2345", "2345 3456 4567", "/", "/", "3456 2777",
                        "1234 3456" if ROOT_KUBELET else f"1234 {os.getgid()}", "LD=unset"]
    other = log_of(core, ns, "who", "other").splitlines()
    assert (other[0], other[7]) == ("4321", "LD=/opt/own")
    assert run_in(core, ns, "who", ["id", "-u"]) == "1234"
    assert run_in(core, ns, "who", ["id", "-u"], container="other") == "4321"
    host = volume_dir(devcluster, pod, "data") / "by-1234"
    if ROOT_KUBELET:
        # A real switch: on this machine the file belongs to 1234, group fsGroup (setgid).
        assert (host.stat().st_uid, host.stat().st_gid) == (1234, 3456)
    else:
        assert host.stat().st_uid == os.getuid()


def test_a_user_reaches_a_volume_whose_mount_point_parents_the_image_lacks(
    core: client.CoreV1Api, ns: str
) -> None:
    # Helm charts mount data at paths such as /bitnami/postgresql: the runtime makes /bitnami.
    core.create_namespaced_pod(ns, {"metadata": {"name": "deep"}, "spec": {
        "securityContext": {"runAsUser": 1234, "runAsGroup": 2345, "fsGroup": 3456},
        "restartPolicy": "Never",
        "volumes": [{"name": "data", "emptyDir": {}}],
        "containers": [{"name": "main", "image": "x", "command": [
            "sh", "-c", "stat -c %a /kes-image-lacks /kes-image-lacks/this && "
                        "touch /kes-image-lacks/this/data/written && echo written"],
            "volumeMounts": [{"name": "data", "mountPath": "/kes-image-lacks/this/data"}]}]}})
    ended = wait_pod(core, ns, "deep", lambda p: (p.get("status") or {}).get("phase") in (
        "Succeeded", "Failed"))
    assert log_of(core, ns, "deep").splitlines() == ["755", "755", "written"]
    assert ended["status"]["phase"] == "Succeeded"


def test_run_as_non_root_refuses_a_root_user(core: client.CoreV1Api, ns: str) -> None:
    pod = core.create_namespaced_pod(ns, {"metadata": {"name": "rooty"}, "spec": {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 0},
        "containers": [{"name": "main", "image": "x", "command": ["true"]}]}})
    waiting = wait_pod(core, ns, "rooty", lambda p: any(
        (s["state"].get("waiting") or {}).get("reason") == "CreateContainerConfigError"
        for s in (p.get("status") or {}).get("containerStatuses") or []))
    state = waiting["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state["message"] == (
        f'container\'s runAsUser breaks non-root policy (pod: "rooty_{ns}({pod.metadata.uid})", '
        "container: main)")
    assert waiting["status"]["phase"] == "Pending"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _psql(port: int, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                           "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc", sql],
                          capture_output=True, text=True, timeout=30, check=False,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "5"})


def _wait_answering(port: int) -> None:
    end = time.monotonic() + DEADLINE
    done = _psql(port, "select 1")
    while done.returncode != 0 and time.monotonic() < end:
        done = _psql(port, "select 1")
    assert done.returncode == 0, done.stderr


def _wait_closed(port: int) -> None:
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
    raise AssertionError(f"port {port} still answers")


def _postgres_pod(*, bin_dir: str, port: int, user: pwd.struct_passwd) -> dict[str, Any]:
    data = "/var/lib/postgresql/data/pgdata"
    script = (f'set -e; if [ ! -s {data}/PG_VERSION ]; then {bin_dir}/initdb -D {data} '
              f"-U postgres --auth=trust >/dev/null; fi; exec {bin_dir}/postgres -D {data} "
              f"-p {port} -c listen_addresses=127.0.0.1 "
              "-c unix_socket_directories=/var/run/postgresql")
    return {"metadata": {"name": "db", "labels": {"app": "db"}}, "spec": {
        "securityContext": {"runAsUser": user.pw_uid, "runAsGroup": user.pw_gid,
                            "fsGroup": user.pw_gid, "fsGroupChangePolicy": "OnRootMismatch"},
        "terminationGracePeriodSeconds": 30,
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "pgdata"}},
                    {"name": "run", "emptyDir": {}}],
        "containers": [{"name": "main", "image": "postgres", "command": ["sh", "-c", script],
                        "volumeMounts": [
                            {"name": "data", "mountPath": "/var/lib/postgresql/data"},
                            {"name": "run", "mountPath": "/var/run/postgresql"}]}]}}


@pytest.mark.tools("postgres-server")
def test_postgresql_runs_as_postgres_from_a_pvc_and_keeps_its_data(
    devcluster: DevCluster, core: client.CoreV1Api, ns: str
) -> None:
    bin_dir = toolcheck.postgres_server_bin()
    assert bin_dir is not None
    user = pwd.getpwnam("postgres")
    port = _free_port()
    core.create_namespaced_persistent_volume_claim(ns, {
        "metadata": {"name": "pgdata"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    spec = _postgres_pod(bin_dir=bin_dir, port=port, user=user)
    core.create_namespaced_pod(ns, spec)
    first = wait_pod(core, ns, "db", running)
    _wait_answering(port)
    created = _psql(port, "create table kept (note text); insert into kept values ('survives')")
    assert created.returncode == 0, created.stderr
    # Exec runs as the container's user, with its mounts (the socket is in its emptyDir).
    assert run_in(core, ns, "db", ["id", "-un"]) == "postgres"
    assert run_in(core, ns, "db", ["psql", "-h", "/var/run/postgresql", "-p", str(port),
                                   "-U", "postgres", "-tAc", "select current_user"]) == (
        "postgres")

    core.delete_namespaced_pod("db", ns)
    _wait_closed(port)
    core.create_namespaced_pod(ns, spec)
    second = wait_pod(core, ns, "db", running)
    assert second["metadata"]["uid"] != first["metadata"]["uid"]
    _wait_answering(port)
    kept = _psql(port, "select note from kept")
    assert (kept.returncode, kept.stdout) == (0, "survives\n"), kept.stderr
    claim = core.read_namespaced_persistent_volume_claim("pgdata", ns)
    data = devcluster.data_dir / "volumes" / claim.spec.volume_name / "pgdata"
    if ROOT_KUBELET:
        assert data.stat().st_uid == user.pw_uid
    core.delete_namespaced_pod("db", ns)
    _wait_closed(port)
