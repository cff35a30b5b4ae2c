"""Patches (merge, JSON, strategic, apply) and deletion semantics (GC, finalizers, namespaces)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException


@pytest.fixture
def core(devcluster: Any) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"g-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def _until(check: Callable[[], bool], *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.05)


def _gone(read: Callable[[], Any]) -> bool:
    try:
        read()
    except ApiException as exc:
        return bool(exc.status == 404)
    return False


def _deployment(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [
                    {"name": "main", "image": "busybox", "env": [{"name": "A", "value": "1"}]},
                    {"name": "side", "image": "busybox"},
                ]},
            },
        },
    }


def test_strategic_merge_patch_merges_containers_by_name(devcluster: Any, ns: str) -> None:
    apps = client.AppsV1Api(devcluster.api_client)
    apps.create_namespaced_deployment(ns, _deployment("d"))
    patched = apps.patch_namespaced_deployment("d", ns, {"spec": {"template": {"spec": {
        "containers": [{"name": "side", "image": "alpine", "env": [{"name": "B", "value": "2"}]}]
    }}}})
    containers = {c.name: c for c in patched.spec.template.spec.containers}
    assert set(containers) == {"main", "side"}
    assert containers["side"].image == "alpine"
    assert containers["main"].env[0].name == "A"
    assert patched.metadata.generation == 2


def test_json_patch_and_test_op(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, {"metadata": {"name": "j"}, "data": {"a": "1"}})
    patched = core.patch_namespaced_config_map("j", ns, [
        {"op": "test", "path": "/data/a", "value": "1"},
        {"op": "add", "path": "/data/b", "value": "2"},
        {"op": "remove", "path": "/data/a"},
    ])
    assert patched.data == {"b": "2"}
    with pytest.raises(ApiException) as info:
        core.patch_namespaced_config_map("j", ns, [{"op": "test", "path": "/data/b", "value": "x"}])
    assert info.value.status == 422


def test_merge_patch_null_deletes_labels(devcluster: Any, core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(
        ns, {"metadata": {"name": "m", "labels": {"a": "1", "b": "2"}}})
    code, _ = devcluster.request(
        "PATCH", f"/api/v1/namespaces/{ns}/configmaps/m",
        body={"metadata": {"labels": {"a": None}}},
        headers={"Content-Type": "application/merge-patch+json"})
    assert code == 200
    assert core.read_namespaced_config_map("m", ns).metadata.labels == {"b": "2"}


def test_apply_patch_creates_then_updates(devcluster: Any, core: client.CoreV1Api,
                                          ns: str) -> None:
    for value, expected_code in (("one", 201), ("two", 200)):
        code, _ = devcluster.request(
            "PATCH", f"/api/v1/namespaces/{ns}/configmaps/ssa?fieldManager=test",
            body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"},
                  "data": {"mode": value}},
            headers={"Content-Type": "application/apply-patch+yaml"})
        assert code == expected_code
        assert core.read_namespaced_config_map("ssa", ns).data == {"mode": value}


def test_scale_subresource(devcluster: Any, ns: str) -> None:
    apps = client.AppsV1Api(devcluster.api_client)
    apps.create_namespaced_deployment(ns, _deployment("sc"))
    scale = apps.patch_namespaced_deployment_scale("sc", ns, {"spec": {"replicas": 0}})
    assert scale.kind == "Scale"
    assert scale.status.selector == "app=sc"
    read = apps.read_namespaced_deployment_scale("sc", ns)
    assert read.spec.replicas == 0


def test_owner_deletion_collects_dependents(core: client.CoreV1Api, ns: str) -> None:
    owner = core.create_namespaced_config_map(ns, {"metadata": {"name": "owner"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    core.create_namespaced_config_map(ns, {"metadata": {"name": "dep", "ownerReferences": [ref]}})
    core.create_namespaced_secret(ns, {"metadata": {"name": "dep2", "ownerReferences": [ref]}})
    core.delete_namespaced_config_map("owner", ns)
    _until(lambda: _gone(lambda: core.read_namespaced_config_map("dep", ns)))
    _until(lambda: _gone(lambda: core.read_namespaced_secret("dep2", ns)))


def test_orphan_keeps_dependents_without_the_reference(core: client.CoreV1Api, ns: str) -> None:
    owner = core.create_namespaced_config_map(ns, {"metadata": {"name": "o2"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "o2", "uid": owner.metadata.uid}
    core.create_namespaced_config_map(ns, {"metadata": {"name": "kid", "ownerReferences": [ref]}})
    core.delete_namespaced_config_map("o2", ns, propagation_policy="Orphan")
    kid = core.read_namespaced_config_map("kid", ns)
    assert not kid.metadata.owner_references


def test_foreground_deletes_dependents_first(core: client.CoreV1Api, ns: str) -> None:
    owner = core.create_namespaced_config_map(ns, {"metadata": {"name": "fg"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "fg", "uid": owner.metadata.uid}
    core.create_namespaced_config_map(ns, {"metadata": {"name": "fgk", "ownerReferences": [ref]}})
    marked = core.delete_namespaced_config_map("fg", ns, propagation_policy="Foreground")
    del marked
    _until(lambda: _gone(lambda: core.read_namespaced_config_map("fg", ns)))
    assert _gone(lambda: core.read_namespaced_config_map("fgk", ns))


def test_finalizer_holds_deletion_until_removed(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(
        ns, {"metadata": {"name": "fin", "finalizers": ["kes.dev/hold"]}})
    core.delete_namespaced_config_map("fin", ns)
    held = core.read_namespaced_config_map("fin", ns)
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map("fin", ns, {"metadata": {"finalizers": None}})
    assert _gone(lambda: core.read_namespaced_config_map("fin", ns))


def test_namespace_deletion_deletes_its_contents(core: client.CoreV1Api) -> None:
    name = f"g-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    core.create_namespaced_config_map(name, {"metadata": {"name": "inside"}})
    core.delete_namespace(name)
    _until(lambda: _gone(lambda: core.read_namespace(name)))
    assert core.list_namespaced_config_map(name).items == []


def test_deleted_pod_carries_its_grace_period(devcluster: Any, core: client.CoreV1Api,
                                              ns: str) -> None:
    from kubernetes import watch

    pod = {"metadata": {"name": "graceful"},
           "spec": {"terminationGracePeriodSeconds": 7,
                    "containers": [{"name": "main", "image": "busybox"}]}}
    rv = core.create_namespaced_pod(ns, pod).metadata.resource_version
    core.delete_namespaced_pod("graceful", ns)
    core.create_namespaced_pod(ns, {**pod, "metadata": {"name": "forced"}})
    core.delete_namespaced_pod("forced", ns, grace_period_seconds=0)
    graces = {}
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_pod, ns, resource_version=rv, timeout_seconds=5):
        if event["type"] == "DELETED":
            meta = event["object"].metadata
            graces[meta.name] = meta.deletion_grace_period_seconds
            assert meta.deletion_timestamp is not None
        if len(graces) == 2:
            w.stop()
    assert graces == {"graceful": 7, "forced": 0}
