"""The Deployment runs a `kes controller run` that exists: its flags are in `--help`, its
environment variables are ones the options read, and the controller started with exactly that
configuration (on a private devcluster) serves /healthz, /readyz and /metrics and creates its CRDs.
The same holds for the Helm template's flags and env and the Dockerfile's ENTRYPOINT and CMD."""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import deployfiles
import pytest
import yaml
from deployfiles import CHART, ROOT, one

from kes.cli import controller as controller_cli

_PASSWORD = "kes-deploy-secret-7c1f"
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


@functools.cache
def _help() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kes.cli", "controller", "run", "--help"],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _help_flags() -> set[str]:
    options = _help().split("Options:", 1)[1]
    flags = set(_FLAG.findall(options))
    assert {"--store", "--health-port", "--health-address"} <= flags, "help parsing broke"
    return flags


def _option_envvars() -> dict[str, click.Parameter]:
    found: dict[str, click.Parameter] = {}
    for param in controller_cli.run.params:
        envvar = getattr(param, "envvar", None)
        for name in [envvar] if isinstance(envvar, str) else list(envvar or []):
            found[name] = param
    return found


def _container(rendered: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = one(rendered, "Deployment")["spec"]["template"]["spec"][
        "containers"][0]
    return container


def _flag(arg: str) -> str:
    return arg.split("=", 1)[0]


def test_deployment_flags_are_real_options(rendered: list[dict[str, Any]]) -> None:
    flags = _help_flags()
    args = _container(rendered)["args"]
    assert args
    for arg in args:
        assert _flag(arg) in flags, arg


def test_deployment_env_is_read_by_the_options(rendered: list[dict[str, Any]]) -> None:
    envvars = _option_envvars()
    env = _container(rendered)["env"]
    for entry in env:
        assert entry["name"] in envvars, f"{entry['name']} is read by no option"
    values = {e["name"]: e.get("value") for e in env}
    level = envvars["LOG_LEVEL"]
    assert isinstance(level.type, click.Choice)
    assert values["LOG_LEVEL"] in level.type.choices
    assert {"POD_NAMESPACE", "KES_STORE", "LOG_LEVEL", "CREATEORUPDATE_CRDS"} <= set(values)


def test_helm_template_flags_and_env_are_real() -> None:
    template = (CHART / "templates" / "deployment.yaml").read_text()
    flags = set(re.findall(r"^\s*- (--[a-z][a-z0-9-]*)", template, re.M))
    assert {"--health-port", "--health-address", "--workers"} <= flags
    assert flags <= _help_flags()
    names = set(re.findall(r"^\s*- name: ([A-Z][A-Z0-9_]*)$", template, re.M))
    assert {"POD_NAMESPACE", "KES_STORE", "LOG_LEVEL", "CREATEORUPDATE_CRDS",
            "KES_NAMESPACES"} <= names
    assert names <= set(_option_envvars())


def test_dockerfile_runs_the_controller_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim-bookworm$", dockerfile, re.M)
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M)
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert entrypoint and cmd
    assert json.loads(entrypoint.group(1)) == ["kes", "controller", "run"]
    assert {_flag(a) for a in json.loads(cmd.group(1))} <= _help_flags()
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    assert user and user.groups() == ("1000", "3000")  # the Deployment's runAsUser/runAsGroup
    assert re.search(r'pip install --constraint constraints\.txt "\.', dockerfile)


# --- the Deployment's configuration, run for real -----------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


