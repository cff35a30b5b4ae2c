"""Deployments, StatefulSets and PVC binding, driven through a real store with the kubelet."""

from __future__ import annotations

import asyncio
import copy
import pathlib
from typing import Any

import workloads_harness as h

from kes.devcluster.controllers import manager, objects, statefulsets

LABELS = {"app": "web"}


def _template(**container: Any) -> dict[str, Any]:
    return {"metadata": {"labels": dict(LABELS)},
            "spec": {"containers": [{"name": "main", "image": "nginx", **container}]}}


def _deployment(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(LABELS)},
                     "strategy": {"type": "RollingUpdate"}, "template": _template()}}


def _rolled_out(replicas: int) -> Any:
    def check(dep: dict[str, Any]) -> bool:
        status = dep.get("status") or {}
        return (status.get("observedGeneration") == dep["metadata"]["generation"]
                and status.get("replicas") == status.get("updatedReplicas") == replicas
                and status.get("availableReplicas") == replicas)
    return check


async def _pods(store: Any) -> list[dict[str, Any]]:
    items, _ = await store.list(h.PODS, namespace="default")
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


async def _update(store: Any, key: Any, name: str, change: Any) -> None:
    obj = copy.deepcopy(await store.get(key, namespace="default", name=name))
    change(obj["spec"])
    await store.update(key, obj)


def test_deployment_scales_and_rolls_out_a_new_revision(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path, with_controllers=True) as (store, _):
            await store.create(objects.DEPLOYMENTS, _deployment(2))
            dep = await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                                   predicate=_rolled_out(2))
            assert dep["metadata"]["annotations"][objects.REVISION] == "1"
            pods = await _pods(store)
            assert len(pods) == 2
            assert all(p["metadata"]["name"].startswith("web-") for p in pods)
            assert all(p["metadata"]["labels"]["app"] == "web" for p in pods)

            await _update(store, objects.DEPLOYMENTS, "web", lambda s: s.update(replicas=3))
            await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                             predicate=_rolled_out(3))
            assert len(await _pods(store)) == 3

            await _update(store, objects.DEPLOYMENTS, "web",
                          lambda s: s.update(template=_template(env=[{"name": "V",
                                                                      "value": "2"}])))
            dep = await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                                   predicate=_rolled_out(3))
            assert dep["metadata"]["annotations"][objects.REVISION] == "2"
            sets, _ = await store.list(objects.REPLICASETS, namespace="default")
            by_revision = {rs["metadata"]["annotations"][objects.REVISION]: rs for rs in sets}
            assert by_revision["1"]["spec"]["replicas"] == 0
            assert by_revision["2"]["spec"]["replicas"] == 3
            new_hash = by_revision["2"]["metadata"]["labels"][objects.TEMPLATE_HASH]
            async with asyncio.timeout(h.DEADLINE):
                while {p["metadata"]["labels"][objects.TEMPLATE_HASH]
                       for p in await _pods(store)} != {new_hash}:
                    await asyncio.sleep(0.05)

            events, _ = await store.list(("", "v1", "events"), namespace="default")
            scaling = [e["message"] for e in events if e["reason"] == "ScalingReplicaSet"]
            old_rs, new_rs = by_revision["1"]["metadata"]["name"], by_revision["2"]["metadata"][
                "name"]
            assert f"Scaled up replica set {old_rs} from 0 to 2" in scaling
            assert f"Scaled up replica set {old_rs} from 2 to 3" in scaling
            assert f"Scaled up replica set {new_rs} from 0 to 3" in scaling
            assert any(m.startswith(f"Scaled down replica set {old_rs}") for m in scaling)

            await _update(store, objects.DEPLOYMENTS, "web", lambda s: s.update(replicas=1))
            await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                             predicate=_rolled_out(1))
            assert len(await _pods(store)) == 1

    asyncio.run(scenario())


def _statefulset(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "default"},
            "spec": {"replicas": replicas, "serviceName": "db",
                     "selector": {"matchLabels": dict(LABELS)},
                     "updateStrategy": {"type": "RollingUpdate"},
                     "template": _template(volumeMounts=[{"name": "data",
                                                          "mountPath": "/data"}]),
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}]}}


