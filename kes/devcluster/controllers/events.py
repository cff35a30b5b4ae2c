"""Events the workload controllers record (ScalingReplicaSet, SuccessfulCreate ...).

`kubectl describe deployment|statefulset|replicaset` shows them. The kubelet has its own
recorder for pod events: the two packages are siblings and do not import each other.
Recording is best effort; an event that cannot be written is dropped.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from kes.devcluster import store as store_mod

EVENTS: store_mod.ResourceKey = ("", "v1", "events")
_HOST = "kes-devcluster"
_last_nanos = 0


def _unique_nanos() -> int:
    global _last_nanos  # one clock per process: names never repeat
    _last_nanos = max(time.time_ns(), _last_nanos + 1)
    return _last_nanos


async def record(
    store: store_mod.Store, *, obj: dict[str, Any], reason: str, message: str, component: str
) -> None:
    """One Normal event about `obj`, named `<name>.<nanoseconds in hex>` as the real recorder
    names them (so a list shows them in order)."""
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or "default"
    now = store_mod.now_rfc3339()
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta.get('name')}.{_unique_nanos():x}", "namespace": namespace},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", "apps/v1"),
            "kind": obj.get("kind", ""),
            "namespace": namespace,
            "name": meta.get("name"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "reason": reason,
        "message": message,
        "type": "Normal",
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "eventTime": None,
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": _HOST,
    }
    if not await _namespace_open(store, namespace):
        return
    with contextlib.suppress(store_mod.StoreError):
        await store.create(EVENTS, body)


async def _namespace_open(store: store_mod.Store, namespace: str) -> bool:
    """The apiserver refuses new objects in a missing or terminating namespace; so do we, or
    an event written during a namespace's deletion would outlive it."""
    try:
        found = await store.get(("", "v1", "namespaces"), namespace=None, name=namespace)
    except store_mod.NotFoundError:
        return False
    return not found["metadata"].get("deletionTimestamp")
