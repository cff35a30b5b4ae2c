"""Small shared pieces of the workload controllers: keys, owner references, hashes, names."""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from typing import Any

from kes.devcluster import store as store_mod

PODS: store_mod.ResourceKey = ("", "v1", "pods")
PVCS: store_mod.ResourceKey = ("", "v1", "persistentvolumeclaims")
DEPLOYMENTS: store_mod.ResourceKey = ("apps", "v1", "deployments")
REPLICASETS: store_mod.ResourceKey = ("apps", "v1", "replicasets")
STATEFULSETS: store_mod.ResourceKey = ("apps", "v1", "statefulsets")

# The alphabet Kubernetes uses for generated suffixes (no vowels, no look-alikes).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
REVISION_HASH = "controller-revision-hash"


def template_hash(template: dict[str, Any]) -> str:
    """A stable 10-character hash of a pod template, in the generated-name alphabet."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:10])


def suffix() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(5))


def owner_ref(owner: dict[str, Any], *, kind: str, api_version: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_uid(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid"))
    return None


def controller_of(obj: dict[str, Any], *, kind: str) -> str | None:
    """Name of the controlling owner of `kind`, if any."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == kind:
            return str(ref.get("name"))
    return None


def is_ready(pod: dict[str, Any]) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def is_active(pod: dict[str, Any]) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return not pod["metadata"].get("deletionTimestamp") and phase not in {"Succeeded", "Failed"}


def is_deleting(obj: dict[str, Any]) -> bool:
    return bool(obj.get("metadata", {}).get("deletionTimestamp"))


def pod_from_template(
    *, template: dict[str, Any], namespace: str, name: str, owner: dict[str, Any],
    labels: dict[str, str],
) -> dict[str, Any]:
    meta = copy.deepcopy(template.get("metadata") or {})
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**(meta.get("labels") or {}), **labels},
            "ownerReferences": [owner],
        },
        "spec": copy.deepcopy(template.get("spec") or {}),
    }
    if meta.get("annotations"):
        pod["metadata"]["annotations"] = meta["annotations"]
    return pod


async def owned(
    store: store_mod.Store, key: store_mod.ResourceKey, *, namespace: str, uid: str
) -> list[dict[str, Any]]:
    items, _ = await store.list(key, namespace=namespace)
    return [item for item in items if controller_uid(item) == uid]


async def write_status(
    store: store_mod.Store, key: store_mod.ResourceKey, *, obj: dict[str, Any],
    status: dict[str, Any],
) -> None:
    """Replace the status when it changed (the controllers are its only writers)."""
    if obj.get("status") == status:
        return
    body = {"metadata": {"name": obj["metadata"]["name"],
                         "namespace": obj["metadata"].get("namespace")}, "status": status}
    await store.update(key, body, subresource="status")


def omit_zero(status: dict[str, Any], *fields: str) -> dict[str, Any]:
    """`status` without the named counters that are 0: Go's `omitempty` leaves them out."""
    return {k: v for k, v in status.items() if not (k in fields and v == 0)}


def max_surge(spec: dict[str, Any], *, replicas: int) -> int:
    """How many pods above `replicas` a rolling update may run (maxSurge, percentages rounded
    up, default 25%); 0 for Recreate."""
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return 0
    surge = (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
    if isinstance(surge, str) and surge.endswith("%"):
        return -(-replicas * int(surge[:-1]) // 100)
    return int(surge)
