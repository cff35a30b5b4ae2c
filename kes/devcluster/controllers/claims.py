"""PersistentVolumeClaims bind at once: the volume is a directory the kubelet creates on use.

The claim gets `spec.volumeName` `pvc-<uid>` (the kubelet's directory name) and a Bound status
with the requested capacity, as a dynamic provisioner would report it.
"""

from __future__ import annotations

import copy

from kes.devcluster import store as store_mod
from kes.devcluster.controllers import objects


async def reconcile(store: store_mod.Store, *, namespace: str, name: str) -> None:
    try:
        claim = await store.get(objects.PVCS, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return
    if objects.is_deleting(claim):
        return
    spec = claim.get("spec") or {}
    if not spec.get("volumeName"):
        bound = copy.deepcopy(claim)
        bound["spec"]["volumeName"] = f"pvc-{claim['metadata']['uid']}"
        annotations = bound["metadata"].setdefault("annotations", {})
        annotations["pv.kubernetes.io/bind-completed"] = "yes"
        annotations["pv.kubernetes.io/bound-by-controller"] = "yes"
        claim = await store.update(objects.PVCS, bound)
        spec = claim["spec"]
    status = {
        "phase": "Bound",
        "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
        "capacity": dict((spec.get("resources") or {}).get("requests") or {"storage": "1Gi"}),
    }
    await objects.write_status(store, objects.PVCS, obj=claim, status=status)
