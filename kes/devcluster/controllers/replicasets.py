"""ReplicaSet → Pods: keep `spec.replicas` active pods, report how many are ready."""

from __future__ import annotations

import contextlib
from typing import Any

from kes.devcluster import eventrecorder
from kes.devcluster import store as store_mod
from kes.devcluster.controllers import objects


def _deletion_order(pod: dict[str, Any]) -> tuple[int, int, str]:
    # Not-yet-running first, then not ready, then the newest (as the real controller ranks them).
    phase = (pod.get("status") or {}).get("phase")
    return (
        0 if phase == "Pending" else 1,
        1 if objects.is_ready(pod) else 0,
        _negated(pod["metadata"].get("creationTimestamp", "")),
    )


def _negated(stamp: str) -> str:
    return "".join(chr(0x10FFFF - ord(c)) for c in stamp)


async def reconcile(store: store_mod.Store, *, namespace: str, name: str) -> None:
    try:
        rs = await store.get(objects.REPLICASETS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return
    if objects.is_deleting(rs):
        return
    spec = rs.get("spec", {})
    desired = int(spec.get("replicas", 1))
    pods = await objects.owned(store, objects.PODS, namespace=namespace,
                               uid=rs["metadata"]["uid"])
    active = [p for p in pods if objects.is_active(p)]
    template = spec.get("template") or {}
    owner = objects.owner_ref(rs, kind="ReplicaSet", api_version="apps/v1")
    for _ in range(desired - len(active)):
        pod = objects.pod_from_template(
            template=template, namespace=namespace, name=f"{name}-{objects.suffix()}",
            owner=owner, labels={})
        created = await store.create(objects.PODS, pod)
        active.append(created)
        await eventrecorder.record(store, obj=rs, reason="SuccessfulCreate",
                              message=f"Created pod: {created['metadata']['name']}",
                              component="replicaset-controller")
    if len(active) > desired:
        doomed = sorted(active, key=_deletion_order)[: len(active) - desired]
        for pod in doomed:
            with contextlib.suppress(store_mod.NotFoundError):
                await store.delete(objects.PODS, namespace=namespace,
                                   name=pod["metadata"]["name"])
                await eventrecorder.record(store, obj=rs, reason="SuccessfulDelete",
                                      message=f"Deleted pod: {pod['metadata']['name']}",
                                      component="replicaset-controller")
        active = [p for p in active if p not in doomed]
    ready = sum(1 for p in active if objects.is_ready(p))
    status = {
        "replicas": len(active),
        "fullyLabeledReplicas": len(active),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "terminatingReplicas": 0,  # the stand-in removes a pod at once
        "observedGeneration": rs["metadata"].get("generation", 1),
    }
    status = objects.omit_zero(status, "fullyLabeledReplicas", "readyReplicas",
                               "availableReplicas")
    await objects.write_status(store, objects.REPLICASETS, obj=rs, status=status)
