"""StatefulSet → Pods `<name>-<ordinal>` with PVCs `<claim>-<name>-<ordinal>`.

OrderedReady (the default) creates one pod at a time, each once its predecessors are Ready, and
removes the highest ordinal first; Parallel does both at once. A changed template rolls out by
deleting the highest-ordinal pod of the old revision once every pod is Ready (RollingUpdate,
honouring `partition`). Claims are never deleted with the set (the default Retain policy).
"""

from __future__ import annotations

import contextlib
import copy
import re
from typing import Any

from kes.devcluster import eventrecorder
from kes.devcluster import store as store_mod
from kes.devcluster.controllers import objects


def ordinal(*, set_name: str, pod_name: str) -> int | None:
    match = re.fullmatch(re.escape(set_name) + r"-(\d+)", pod_name)
    return int(match.group(1)) if match else None


def claim_name(*, template: dict[str, Any], set_name: str, index: int) -> str:
    return f"{template['metadata']['name']}-{set_name}-{index}"


def _pod(*, sts: dict[str, Any], index: int, revision: str) -> dict[str, Any]:
    meta = sts["metadata"]
    spec = sts.get("spec", {})
    name = f"{meta['name']}-{index}"
    pod = objects.pod_from_template(
        template=spec.get("template") or {}, namespace=meta.get("namespace", "default"),
        name=name, owner=objects.owner_ref(sts, kind="StatefulSet", api_version="apps/v1"),
        labels={objects.REVISION_HASH: revision, "statefulset.kubernetes.io/pod-name": name,
                "apps.kubernetes.io/pod-index": str(index)})
    pod["spec"]["hostname"] = name
    if spec.get("serviceName"):
        pod["spec"]["subdomain"] = spec["serviceName"]
    claims = spec.get("volumeClaimTemplates") or []
    names = {c["metadata"]["name"] for c in claims}
    volumes = [v for v in pod["spec"].get("volumes") or [] if v["name"] not in names]
    volumes += [{"name": c["metadata"]["name"], "persistentVolumeClaim": {
        "claimName": claim_name(template=c, set_name=meta["name"], index=index)}}
        for c in claims]
    if volumes:
        pod["spec"]["volumes"] = volumes
    return pod


async def _ensure_claims(store: store_mod.Store, *, sts: dict[str, Any], index: int) -> None:
    meta = sts["metadata"]
    labels = ((sts.get("spec", {}).get("selector") or {}).get("matchLabels") or {})
    for template in sts.get("spec", {}).get("volumeClaimTemplates") or []:
        name = claim_name(template=template, set_name=meta["name"], index=index)
        claim: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": name,
                "namespace": meta.get("namespace", "default"),
                "labels": {**(template["metadata"].get("labels") or {}), **labels},
            },
            "spec": copy.deepcopy(template.get("spec") or {}),
            "status": {"phase": "Pending"},
        }
        with contextlib.suppress(store_mod.AlreadyExistsError):
            await store.create(objects.PVCS, claim)
            pod = f"{meta['name']}-{index}"
            await eventrecorder.record(
                store, obj=sts, reason="SuccessfulCreate",
                message=f"create Claim {name} Pod {pod} in StatefulSet "
                        f"{meta['name']} success", component="statefulset-controller")


async def reconcile(store: store_mod.Store, *, namespace: str, name: str) -> None:
    try:
        sts = await store.get(objects.STATEFULSETS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return
    if objects.is_deleting(sts):
        return
    spec = sts.get("spec", {})
    desired = int(spec.get("replicas", 1))
    ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
    revision = f"{name}-{objects.template_hash(spec.get('template') or {})}"
    pods: dict[int, dict[str, Any]] = {}
    for pod in await objects.owned(store, objects.PODS, namespace=namespace,
                                   uid=sts["metadata"]["uid"]):
        index = ordinal(set_name=name, pod_name=pod["metadata"]["name"])
        if index is not None:
            pods[index] = pod
    await _converge(store, sts=sts, pods=pods, desired=desired, ordered=ordered,
                    revision=revision)
    await _publish(store, sts=sts, pods=pods, desired=desired, revision=revision)


async def _delete(store: store_mod.Store, pod: dict[str, Any], *, sts: dict[str, Any]) -> None:
    with contextlib.suppress(store_mod.NotFoundError):
        await store.delete(objects.PODS, namespace=pod["metadata"]["namespace"],
                           name=pod["metadata"]["name"])
        await eventrecorder.record(
            store, obj=sts, reason="SuccessfulDelete",
            message=f"delete Pod {pod['metadata']['name']} in StatefulSet "
                    f"{sts['metadata']['name']} successful", component="statefulset-controller")


async def _converge(
    store: store_mod.Store, *, sts: dict[str, Any], pods: dict[int, dict[str, Any]],
    desired: int, ordered: bool, revision: str,
) -> None:
    for index in range(desired):
        pod = pods.get(index)
        if pod is None:
            await _ensure_claims(store, sts=sts, index=index)
            pods[index] = await store.create(
                objects.PODS, _pod(sts=sts, index=index, revision=revision))
            await eventrecorder.record(
                store, obj=sts, reason="SuccessfulCreate",
                message=f"create Pod {pods[index]['metadata']['name']} in StatefulSet "
                        f"{sts['metadata']['name']} successful",
                component="statefulset-controller")
            if ordered:
                return
        elif objects.is_deleting(pod):
            if ordered:
                return
        elif (pod.get("status") or {}).get("phase") == "Failed":
            await _delete(store, pod, sts=sts)
            if ordered:
                return
        elif ordered and not objects.is_ready(pod):
            return
    extra = sorted((i for i in pods if i >= desired), reverse=True)
    for index in extra:
        if not objects.is_deleting(pods[index]):
            await _delete(store, pods.pop(index), sts=sts)
        if ordered:
            return
    strategy = sts.get("spec", {}).get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return
    partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
    if not all(objects.is_ready(p) and not objects.is_deleting(p) for p in pods.values()):
        return
    stale = [i for i, p in pods.items() if i >= partition
             and (p["metadata"].get("labels") or {}).get(objects.REVISION_HASH) != revision]
    if stale:
        await _delete(store, pods[max(stale)], sts=sts)


async def _publish(
    store: store_mod.Store, *, sts: dict[str, Any], pods: dict[int, dict[str, Any]],
    desired: int, revision: str,
) -> None:
    live = [p for p in pods.values() if not objects.is_deleting(p)]
    updated = [p for p in live
               if (p["metadata"].get("labels") or {}).get(objects.REVISION_HASH) == revision]
    ready = sum(1 for p in live if objects.is_ready(p))
    previous = sts.get("status") or {}
    current_revision = previous.get("currentRevision") or revision
    if len(updated) == desired == len(live):
        current_revision = revision
    status = {
        "observedGeneration": sts["metadata"].get("generation", 1),
        "replicas": len(live),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "currentReplicas": len(updated) if current_revision == revision else len(live) - len(
            updated),
        "updatedReplicas": len(updated),
        "currentRevision": current_revision,
        "updateRevision": revision,
        "collisionCount": 0,
    }
    status = objects.omit_zero(status, "readyReplicas", "currentReplicas", "updatedReplicas")
    await objects.write_status(store, objects.STATEFULSETS, obj=sts, status=status)
