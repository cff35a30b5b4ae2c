"""Persistence across restarts, 410 Expired after compaction, and bad input of every kind."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from devcluster_harness import DevCluster, start_devcluster, stop_devcluster
from kubernetes import client, watch
from kubernetes.client.rest import ApiException


@pytest.fixture(scope="module")
def own_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCluster]:
    cluster = start_devcluster(tmp_path_factory.mktemp("dc"), extra=["--no-kubelet"])
    try:
        yield cluster
    finally:
        stop_devcluster(cluster)


def test_objects_and_resource_version_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "dc"
    first = start_devcluster(data_dir, extra=["--no-kubelet"])
    try:
        core = client.CoreV1Api(first.api_client)
        made = core.create_namespaced_config_map("default", {"metadata": {"name": "keep"},
                                                             "data": {"a": "1"}})
        old_rv = made.metadata.resource_version
    finally:
        stop_devcluster(first)
    second = start_devcluster(data_dir, extra=["--no-kubelet"])
    try:
        core = client.CoreV1Api(second.api_client)
        kept = core.read_namespaced_config_map("keep", "default")
        assert kept.data == {"a": "1"}
        assert kept.metadata.uid == made.metadata.uid
        newer = core.create_namespaced_config_map("default", {"metadata": {"name": "next"}})
        assert int(newer.metadata.resource_version) > int(old_rv)
        # History before the restart is gone: resuming from it is 410 Expired.
        with pytest.raises(ApiException) as info:
            for _ in watch.Watch().stream(core.list_namespaced_config_map, "default",
                                          resource_version=str(int(old_rv) - 1),
                                          timeout_seconds=2):
                pass
        assert info.value.status == 410
        older = int(old_rv) - 1
        code, body = second.request(
            "GET", f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={older}"
            "&timeoutSeconds=1")
        assert code == 200
        assert isinstance(body, dict)
        assert body["type"] == "ERROR"
        assert body["object"]["reason"] == "Expired"
        assert body["object"]["code"] == 410
        assert body["object"]["message"].startswith(f"too old resource version: {older} (")
    finally:
        stop_devcluster(second)


@pytest.mark.parametrize(
    ("method", "path", "raw", "headers", "code", "reason", "message_part"),
    [
        pytest.param("POST", "/api/v1/namespaces/default/configmaps", b"{not json", {}, 400,
                     "BadRequest", "malformed", id="malformed-json"),
        pytest.param("PATCH", "/api/v1/namespaces/default/configmaps/x", b"a: [b",
                     {"Content-Type": "application/apply-patch+yaml"}, 400, "BadRequest",
                     "malformed", id="malformed-yaml"),
        pytest.param("POST", "/api/v1/namespaces/default/configmaps", b"[1, 2]", {}, 400,
                     "BadRequest", "malformed", id="not-an-object"),
        pytest.param("GET", "/api/v1/namespaces/default/gizmos", None, {}, 404, "NotFound",
                     "could not find the requested resource", id="unknown-resource"),
        pytest.param("POST", "/api/v1/namespaces/default/configmaps",
                     b'{"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "k"}}', {}, 400,
                     "BadRequest", "kind", id="kind-mismatch"),
        pytest.param("POST", "/api/v1/namespaces/default/configmaps",
                     b"x" * (3 * 1024 * 1024 + 10), {}, 413, "RequestEntityTooLarge",
                     "too large", id="oversized-body"),
        pytest.param("GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(b",
                     None, {}, 400, "BadRequest", "", id="bad-label-selector"),
        pytest.param("GET", "/api/v1/namespaces/default/pods?fieldSelector=spec.bogus%3D1",
                     None, {}, 400, "BadRequest", "field label not supported", id="bad-field"),
        pytest.param("GET", "/api/v1/namespaces/default/configmaps?limit=abc", None, {}, 400,
                     "BadRequest", "limit", id="bad-limit"),
        pytest.param("GET", "/api/v1/namespaces/default/configmaps?continue=%25%25", None, {},
                     400, "BadRequest", "continue", id="bad-continue"),
        pytest.param("POST", "/api/v1/namespaces/default/configmaps",
                     b"\x6b\x38\x73\x00", {"Content-Type": "application/vnd.kubernetes.protobuf"},
                     415, "UnsupportedMediaType", "kubectl apply -f -", id="protobuf-no-kind"),
        pytest.param("POST", "/api/v1/namespaces/default/configmaps", b"k8s\x00\x0b",
                     {"Content-Type": "application/vnd.kubernetes.protobuf"}, 400, "BadRequest",
                     "protobuf body could not be decoded", id="protobuf-garbage"),
        pytest.param("PATCH", "/api/v1/namespaces/default/configmaps/x", b"{}",
                     {"Content-Type": "text/plain"}, 415, "UnsupportedMediaType", "",
                     id="patch-type"),
        pytest.param("PUT", "/api/v1/namespaces/default/configmaps", b"{}", {}, 405,
                     "MethodNotAllowed", "", id="put-on-collection"),
        pytest.param("DELETE", "/api/v1/namespaces/default/configmaps/x",
                     b'{"propagationPolicy": "Sideways"}', {}, 400, "BadRequest",
                     "propagationPolicy", id="bad-propagation"),
    ],
)
def test_bad_input_gets_the_right_status(
    own_cluster: DevCluster, method: str, path: str, raw: bytes | None,
    headers: dict[str, str], code: int, reason: str, message_part: str,
) -> None:
    got, body = own_cluster.request(method, path, raw=raw, headers=headers)
    assert got == code, body
    assert isinstance(body, dict)
    assert body["kind"] == "Status"
    assert body["code"] == code
    assert body["reason"] == reason
    assert message_part in body["message"]
    # ... and the server keeps serving.
    ok, _ = own_cluster.request("GET", "/api/v1/namespaces/default")
    assert ok == 200


def test_an_unknown_api_group_is_a_plain_404(own_cluster: DevCluster) -> None:
    """As kube-apiserver's mux: no Status for a group nobody serves, a line of text."""
    for path in ("/apis/nope.example", "/apis/nope.example/v1",
                 "/apis/nope.example/v1/namespaces/default/things"):
        assert own_cluster.request("GET", path) == (404, "404 page not found\n")