def _sts_ready(replicas: int) -> Any:
    def check(sts: dict[str, Any]) -> bool:
        status = sts.get("status") or {}
        return (status.get("observedGeneration") == sts["metadata"]["generation"]
                and status.get("replicas") == status.get("readyReplicas") == replicas
                and status.get("currentRevision") == status.get("updateRevision"))
    return check


def test_statefulset_creates_ordinal_pods_with_claims_and_scales(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path, with_controllers=True) as (store, _):
            await store.create(objects.STATEFULSETS, _statefulset(2))
            await h.wait_for(store, objects.STATEFULSETS, namespace="default", name="db",
                             predicate=_sts_ready(2))
            pods = {p["metadata"]["name"]: p for p in await _pods(store)}
            assert sorted(pods) == ["db-0", "db-1"]
            assert pods["db-1"]["spec"]["volumes"] == [
                {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}}]
            assert pods["db-0"]["spec"]["hostname"] == "db-0"
            claim = await h.wait_for(store, objects.PVCS, namespace="default", name="data-db-0",
                                     predicate=lambda c: c["status"].get("phase") == "Bound")
            assert claim["spec"]["volumeName"] == f"pvc-{claim['metadata']['uid']}"
            assert claim["status"]["capacity"] == {"storage": "1Gi"}

            await _update(store, objects.STATEFULSETS, "db", lambda s: s.update(replicas=1))
            await h.wait_for(store, objects.STATEFULSETS, namespace="default", name="db",
                             predicate=_sts_ready(1))
            await h.wait_gone(store, h.PODS, namespace="default", name="db-1")
            # Claims outlive the pods (Retain).
            await store.get(objects.PVCS, namespace="default", name="data-db-1")

            await _update(store, objects.STATEFULSETS, "db", lambda s: s.update(
                replicas=2, template=_template(env=[{"name": "V", "value": "2"}],
                                               volumeMounts=[{"name": "data",
                                                              "mountPath": "/data"}])))
            sts = await h.wait_for(store, objects.STATEFULSETS, namespace="default", name="db",
                                   predicate=lambda s: _sts_ready(2)(s) and (
                                       s["status"]["updatedReplicas"] == 2))
            revision = sts["status"]["updateRevision"]
            labels = [p["metadata"]["labels"][objects.REVISION_HASH] for p in await _pods(store)]
            assert labels == [revision, revision]

    asyncio.run(scenario())


def test_ordinal_parsing() -> None:
    assert statefulsets.ordinal(set_name="db", pod_name="db-12") == 12
    assert statefulsets.ordinal(set_name="db", pod_name="db-x") is None
    assert statefulsets.ordinal(set_name="db", pod_name="dbb-1") is None


def test_template_hash_is_stable_and_sensitive() -> None:
    one, two = _template(), _template(env=[{"name": "A", "value": "1"}])
    assert objects.template_hash(one) == objects.template_hash(copy.deepcopy(one))
    assert objects.template_hash(one) != objects.template_hash(two)
    assert len(objects.template_hash(one)) == 10


def test_a_bare_replicaset_replaces_pods_that_go_away(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path, with_controllers=True) as (store, _):
            await store.create(objects.REPLICASETS, {
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "solo", "namespace": "default"},
                "spec": {"replicas": 2, "selector": {"matchLabels": dict(LABELS)},
                         "template": _template()}})
            await h.wait_for(store, objects.REPLICASETS, namespace="default", name="solo",
                             predicate=lambda rs: (rs.get("status") or {}).get(
                                 "readyReplicas") == 2)
            victim = (await _pods(store))[0]["metadata"]["name"]
            await store.delete(h.PODS, namespace="default", name=victim)
            async with asyncio.timeout(h.DEADLINE):
                while True:
                    names = {p["metadata"]["name"] for p in await _pods(store)}
                    if len(names) == 2 and victim not in names:
                        break
                    await asyncio.sleep(0.05)

    asyncio.run(scenario())


