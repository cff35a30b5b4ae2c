"""CRUD over real HTTPS with the official Python client: the everyday verbs and their errors."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException


def _ns(devcluster: Any) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    client.CoreV1Api(devcluster.api_client).create_namespace(
        {"metadata": {"name": name}}
    )
    return name


@pytest.fixture
def core(devcluster: Any) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(devcluster: Any) -> str:
    return _ns(devcluster)


def _status(exc: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


def test_create_get_list_replace_delete(core: client.CoreV1Api, ns: str) -> None:
    created = core.create_namespaced_config_map(
        ns, {"metadata": {"name": "c1", "labels": {"app": "x"}}, "data": {"k": "v"}}
    )
    assert created.metadata.uid
    assert int(created.metadata.resource_version) > 1000
    assert created.metadata.creation_timestamp is not None
    got = core.read_namespaced_config_map("c1", ns)
    assert got.data == {"k": "v"}
    assert got.metadata.namespace == ns
    listed = core.list_namespaced_config_map(ns)
    assert [i.metadata.name for i in listed.items] == ["c1"]
    assert int(listed.metadata.resource_version) >= int(created.metadata.resource_version)
    got.data = {"k": "w"}
    replaced = core.replace_namespaced_config_map("c1", ns, got)
    assert replaced.data == {"k": "w"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)
    assert replaced.metadata.uid == created.metadata.uid
    core.delete_namespaced_config_map("c1", ns)
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("c1", ns)
    assert info.value.status == 404
    assert _status(info.value)["message"] == 'configmaps "c1" not found'
    assert _status(info.value)["reason"] == "NotFound"


def test_create_twice_is_already_exists(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, {"metadata": {"name": "dup"}})
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "dup"}})
    assert info.value.status == 409
    status = _status(info.value)
    assert status["reason"] == "AlreadyExists"
    assert status["message"] == 'configmaps "dup" already exists'


def test_stale_resource_version_is_conflict(core: client.CoreV1Api, ns: str) -> None:
    first = core.create_namespaced_config_map(ns, {"metadata": {"name": "cf"}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("cf", ns, {"data": {"a": "2"}})
    first.data = {"a": "3"}
    with pytest.raises(ApiException) as info:
        core.replace_namespaced_config_map("cf", ns, first)
    assert info.value.status == 409
    status = _status(info.value)
    assert status["reason"] == "Conflict"
    assert "the object has been modified" in status["message"]
    assert core.read_namespaced_config_map("cf", ns).data == {"a": "2"}


def test_generate_name(core: client.CoreV1Api, ns: str) -> None:
    created = core.create_namespaced_config_map(ns, {"metadata": {"generateName": "gen-"}})
    assert created.metadata.name.startswith("gen-")
    assert len(created.metadata.name) == len("gen-") + 5
    assert core.read_namespaced_config_map(created.metadata.name, ns).metadata.uid == (
        created.metadata.uid
    )


def test_dry_run_create_stores_nothing(core: client.CoreV1Api, ns: str) -> None:
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "dry"}}, dry_run="All")
    assert created.metadata.name == "dry"
    with pytest.raises(ApiException) as info:
        core.read_namespaced_config_map("dry", ns)
    assert info.value.status == 404


def test_limit_and_continue_page_through_everything(core: client.CoreV1Api, ns: str) -> None:
    for i in range(7):
        core.create_namespaced_config_map(ns, {"metadata": {"name": f"p{i}"}})
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.list_namespaced_config_map(ns, limit=3, _continue=token)
        names += [i.metadata.name for i in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert names == [f"p{i}" for i in range(7)]
    assert pages == 3


def test_label_selector_on_list(core: client.CoreV1Api, ns: str) -> None:
    for name, tier in (("a", "web"), ("b", "db"), ("c", None)):
        labels = {"tier": tier} if tier else {}
        core.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}})
    def names(selector: str) -> list[str]:
        return [i.metadata.name for i in
                core.list_namespaced_config_map(ns, label_selector=selector).items]
    assert names("tier=web") == ["a"]
    assert names("tier!=web") == ["b", "c"]
    assert names("tier in (web,db)") == ["a", "b"]
    assert names("tier") == ["a", "b"]
    assert names("!tier") == ["c"]


def test_field_selector_on_name(core: client.CoreV1Api, ns: str) -> None:
    for name in ("x1", "x2"):
        core.create_namespaced_config_map(ns, {"metadata": {"name": name}})
    items = core.list_namespaced_config_map(ns, field_selector="metadata.name=x2").items
    assert [i.metadata.name for i in items] == ["x2"]


def test_invalid_selector_is_bad_request(core: client.CoreV1Api, ns: str) -> None:
    with pytest.raises(ApiException) as info:
        core.list_namespaced_config_map(ns, label_selector="a in (b")
    assert info.value.status == 400
    assert _status(info.value)["reason"] == "BadRequest"


def test_namespace_must_exist(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map("no-such-ns", {"metadata": {"name": "x"}})
    assert info.value.status == 404
    assert _status(info.value)["message"] == 'namespaces "no-such-ns" not found'


def test_invalid_name_is_422_with_cause(core: client.CoreV1Api, ns: str) -> None:
    with pytest.raises(ApiException) as info:
        core.create_namespaced_config_map(ns, {"metadata": {"name": "Bad_Name"}})
    assert info.value.status == 422
    status = _status(info.value)
    assert status["reason"] == "Invalid"
    assert status["message"].startswith(
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
        "a lowercase RFC 1123 subdomain"
    )
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_secret_defaults_to_opaque(core: client.CoreV1Api, ns: str) -> None:
    secret = core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "data": {"k": "dg=="}})
    assert secret.type == "Opaque"
    assert core.read_namespaced_secret("s", ns).data == {"k": "dg=="}


def test_cluster_scoped_namespace_lifecycle(core: client.CoreV1Api) -> None:
    name = f"t-{uuid.uuid4().hex[:8]}"
    created = core.create_namespace({"metadata": {"name": name}})
    assert created.status.phase == "Active"
    assert name in [n.metadata.name for n in core.list_namespace().items]


def test_missing_token_is_401(devcluster: Any) -> None:
    ctx = ssl.create_default_context(cafile=str(devcluster.data_dir / "pki" / "ca.crt"))
    for header in (None, "Bearer wrong"):
        request = urllib.request.Request(f"{devcluster.url}/api/v1/namespaces")
        if header:
            request.add_header("Authorization", header)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, context=ctx)
        assert info.value.code == 401
        body = json.loads(info.value.read())
        info.value.close()
        assert body["kind"] == "Status"
        assert body["reason"] == "Unauthorized"


def test_version_and_discovery(devcluster: Any) -> None:
    version = client.VersionApi(devcluster.api_client).get_code()
    assert version.major == "1"
    groups = client.ApisApi(devcluster.api_client).get_api_versions()
    names = {g.name for g in groups.groups}
    assert {"apps", "coordination.k8s.io", "apiextensions.k8s.io"} <= names
    resources = client.CoreV1Api(devcluster.api_client).get_api_resources()
    by_name = {r.name: r for r in resources.resources}
    assert by_name["pods"].namespaced is True
    assert "po" in by_name["pods"].short_names
    assert "pods/log" in by_name


def test_leases_roundtrip(devcluster: Any, ns: str) -> None:
    coordination = client.CoordinationV1Api(devcluster.api_client)
    lease = coordination.create_namespaced_lease(ns, {
        "metadata": {"name": "leader"},
        "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15},
    })
    lease.spec.holder_identity = "b"
    updated = coordination.replace_namespaced_lease("leader", ns, lease)
    assert updated.spec.holder_identity == "b"
    lease.spec.holder_identity = "c"
    with pytest.raises(ApiException) as info:
        coordination.replace_namespaced_lease("leader", ns, lease)
    assert info.value.status == 409


def test_delete_collection_by_label(core: client.CoreV1Api, ns: str) -> None:
    for name, labels in (("d1", {"x": "1"}), ("d2", {"x": "1"}), ("d3", {})):
        core.create_namespaced_config_map(ns, {"metadata": {"name": name, "labels": labels}})
    core.delete_collection_namespaced_config_map(ns, label_selector="x=1")
    assert [i.metadata.name for i in core.list_namespaced_config_map(ns).items] == ["d3"]


def test_core_and_events_k8s_io_serve_the_same_events(devcluster: Any, core: client.CoreV1Api,
                                                      ns: str) -> None:
    events_v1 = client.EventsV1Api(devcluster.api_client)
    core.create_namespaced_event(ns, {
        "metadata": {"name": "old-style"},
        "involvedObject": {"kind": "Pod", "name": "p1", "namespace": ns},
        "reason": "Started", "message": "from core", "type": "Normal", "count": 2,
    })
    events_v1.create_namespaced_event(ns, {
        "metadata": {"name": "new-style"},
        "regarding": {"kind": "Pod", "name": "p2", "namespace": ns},
        "reason": "Pulled", "note": "from events.k8s.io", "type": "Normal",
        "eventTime": "2026-01-01T00:00:00.000000Z", "action": "Pull",
        "reportingController": "kes", "reportingInstance": "kes-1",
    })
    seen_new = events_v1.read_namespaced_event("old-style", ns)
    assert seen_new.regarding.name == "p1"
    assert seen_new.note == "from core"
    assert seen_new.deprecated_count == 2
    seen_core = core.read_namespaced_event("new-style", ns)
    assert seen_core.involved_object.name == "p2"
    assert seen_core.message == "from events.k8s.io"
    assert seen_core.reporting_component == "kes"
    by_core = core.list_namespaced_event(ns, field_selector="involvedObject.name=p2").items
    assert [e.metadata.name for e in by_core] == ["new-style"]
    by_new = events_v1.list_namespaced_event(ns, field_selector="regarding.name=p1").items
    assert [e.metadata.name for e in by_new] == ["old-style"]
    patched = events_v1.patch_namespaced_event("old-style", ns, {"note": "changed"})
    assert patched.note == "changed"
    assert core.read_namespaced_event("old-style", ns).message == "changed"