@pytest.fixture
def private_cluster(tmp_path: Path) -> Iterator[Path]:
    """A devcluster of its own (its kubeconfig), so no other test's ActionSets are in it."""
    data = tmp_path / "cluster"
    data.mkdir()
    with (data / "server.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kes.devcluster", "serve", "--data-dir", str(data),
             "--port", "0"],
            stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("serving on"), (data / "server.log").read_text()[-2000:]
        yield data / "kubeconfig"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _pod_env(
    container: dict[str, Any], *, namespace: str, secrets: dict[tuple[str, str], str]
) -> dict[str, str]:
    """The container's env as the kubelet would set it, Secrets looked up in `secrets`."""
    env: dict[str, str] = {}
    for entry in container["env"]:
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif "secretKeyRef" in entry["valueFrom"]:
            ref = entry["valueFrom"]["secretKeyRef"]
            env[entry["name"]] = secrets[(ref["name"], ref["key"])]
        else:
            assert entry["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
            env[entry["name"]] = namespace
    return env


def _log_was_written(store: str) -> bool:
    if not store.startswith("postgresql://"):
        return Path(store).exists()
    import psycopg

    url, _, schema = store.partition("?schema=")
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()
    return bool(row and row[0] > 0)


def _store_with_own_role(store: str, request: pytest.FixtureRequest) -> str:
    """The same store schema, reached as a new role whose password is `_PASSWORD` (dropped
    when the test ends)."""
    import uuid
    from urllib.parse import parse_qs, urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(store)
    schema = parse_qs(parts.query)["schema"][0]
    role = f"kes_deploy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urlunsplit(parts._replace(query="")), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{_PASSWORD}'")
        conn.execute(f"GRANT CONNECT ON DATABASE {parts.path.lstrip('/')} TO {role}")
        conn.execute(f"GRANT ALL ON SCHEMA {schema} TO {role}")

    def drop_role() -> None:
        with psycopg.connect(urlunsplit(parts._replace(query="")), autocommit=True) as conn:
            # The controller made the store's tables as this role: take them over, then drop it.
            conn.execute(f"GRANT {role} TO CURRENT_USER")
            conn.execute(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")

    request.addfinalizer(drop_role)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return urlunsplit(parts._replace(netloc=f"{role}:{_PASSWORD}@{host}"))


def test_controller_runs_with_the_deployments_configuration(
    rendered: list[dict[str, Any]],
    postgresql_rendered: list[dict[str, Any]],
    private_cluster: Path,
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    """deploy/ on SQLite, and the docs' PostgreSQL overlay with its Secret, started for real."""
    on_postgres = store.startswith("postgresql://")
    objects = postgresql_rendered if on_postgres else rendered
    container = _container(objects)
    deployment = one(objects, "Deployment")
    port = _free_port()
    # Tests bind loopback only and a free port; every other flag is the Deployment's.
    args = [a for a in container["args"] if _flag(a) not in ("--health-port", "--health-address")]
    args += [f"--health-port={port}", "--health-address=127.0.0.1"]
    if on_postgres:
        # A role of this test's own, so the password looked for in the log is distinctive.
        store = _store_with_own_role(store, request)
        assert _PASSWORD in store
    pod_env = _pod_env(container, namespace=deployment["metadata"]["namespace"],
                       secrets={("kes-store", "url"): store})
    if not on_postgres:
        # The claim's mount path does not exist here: the same file name, under tmp.
        assert Path(pod_env["KES_STORE"]).is_absolute()
        pod_env["KES_STORE"] = store
    assert pod_env["KES_STORE"] == store
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
        "KUBECONFIG": str(private_cluster), **pod_env,
    }
    log_path = tmp_path / "controller.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kes.cli", "controller", "run", *args],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        def ready() -> bool:
            assert process.poll() is None, log_path.read_text()[-3000:]
            try:
                return _get(base + container["readinessProbe"]["httpGet"]["path"])[0] == 200
            except OSError:
                return False

        _wait_for(ready, timeout=60, what="/readyz")
        status, body = _get(base + container["livenessProbe"]["httpGet"]["path"])
        assert status == 200
        assert json.loads(body)["alive"] is True
        status, body = _get(base + "/metrics")
        assert status == 200
        assert 'kanister_action_set_resolutions_total{resolution="success"}' in body
        # CREATEORUPDATE_CRDS=true: the controller installed its CRDs in the empty cluster.
        crds = subprocess.run(
            [sys.executable, "-m", "kes.cli", "crds"], capture_output=True, text=True,
            timeout=60, check=True, cwd=ROOT,
        ).stdout
        names = [d["metadata"]["name"] for d in yaml.safe_load_all(crds) if d]
        got = subprocess.run(
            [deployfiles.kubectl_binary(), "--kubeconfig", str(private_cluster),
             "get", "crd", "-o", "name"],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert got.returncode == 0, got.stderr
        assert {f"customresourcedefinition.apiextensions.k8s.io/{n}" for n in names} <= set(
            got.stdout.split()
        )
        assert _log_was_written(store), "KES_STORE was not used"
    finally:
        process.terminate()
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    logged = log_path.read_text()
    assert code == 0, logged[-3000:]
    assert "Controller started" in logged
    assert _PASSWORD not in logged
