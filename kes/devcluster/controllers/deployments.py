"""Deployment → ReplicaSets: one ReplicaSet per pod template, numbered by revision.

The new template's ReplicaSet is scaled to `spec.replicas`; old ones are scaled down as new pods
become ready (RollingUpdate) or at once (Recreate). Status carries what `kubectl rollout status`
compares: observedGeneration, replicas, updatedReplicas, availableReplicas, and the
Progressing/Available conditions.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from kes.devcluster import eventrecorder
from kes.devcluster import store as store_mod
from kes.devcluster.controllers import objects


def revision(rs: dict[str, Any]) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(objects.REVISION, "0"))
    except ValueError:
        return 0


def _new_replicaset(
    *, deployment: dict[str, Any], pod_hash: str, number: int, replicas: int
) -> dict[str, Any]:
    meta = deployment["metadata"]
    spec = deployment.get("spec", {})
    template = copy.deepcopy(spec.get("template") or {})
    template.setdefault("metadata", {}).setdefault("labels", {})[objects.TEMPLATE_HASH] = pod_hash
    selector = copy.deepcopy(spec.get("selector") or {})
    selector.setdefault("matchLabels", {})[objects.TEMPLATE_HASH] = pod_hash
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{meta['name']}-{pod_hash}",
            "namespace": meta.get("namespace"),
            "labels": dict(template["metadata"]["labels"]),
            "annotations": {
                objects.REVISION: str(number),
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + objects.max_surge(
                    spec, replicas=replicas)),
            },
            "ownerReferences": [objects.owner_ref(deployment, kind="Deployment",
                                                  api_version="apps/v1")],
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
    }


async def _scale(store: store_mod.Store, rs: dict[str, Any], *, deployment: dict[str, Any],
                 replicas: int, number: int | None = None) -> dict[str, Any]:
    annotations = rs["metadata"].get("annotations") or {}
    wanted = str(number) if number is not None else annotations.get(objects.REVISION)
    before = int(rs["spec"].get("replicas", 0))
    if before == replicas and annotations.get(objects.REVISION) == wanted:
        return rs
    new = copy.deepcopy(rs)
    new["spec"]["replicas"] = replicas
    if wanted is not None:
        new["metadata"].setdefault("annotations", {})[objects.REVISION] = wanted
    updated = await store.update(objects.REPLICASETS, new)
    if before != replicas:
        await _scaled_event(store, deployment=deployment, rs=rs, before=before, after=replicas)
    return updated


async def _scaled_event(store: store_mod.Store, *, deployment: dict[str, Any],
                        rs: dict[str, Any], before: int, after: int) -> None:
    direction = "up" if after > before else "down"
    await eventrecorder.record(
        store, obj=deployment, reason="ScalingReplicaSet",
        message=f"Scaled {direction} replica set {rs['metadata']['name']} from {before} to "
                f"{after}", component="deployment-controller")


async def reconcile(store: store_mod.Store, *, namespace: str, name: str) -> None:
    try:
        deployment = await store.get(objects.DEPLOYMENTS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return
    if objects.is_deleting(deployment):
        return
    spec = deployment.get("spec", {})
    desired = int(spec.get("replicas", 1))
    pod_hash = objects.template_hash(spec.get("template") or {})
    owned = await objects.owned(store, objects.REPLICASETS, namespace=namespace,
                                uid=deployment["metadata"]["uid"])
    newest = max((revision(rs) for rs in owned), default=0)
    current = next((rs for rs in owned
                    if (rs["metadata"].get("labels") or {}).get(objects.TEMPLATE_HASH) == pod_hash),
                   None)
    if current is None:
        newest += 1
        current = await store.create(objects.REPLICASETS, _new_replicaset(
            deployment=deployment, pod_hash=pod_hash, number=newest, replicas=desired))
        await _scaled_event(store, deployment=deployment, rs=current, before=0, after=desired)
    else:
        # Going back to an older template makes its ReplicaSet the newest revision again.
        if revision(current) < newest:
            newest += 1
        current = await _scale(store, current, deployment=deployment, replicas=desired,
                               number=max(newest, revision(current)))
    old = [rs for rs in owned if rs["metadata"]["uid"] != current["metadata"]["uid"]]
    recreate = (spec.get("strategy") or {}).get("type") == "Recreate"
    new_ready = int((current.get("status") or {}).get("readyReplicas", 0))
    budget = 0 if recreate else max(desired - new_ready, 0)
    for rs in sorted(old, key=revision, reverse=True):
        keep = min(int(rs["spec"].get("replicas", 0)), budget)
        budget -= keep
        await _scale(store, rs, deployment=deployment, replicas=keep)
    await _prune(store, old=old, limit=int(spec.get("revisionHistoryLimit", 10)))
    await _publish(store, deployment=deployment, current=current, old=old, desired=desired,
                   number=revision(current))


async def _prune(store: store_mod.Store, *, old: list[dict[str, Any]], limit: int) -> None:
    """Keep `revisionHistoryLimit` idle old ReplicaSets (for `rollout undo`), delete the rest."""
    idle = [rs for rs in old if int(rs["spec"].get("replicas", 0)) == 0
            and int((rs.get("status") or {}).get("replicas", 0)) == 0]
    for rs in sorted(idle, key=revision, reverse=True)[max(limit, 0):]:
        with contextlib.suppress(store_mod.NotFoundError):
            await store.delete(objects.REPLICASETS, namespace=rs["metadata"].get("namespace"),
                               name=rs["metadata"]["name"])


async def _publish(
    store: store_mod.Store, *, deployment: dict[str, Any], current: dict[str, Any],
    old: list[dict[str, Any]], desired: int, number: int,
) -> None:
    annotations = deployment["metadata"].get("annotations") or {}
    if annotations.get(objects.REVISION) != str(number):
        updated = copy.deepcopy(deployment)
        updated["metadata"].setdefault("annotations", {})[objects.REVISION] = str(number)
        deployment = await store.update(objects.DEPLOYMENTS, updated)

    def count(rs: dict[str, Any], field: str) -> int:
        return int((rs.get("status") or {}).get(field, 0))

    every = [current, *old]
    replicas = sum(count(rs, "replicas") for rs in every)
    available = sum(count(rs, "availableReplicas") for rs in every)
    updated_count = count(current, "replicas")
    complete = updated_count == desired == replicas and count(current, "availableReplicas") == (
        desired)
    now = store_mod.now_rfc3339()
    previous = {c["type"]: c for c in (deployment.get("status") or {}).get("conditions") or []}

    def condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
        before = previous.get(kind) or {}
        same = before.get("status") == ("True" if ok else "False")
        return {"type": kind, "status": "True" if ok else "False",
                "lastUpdateTime": before.get("lastUpdateTime", now) if same and (
                    before.get("reason") == reason) else now,
                "lastTransitionTime": before.get("lastTransitionTime", now) if same else now,
                "reason": reason, "message": message}

    rs_name = current["metadata"]["name"]
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": updated_count,
        "readyReplicas": sum(count(rs, "readyReplicas") for rs in every),
        "availableReplicas": available,
        "terminatingReplicas": 0,  # the stand-in removes a pod at once
        "conditions": [
            condition("Available", available >= desired,
                      "MinimumReplicasAvailable" if available >= desired
                      else "MinimumReplicasUnavailable",
                      "Deployment has minimum availability." if available >= desired
                      else "Deployment does not have minimum availability."),
            condition("Progressing", True,
                      "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                      f'ReplicaSet "{rs_name}" has successfully progressed.' if complete
                      else f'ReplicaSet "{rs_name}" is progressing.'),
        ],
    }
    if replicas > available:
        status["unavailableReplicas"] = replicas - available
    status = objects.omit_zero(status, "replicas", "updatedReplicas", "readyReplicas",
                               "availableReplicas")
    await objects.write_status(store, objects.DEPLOYMENTS, obj=deployment, status=status)
