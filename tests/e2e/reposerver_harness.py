"""Helpers of the RepositoryServer end-to-end tests: Secrets, a repository, the CR, waiting.

Kanister expects the user to create the kopia repository before the RepositoryServer; these
helpers do it as a user would, with kopia itself (in a pod for a filesystem repository on a PVC,
on this machine for one on moto's S3), built by kes's own argv builders.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

from e2e_harness import ControllerProcess, Kube, wait_for
from kopia_harness import make_certificate

from kes.adapters.k8s import client as k8s_client
from kes.adapters.k8s import podexec
from kes.adapters.kopia import commands, repository

API = "cr.kanister.io/v1alpha1"
REPO_PASSWORD = "repo-Passw0rd-e2e"
ADMIN_PASSWORD = "admin-Passw0rd-e2e"
USER_PASSWORD = "user-Passw0rd-e2e"
ROOT_PATH = "/kes-e2e/"


def b64(value: str | bytes) -> str:
    return base64.b64encode(value.encode() if isinstance(value, str) else value).decode()


def secret(name: str, namespace: str, kind: str, data: dict[str, str | bytes]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "type": kind, "data": {k: b64(v) for k, v in data.items()}}


def server_secrets(
    namespace: str, *, location: dict[str, str], credentials: tuple[str, dict[str, str]],
    hostnames: tuple[str, ...] = ("client-a",), repo_password: str = REPO_PASSWORD,
) -> list[dict[str, Any]]:
    cert, key = make_certificate()
    kind, creds = credentials
    return [
        secret("location", namespace, "secrets.kanister.io/storage-location", dict(location)),
        secret("location-creds", namespace, kind, dict(creds)),
        secret("repository-password", namespace, "secrets.kanister.io/kopia-repository/password",
               {"repo-password": repo_password}),
        secret("repository-server-admin", namespace,
               "secrets.kanister.io/kopia-repository/serveradmin",
               {"username": "admin@kes", "password": ADMIN_PASSWORD}),
        secret("repository-server-tls", namespace, "kubernetes.io/tls",
               {"tls.crt": cert, "tls.key": key}),
        secret("repository-server-user-access", namespace, "Opaque",
               {host: USER_PASSWORD for host in hostnames}),
    ]


def repositoryserver(name: str, namespace: str, *, root_path: str = ROOT_PATH) -> dict[str, Any]:
    def ref(secret_name: str) -> dict[str, str]:
        return {"name": secret_name, "namespace": namespace}

    return {
        "apiVersion": API, "kind": "RepositoryServer",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "storage": {"secretRef": ref("location"),
                        "credentialSecretRef": ref("location-creds")},
            "repository": {"rootPath": root_path, "passwordSecretRef": ref("repository-password"),
                           "username": "kanister-admin", "hostname": "repo-server"},
            "server": {"adminSecretRef": ref("repository-server-admin"),
                       "tlsSecretRef": ref("repository-server-tls"),
                       "userAccess": {"userAccessSecretRef": ref("repository-server-user-access"),
                                      "username": "kanisteruser"}},
        },
    }


def status(kube: Kube, name: str, namespace: str) -> dict[str, Any]:
    obj = kube.get("repositoryserver", name, namespace) or {}
    return dict(obj.get("status") or {})


def wait_progress(
    kube: Kube, name: str, namespace: str, progress: str, *, timeout: float = 120
) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        current = status(kube, name, namespace)
        return current if current.get("progress") == progress else None

    try:
        return dict(wait_for(reached, timeout=timeout, what=f"{name} to be {progress}"))
    except AssertionError as exc:
        raise AssertionError(f"{exc} Status: {json.dumps(status(kube, name, namespace))}") from None


def delete_and_wait(kube: Kube, name: str, namespace: str) -> None:
    """Delete the CR and wait until its pod is gone (with it, the kopia server on 51515)."""
    pod = status(kube, name, namespace).get("serverInfo", {}).get("podName")
    kube.run("delete", "repositoryserver", name, "-n", namespace, "--ignore-not-found",
             "--wait=true")
    if pod:
        wait_for(lambda: kube.get("pod", pod, namespace) is None, timeout=90,
                 what=f"pod {pod} to go")


def make_pvc_repository(
    kube: Kube, namespace: str, *, claim: str, prefix: str, work: Path,
    root_path: str = ROOT_PATH, password: str = REPO_PASSWORD,
) -> None:
    """A PVC and, on it, a kopia filesystem repository at /mnt/data/<prefix>/<rootPath>."""
    kube.apply([
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": claim, "namespace": namespace},
         "spec": {"accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "1Gi"}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "repo-maker",
                                                         "namespace": namespace},
         "spec": {"restartPolicy": "Never", "containers": [{
             "name": "maker", "image": "kanister-tools", "command": ["sleep", "3600"],
             "volumeMounts": [{"name": "data", "mountPath": "/mnt/data"}]}],
             "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}},
    ])
    wait_for(lambda: (kube.get("pod", "repo-maker", namespace) or {}).get("status", {}).get(
        "phase") == "Running", what="repo-maker running")
    # The pod sees this machine's files outside its mounts: kopia's config and cache go to
    # the test's own directory.
    config = str(work / f"maker-{uuid.uuid4().hex}.config")
    cmd = repository.create(repository.RepositoryArgs(
        common=commands.CommandArgs(repo_password=password, config_file_path=config),
        location={"type": "filestore", "prefix": prefix}, repo_path_prefix=root_path,
        cache_directory=str(work / "maker-cache"),
    ))
    argv, stdin = commands.exec_argv(cmd.invocation())
    api = k8s_client.from_kubeconfig(path=str(kube.kubeconfig))
    try:
        podexec.run(api, namespace=namespace, pod="repo-maker", command=argv, stdin=stdin)
    finally:
        api.close()
    kube.run("delete", "pod", "repo-maker", "-n", namespace, "--grace-period=0")


def make_s3_repository(
    *, endpoint: str, bucket: str, prefix: str, access_key: str, secret_key: str,
    home: Path, root_path: str = ROOT_PATH, password: str = REPO_PASSWORD,
) -> None:
    """A kopia repository on S3 (moto), made on this machine as a user would."""
    cmd = repository.create(repository.RepositoryArgs(
        common=commands.CommandArgs(repo_password=password,
                                    config_file_path=str(home / "create.config")),
        location={"type": "s3Compliant", "bucket": bucket, "endpoint": endpoint,
                  "prefix": prefix, "region": "us-east-1"},
        repo_path_prefix=root_path, cache_directory=str(home / "cache"),
    ))
    inv = cmd.invocation()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOPIA_", "AWS_"))}
    env.update({"HOME": str(home), "AWS_ACCESS_KEY_ID": access_key,
                "AWS_SECRET_ACCESS_KEY": secret_key, **inv.secret_env})
    done = subprocess.run(list(inv.argv), env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr


# --- an application with data, and the Blueprint of the kopia functions -----------------------


def application(namespace: str) -> list[dict[str, Any]]:
    """A Deployment whose pod keeps data on a PVC at /data (and its own /tmp for kopia)."""
    return [
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": "app-data", "namespace": namespace},
         "spec": {"accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "1Gi"}}}},
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "app", "namespace": namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "app"}},
                  "template": {"metadata": {"labels": {"app": "app"}}, "spec": {
                      "containers": [{"name": "app", "image": "kanister-tools",
                                      "command": ["sleep", "3600"],
                                      "volumeMounts": [
                                          {"name": "data", "mountPath": "/data"},
                                          {"name": "tmp", "mountPath": "/tmp"}]}],
                      "volumes": [{"name": "data",
                                   "persistentVolumeClaim": {"claimName": "app-data"}},
                                  {"name": "tmp", "emptyDir": {}}]}}}},
    ]


def blueprint(namespace: str) -> dict[str, Any]:
    pod = "{{ index .Deployment.Pods 0 }}"
    return {
        "apiVersion": API, "kind": "Blueprint",
        "metadata": {"name": "kopia-server-bp", "namespace": namespace},
        "actions": {
            "backup": {
                "outputArtifacts": {"snapshot": {"keyValue": {
                    "id": "{{ .Phases.backup.Output.backupID }}",
                    "size": "{{ .Phases.backup.Output.size }}",
                    "phySize": "{{ .Phases.backup.Output.phySize }}"}}},
                "phases": [{"func": "BackupDataUsingKopiaServer", "name": "backup", "args": {
                    "namespace": "{{ .Deployment.Namespace }}", "pod": pod, "container": "app",
                    "includePath": "/data", "snapshotTags": "app:kes-e2e,kind:pvc"}}],
            },
            "restore": {
                "inputArtifactNames": ["snapshot"],
                "phases": [{"func": "RestoreDataUsingKopiaServer", "name": "restore", "args": {
                    "namespace": "{{ .Deployment.Namespace }}", "pod": pod,
                    "image": "ghcr.io/kanisterio/kanister-tools:0.119.0",
                    "backupIdentifier": "{{ .ArtifactsIn.snapshot.KeyValue.id }}",
                    "restorePath": "/data"}}],
            },
            "delete": {
                "inputArtifactNames": ["snapshot"],
                "phases": [{"func": "DeleteDataUsingKopiaServer", "name": "delete", "args": {
                    "namespace": "{{ .Deployment.Namespace }}",
                    "image": "ghcr.io/kanisterio/kanister-tools:0.119.0",
                    "backupID": "{{ .ArtifactsIn.snapshot.KeyValue.id }}"}}],
            },
        },
    }


def actionset(
    name: str, namespace: str, *, action: str, server: str,
    artifacts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": action, "blueprint": "kopia-server-bp",
        "object": {"kind": "Deployment", "name": "app", "namespace": namespace},
        "repositoryServer": {"name": server, "namespace": namespace},
    }
    if artifacts:
        spec["artifacts"] = artifacts
    return {"apiVersion": API, "kind": "ActionSet",
            "metadata": {"name": name, "namespace": namespace}, "spec": {"actions": [spec]}}


def app_pod(kube: Kube, namespace: str) -> str:
    pods = json.loads(kube.run("get", "pods", "-n", namespace, "-l", "app=app", "-o",
                               "json").stdout)["items"]
    running = [p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running"]
    assert running, "no running app pod"
    return str(running[0])


def in_app(kube: Kube, namespace: str, script: str, *, stdin: str | None = None) -> str:
    pod = app_pod(kube, namespace)
    return kube.run("exec", "-i" if stdin else "-t=false", "-n", namespace, pod, "-c", "app",
                    "--", "sh", "-c", script, stdin=stdin).stdout


# --- the event log and the kopia server process ------------------------------------------------


def events(store: Path, name: str, namespace: str) -> list[Any]:
    """The server's events as recorded (the test reads the controller's store directly)."""
    from kes import application

    app = application.KesApplication(store=str(store), create=False)
    try:
        found = app.find(kind="repositoryserver", namespace=namespace, name=name)
        return [] if found is None else list(app.events_of(found))
    finally:
        app.close()


def kinds(store: Path, name: str, namespace: str) -> list[str]:
    return [type(e).__name__ for e in events(store, name, namespace)]


def wait_event(store: Path, name: str, namespace: str, kind: str, *, count: int = 1,
               timeout: float = 120) -> list[Any]:
    def seen() -> list[Any] | None:
        found = [e for e in events(store, name, namespace) if type(e).__name__ == kind]
        return found if len(found) >= count else None

    return list(wait_for(seen, timeout=timeout, what=f"{count} {kind} event(s) of {name}"))


def kopia_server_pids(kube: Kube, pod: str, namespace: str) -> list[int]:
    """The `kopia server start` processes of that pod (the kubelet marks a pod's processes)."""
    obj = kube.get("pod", pod, namespace)
    if obj is None:
        return []
    marker = f"KES_DEVCLUSTER_POD_UID={obj['metadata']['uid']}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
            with open(f"/proc/{entry.name}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"kopia") and b"start" in argv and marker in environ:
            found.append(int(entry.name))
    return found


def filestore_setup(
    kube: Kube, namespace: str, work: Path, *, hostnames: tuple[str, ...] = ("client-a",),
    secret_password: str = REPO_PASSWORD, create_repository: bool = True,
    skip: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """A repository on a PVC (unless not wanted) and the six Secrets (minus `skip`); the
    Secrets are returned, applied."""
    if create_repository:
        make_pvc_repository(kube, namespace, claim="kopia-repo", prefix="pfx", work=work)
    else:
        kube.apply([{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                     "metadata": {"name": "kopia-repo", "namespace": namespace},
                     "spec": {"accessModes": ["ReadWriteOnce"],
                              "resources": {"requests": {"storage": "1Gi"}}}}])
    documents = server_secrets(
        namespace, location={"type": "filestore", "prefix": "pfx", "claimName": "kopia-repo"},
        credentials=("secrets.kanister.io/filestore", {}), hostnames=hostnames,
        repo_password=secret_password,
    )
    kube.apply([d for d in documents if d["metadata"]["name"] not in skip])
    return documents


def controller(kubeconfig: Path, work: Path, *, check_interval: str = "1s") -> ControllerProcess:
    """A controller process; tests check Ready servers every second (the default is 10 s)."""
    return ControllerProcess(
        kubeconfig=kubeconfig, store=work / "store.sqlite3", log=work / "controller.log",
        extra=["--phase-timeout", "180s", "--repositoryserver-check-interval", check_interval],
    )