def test_status_reasons_for_not_found_on_every_verb(own_cluster: DevCluster) -> None:
    name = f"n{uuid.uuid4().hex[:6]}"
    for method, body in (("GET", None), ("PUT", {"metadata": {"name": name}}),
                         ("DELETE", None)):
        code, status = own_cluster.request(
            method, f"/api/v1/namespaces/default/configmaps/{name}", body=body)
        assert code == 404
        assert status["message"] == f'configmaps "{name}" not found'
    code, status = own_cluster.request(
        "PATCH", f"/apis/apps/v1/namespaces/default/deployments/{name}", body={"spec": {}},
        headers={"Content-Type": "application/merge-patch+json"})
    assert code == 404
    assert status["message"] == f'deployments.apps "{name}" not found'
    assert status["details"] == {"name": name, "group": "apps", "kind": "deployments"}




def test_malformed_secret_bodies_do_not_echo_their_values(own_cluster: DevCluster) -> None:
    value = "hunter2-very-secret"
    for raw, content_type in (
        (f'{{"kind": "Secret", "stringData": {{"pw": "{value}" ', "application/json"),
        (f"kind: Secret\nstringData:\n  pw: [{value}\n", "application/apply-patch+yaml"),
        (f"kind: Secret\nstringData: {{pw: {value}: x}}\n", "application/apply-patch+yaml"),
    ):
        method = "POST" if content_type == "application/json" else "PATCH"
        path = "/api/v1/namespaces/default/secrets" + ("" if method == "POST" else "/s")
        code, body = own_cluster.request(method, path, raw=raw.encode(),
                                         headers={"Content-Type": content_type})
        assert code == 400
        assert body["message"].startswith("the object provided is unrecognized or malformed")
        assert value not in body["message"]


@pytest.fixture(scope="module")
def tight_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCluster]:
    cluster = start_devcluster(tmp_path_factory.mktemp("tight"), extra=[
        "--no-kubelet", "--watch-history", "5", "--bookmark-seconds", "0.2"])
    try:
        yield cluster
    finally:
        stop_devcluster(cluster)


def test_compacted_history_is_410_expired(tight_cluster: DevCluster) -> None:
    core = client.CoreV1Api(tight_cluster.api_client)
    first = core.create_namespaced_config_map("default", {"metadata": {"name": "h0"}})
    for i in range(1, 10):
        last = core.create_namespaced_config_map("default", {"metadata": {"name": f"h{i}"}})
    with pytest.raises(ApiException) as info:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, "default",
                                      resource_version=first.metadata.resource_version,
                                      timeout_seconds=2):
            pass
    assert info.value.status == 410
    # The recent past is still there.
    recent = int(last.metadata.resource_version) - 2
    names = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, "default",
                          resource_version=str(recent), timeout_seconds=2):
        names.append(event["object"].metadata.name)
        if len(names) == 2:
            w.stop()
    assert names == ["h8", "h9"]


def test_bookmarks_carry_the_current_resource_version(tight_cluster: DevCluster) -> None:
    core = client.CoreV1Api(tight_cluster.api_client)
    rv = core.create_namespaced_config_map(
        "default", {"metadata": {"name": "bm"}}).metadata.resource_version
    code, body = tight_cluster.request(
        "GET", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}"
        "&allowWatchBookmarks=true&timeoutSeconds=1")
    assert code == 200
    # One event parses as a dict, several JSON lines stay text.
    events = [body] if isinstance(body, dict) else [
        json.loads(line) for line in body.splitlines() if line]
    assert events, "no bookmark within the watch's second"
    assert {e["type"] for e in events} == {"BOOKMARK"}
    assert events[0]["object"]["kind"] == "ConfigMap"
    assert int(events[0]["object"]["metadata"]["resourceVersion"]) >= int(rv)
    # Without allowWatchBookmarks there are none.
    code, body = tight_cluster.request(
        "GET", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}"
        "&timeoutSeconds=1")
    assert (code, body) == (200, "")
