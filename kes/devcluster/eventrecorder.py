"""Record core/v1 Events the way Kubernetes' event recorder does, for the kubelet and controllers.

`kubectl describe` and `kubectl events` show what happened to a pod (Scheduled, Started,
Killing ...) and to a workload (ScalingReplicaSet, SuccessfulCreate). Recording is best effort:
an event that cannot be written (its namespace is missing or going away) is dropped.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from kes.devcluster import objectapi, store_errors
from kes.devcluster import store as store_mod

EVENTS: store_mod.ResourceKey = ("", "v1", "events")
NAMESPACES: store_mod.ResourceKey = ("", "v1", "namespaces")
_last_nanos = 0


def _unique_nanos() -> int:
    global _last_nanos  # one clock per process: names never repeat
    _last_nanos = max(time.time_ns(), _last_nanos + 1)
    return _last_nanos


async def record(
    store: objectapi.EventSink,
    *,
    obj: dict[str, Any],
    reason: str,
    message: str,
    component: str,
    warning: bool = False,
    host: str | None = None,
) -> None:
    """One Event about `obj` in its namespace, named `<name>.<nanoseconds in hex>` like the real
    recorder's (so a list, sorted by name, shows an object's events in order)."""
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or "default"
    now = store_mod.now_rfc3339()
    source: dict[str, str] = {"component": component}
    if host is not None:
        source["host"] = host
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta.get('name')}.{_unique_nanos():x}", "namespace": namespace},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj.get("kind", ""),
            "namespace": namespace,
            "name": meta.get("name"),
            "uid": meta.get("uid"),
            "resourceVersion": meta.get("resourceVersion"),
        },
        "reason": reason,
        "message": message,
        "type": "Warning" if warning else "Normal",
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "eventTime": None,
        "source": source,
        "reportingComponent": component,
        "reportingInstance": host or "kes-devcluster",
    }
    # An event written during its namespace's deletion would outlive it.
    if not await store.namespace_accepts(namespace):
        return
    with contextlib.suppress(store_errors.StoreError):
        await store.create(EVENTS, body)
