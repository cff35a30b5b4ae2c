"""The node as the API sees it: one Node object, and core/v1 Events about pods and workloads.

`kubectl describe` and `kubectl events` show what happened to a pod (Scheduled, Created,
Started, Killing, BackOff ...) and to a workload (ScalingReplicaSet, SuccessfulCreate); the
controllers record theirs through this module too. Recording is best effort: an event that
cannot be written (its namespace is going away) is dropped, never retried.
"""

from __future__ import annotations

import contextlib
import os
import platform
import time
from typing import Any

from kes.devcluster import store as store_mod

NODE_NAME = "kes-devcluster"
EVENTS: store_mod.ResourceKey = ("", "v1", "events")
NODES: store_mod.ResourceKey = ("", "v1", "nodes")


_last_nanos = 0


def _unique_nanos() -> int:
    global _last_nanos  # one clock per process: names never repeat
    _last_nanos = max(time.time_ns(), _last_nanos + 1)
    return _last_nanos


async def event(
    store: store_mod.Store, *, obj: dict[str, Any], reason: str, message: str,
    warning: bool = False, component: str = "kubelet",
) -> None:
    """Record one Event about `obj` in its namespace."""
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or "default"
    now = store_mod.now_rfc3339()
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        # Like the real recorder: the suffix is the time in nanoseconds, in hex, so that a
        # list (sorted by name) shows a pod's events in the order they happened.
        "metadata": {"name": f"{meta.get('name')}.{_unique_nanos():x}", "namespace": namespace},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj.get("kind", "Pod"),
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
        "source": {"component": component, "host": NODE_NAME},
        "reportingComponent": component,
        "reportingInstance": NODE_NAME,
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


def _node(existing: dict[str, Any] | None) -> dict[str, Any]:
    now = store_mod.now_rfc3339()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024
    capacity = {"cpu": str(os.cpu_count() or 1), "memory": f"{memory}Ki", "pods": "110"}
    node = existing or {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": NODE_NAME, "labels": {
            "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux",
            "node-role.kubernetes.io/control-plane": ""}},
        "spec": {},
    }
    node["status"] = {
        "capacity": capacity,
        "allocatable": capacity,
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                      {"type": "Hostname", "address": NODE_NAME}],
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                        "lastHeartbeatTime": now, "lastTransitionTime": now}],
        "nodeInfo": {"kubeletVersion": "v1.32.0-kes", "operatingSystem": "linux",
                     "architecture": platform.machine(), "kernelVersion": platform.release(),
                     "osImage": platform.platform(), "containerRuntimeVersion": "process://bwrap"},
    }
    return node


async def register_node(store: store_mod.Store) -> None:
    """Create or refresh the one Node, Ready."""
    try:
        existing = await store.get(NODES, namespace=None, name=NODE_NAME)
    except store_mod.NotFoundError:
        existing = None
    node = _node(existing)
    with contextlib.suppress(store_mod.StoreError):
        if existing is None:
            created = await store.create(NODES, {k: v for k, v in node.items() if k != "status"})
            await store.update(NODES, {"metadata": created["metadata"], "status": node["status"]},
                               subresource="status")
        else:
            await store.update(NODES, {"metadata": {"name": NODE_NAME}, "status": node["status"]},
                               subresource="status")