def test_parallel_statefulset_starts_all_pods_and_partition_holds_old_ones(
    tmp_path: pathlib.Path,
) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path, with_controllers=True) as (store, _):
            sts = _statefulset(3)
            sts["spec"]["podManagementPolicy"] = "Parallel"
            sts["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                             "rollingUpdate": {"partition": 2}}
            await store.create(objects.STATEFULSETS, sts)
            first = await h.wait_for(store, objects.STATEFULSETS, namespace="default",
                                     name="db", predicate=_sts_ready(3))
            old_revision = first["status"]["updateRevision"]
            await _update(store, objects.STATEFULSETS, "db", lambda s: s.update(
                template=_template(env=[{"name": "V", "value": "2"}],
                                   volumeMounts=[{"name": "data", "mountPath": "/data"}])))
            rolled = await h.wait_for(
                store, objects.STATEFULSETS, namespace="default", name="db",
                predicate=lambda s: (s.get("status") or {}).get("updatedReplicas") == 1
                and s["status"].get("readyReplicas") == 3)
            new_revision = rolled["status"]["updateRevision"]
            assert new_revision != old_revision
            assert rolled["status"]["currentRevision"] == old_revision
            revisions = {p["metadata"]["name"]: p["metadata"]["labels"][objects.REVISION_HASH]
                         for p in await _pods(store)}
            assert revisions == {"db-0": old_revision, "db-1": old_revision,
                                 "db-2": new_revision}

    asyncio.run(scenario())


def test_recreate_scales_the_old_replicaset_down_at_once(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path, with_controllers=True) as (store, _):
            dep = _deployment(2)
            dep["spec"]["strategy"] = {"type": "Recreate"}
            dep["spec"]["revisionHistoryLimit"] = 1
            await store.create(objects.DEPLOYMENTS, dep)
            await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                             predicate=_rolled_out(2))
            await _update(store, objects.DEPLOYMENTS, "web",
                          lambda s: s.update(template=_template(image="nginx:2")))
            await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                             predicate=_rolled_out(2))
            sets, _ = await store.list(objects.REPLICASETS, namespace="default")
            assert sorted(rs["spec"]["replicas"] for rs in sets) == [0, 2]

            # A third template: revisionHistoryLimit 1 keeps one idle ReplicaSet only.
            await _update(store, objects.DEPLOYMENTS, "web",
                          lambda s: s.update(template=_template(image="nginx:3")))
            await h.wait_for(store, objects.DEPLOYMENTS, namespace="default", name="web",
                             predicate=lambda d: _rolled_out(2)(d) and d["metadata"][
                                 "annotations"][objects.REVISION] == "3")
            async with asyncio.timeout(h.DEADLINE):
                while True:
                    sets, _ = await store.list(objects.REPLICASETS, namespace="default")
                    revisions = sorted(rs["metadata"]["annotations"][objects.REVISION]
                                       for rs in sets)
                    if revisions == ["2", "3"]:
                        break
                    await asyncio.sleep(0.05)

    asyncio.run(scenario())



def test_events_wake_the_owning_controller() -> None:
    pod = {"metadata": {"name": "web-abc-x", "namespace": "ns", "ownerReferences": [
        {"kind": "ReplicaSet", "name": "web-abc", "controller": True, "uid": "1"}]}}
    rs = {"metadata": {"name": "web-abc", "namespace": "ns", "ownerReferences": [
        {"kind": "Deployment", "name": "web", "controller": True, "uid": "2"}]}}
    orphan = {"metadata": {"name": "lone", "namespace": "ns"}}
    assert manager.wakes(objects.PODS, pod) == [("replicaset", "ns", "web-abc")]
    assert manager.wakes(objects.REPLICASETS, rs) == [("replicaset", "ns", "web-abc"),
                                                      ("deployment", "ns", "web")]
    assert manager.wakes(objects.PODS, orphan) == []
    assert manager.wakes(objects.PVCS, orphan) == [("claim", "ns", "lone")]


def test_the_work_queue_holds_an_item_once_until_taken() -> None:
    async def scenario() -> None:
        queue = manager.WorkQueue()
        queue.add(("deployment", "ns", "a"))
        queue.add(("deployment", "ns", "a"))
        queue.add(("claim", "ns", "b"))
        assert await queue.take() == ("deployment", "ns", "a")
        queue.add(("deployment", "ns", "a"))  # taken items may come back
        assert await queue.take() == ("claim", "ns", "b")
        assert await queue.take() == ("deployment", "ns", "a")

    asyncio.run(scenario())
