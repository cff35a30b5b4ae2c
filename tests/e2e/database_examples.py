"""The database examples (examples/postgresql, examples/mariadb) as their e2e tests run them.

The tests apply the example files themselves, changing only what is this machine's: the port
the server listens on (a free one: other test runs share 127.0.0.1, and the tests' own
PostgreSQL holds 5432), the database user's uid and gid (the host's /etc/passwd stands in for
the image's), and the Profile's endpoint, bucket and keys (the session's moto server).
A `Database` talks to the server in its pod with the machine's own client, as a user would.
"""

from __future__ import annotations

import gzip
import json
import os
import pwd
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from e2e_harness import ROOT, ControllerProcess, Kube, wait_for
from s3_harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server

EXAMPLES = ROOT / "examples"
SERVER_DEADLINE = 30  # a new data directory is initialised before the server answers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [found] = [doc for doc in docs if doc["kind"] == kind]
    return found


def app_documents(directory: Path, *, user: str, port: int) -> list[dict[str, Any]]:
    """app.yaml with this machine's `user` and `port` in every place the example has its own."""
    docs = documents(directory / "app.yaml")
    account = pwd.getpwnam(user)
    pod = of_kind(docs, "StatefulSet")["spec"]["template"]["spec"]
    pod["securityContext"].update(
        runAsUser=account.pw_uid, runAsGroup=account.pw_gid, fsGroup=account.pw_gid
    )
    [container] = pod["containers"]
    [declared] = container["ports"]
    example_port = declared["containerPort"]
    declared["containerPort"] = port
    in_env = [e for e in container["env"] if e.get("value") == str(example_port)]
    assert len(in_env) == 1, f"the server's port variable ({example_port}) is not in its env"
    in_env[0]["value"] = str(port)
    [service_port] = of_kind(docs, "Service")["spec"]["ports"]
    assert service_port["port"] == example_port
    service_port["port"] = port
    return docs


def secret_value(docs: list[dict[str, Any]], key: str) -> str:
    return str(of_kind(docs, "Secret")["stringData"][key])


def profile_documents(directory: Path, *, s3: S3Server, bucket: str) -> list[dict[str, Any]]:
    """profile.yaml pointed at the session's moto server and `bucket`, with moto's keys."""
    docs = documents(directory / "profile.yaml")
    of_kind(docs, "Secret")["stringData"] = {
        "aws_access_key_id": ACCESS_KEY_ID,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
    }
    location = of_kind(docs, "Profile")["location"]
    location.update(endpoint=s3.endpoint, bucket=bucket)
    return docs


def kes(kube: Kube, *args: str) -> subprocess.CompletedProcess[str]:
    """A `kes` command against the session's cluster, as a user types it."""
    return subprocess.run(
        [sys.executable, "-m", "kes.cli", *args, "--kubeconfig", str(kube.kubeconfig)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )


def create_actionset(kube: Kube, *args: str) -> str:
    """`kes actionset create ARGS`; the name it printed."""
    created = kes(kube, "actionset", "create", *args)
    assert created.returncode == 0, created.stdout + created.stderr
    match = re.fullmatch(r"actionset (\S+) created\n", created.stdout)
    assert match, created.stdout
    return match.group(1)


def keys(s3: S3Server, bucket: str) -> list[str]:
    listed = s3.client().list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listed.get("Contents") or [])


def object_text(s3: S3Server, bucket: str, key: str) -> str:
    body = s3.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return gzip.decompress(body).decode()


def phase_error(actionset: dict[str, Any]) -> str:
    return json.dumps(actionset["status"].get("error", {})) + json.dumps(actionset["status"])


def leaked(kube: Kube, controller: ControllerProcess, namespace: str, names: list[str],
           secrets: list[str]) -> list[str]:
    """Which of `secrets` the ActionSets, Events, controller log or `kes history` show."""
    texts = [kube.run("get", "actionsets", "-n", namespace, "-o", "json").stdout,
             kube.run("get", "events", "-n", namespace, "-o", "json").stdout,
             controller.log.read_text()]
    for name in names:
        history = controller.history("actionset", name, "-n", namespace, "--json")
        assert history.returncode == 0, history.stderr
        texts.append(history.stdout)
    return [s for s in secrets if any(s in text for text in texts)]


class Database:
    """A server in a pod, reached on 127.0.0.1:`port` with the machine's client program."""

    def __init__(self, *, port: int, password: str, client: list[str], env: dict[str, str]):
        self.port, self.password = port, password
        self._client, self._env = client, env

    def run(self, sql: str, *, database: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._client, database], input=sql, capture_output=True, text=True, timeout=60,
            check=False, env={**os.environ, **self._env},
        )

    def sql(self, sql: str, *, database: str) -> str:
        """Run `sql`; its rows, tab-separated, one a line."""
        done = self.run(sql, database=database)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def answers(self, database: str) -> bool:
        return self.run("SELECT 1", database=database).returncode == 0


def postgresql(port: int, password: str) -> Database:
    return Database(
        port=port, password=password,
        client=["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                "-v", "ON_ERROR_STOP=1", "-tA", "-F", "\t", "-d"],
        env={"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"},
    )


def mariadb(port: int, password: str) -> Database:
    return Database(
        port=port, password=password,
        client=["mariadb", "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P", str(port),
                "-u", "root", "--batch", "--skip-column-names", "--connect-timeout=5"],
        env={"MYSQL_PWD": password},
    )


@contextmanager
def server_in_pod(kube: Kube, docs: list[dict[str, Any]], database: Database,
                  *, system_database: str) -> Iterator[Database]:
    """The example's app applied; the server answering until the block ends, then stopped."""
    namespace = of_kind(docs, "Namespace")["metadata"]["name"]
    statefulset = of_kind(docs, "StatefulSet")["metadata"]["name"]
    kube.apply(docs)
    try:
        try:
            wait_for(lambda: database.answers(system_database), timeout=SERVER_DEADLINE,
                     what=f"the database of {namespace}/{statefulset} to answer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_diagnosis(kube, namespace, statefulset)}") from None
        yield database
    finally:
        kube.run("delete", "statefulset", statefulset, "-n", namespace, check=False)
        wait_for(lambda: not _listening(database.port), timeout=60,
                 what=f"the server of {namespace}/{statefulset} to stop")
        kube.run("delete", "namespace", namespace, "--wait=false", check=False)


def _diagnosis(kube: Kube, namespace: str, statefulset: str) -> str:
    """The pod's status and log, for a server that never answered."""
    pod = kube.get("pod", f"{statefulset}-0", namespace) or {}
    log = kube.run("logs", f"{statefulset}-0", "-n", namespace, "--tail=40", check=False)
    return f"pod status: {json.dumps(pod.get('status'))}\nlog:\n{log.stdout}{log.stderr}"


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
