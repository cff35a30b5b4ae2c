"""The node as the API sees it: one Node object, and core/v1 Events about pods and workloads.

Pod events (Scheduled, Created, Started, Killing, BackOff ...) are recorded through
`eventrecorder`, with this node as their source.
"""

from __future__ import annotations

import contextlib
import os
import platform
from typing import Any

from kes.devcluster import eventrecorder
from kes.devcluster import store as store_mod

NODE_NAME = "kes-devcluster"
NODES: store_mod.ResourceKey = ("", "v1", "nodes")


async def event(
    store: store_mod.Store, *, obj: dict[str, Any], reason: str, message: str,
    warning: bool = False, component: str = "kubelet",
) -> None:
    """Record one Event about `obj`, from this node."""
    await eventrecorder.record(
        store, obj=obj, reason=reason, message=message, component=component, warning=warning,
        host=NODE_NAME,
    )


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _ready(*, runtime_problem: str | None, now: str) -> dict[str, Any]:
    """The Ready condition: a kubelet whose runtime is down reports NotReady with why."""
    if runtime_problem is None:
        return {"type": "Ready", "status": "True", "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": now, "lastTransitionTime": now}
    return {"type": "Ready", "status": "False", "reason": "KubeletNotReady",
            "message": f"container runtime is down: {runtime_problem}",
            "lastHeartbeatTime": now, "lastTransitionTime": now}


def _node(existing: dict[str, Any] | None, *, runtime_problem: str | None) -> dict[str, Any]:
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
        "conditions": [_ready(runtime_problem=runtime_problem, now=now)],
        # Every field the clients require (the Python client refuses a Node without them).
        "nodeInfo": {"kubeletVersion": "v1.32.0-kes", "operatingSystem": "linux",
                     "architecture": platform.machine(), "kernelVersion": platform.release(),
                     "osImage": platform.platform(), "containerRuntimeVersion": "process://bwrap",
                     "kubeProxyVersion": "", "bootID": _read("/proc/sys/kernel/random/boot_id"),
                     "machineID": _read("/etc/machine-id"), "systemUUID": ""},
    }
    return node


async def register_node(store: store_mod.Store, *, runtime_problem: str | None = None) -> None:
    """Create or refresh the one Node: Ready, or NotReady saying why pods cannot run."""
    try:
        existing = await store.get(NODES, namespace=None, name=NODE_NAME)
    except store_mod.NotFoundError:
        existing = None
    node = _node(existing, runtime_problem=runtime_problem)
    with contextlib.suppress(store_mod.StoreError):
        if existing is None:
            created = await store.create(NODES, {k: v for k, v in node.items() if k != "status"})
            await store.update(NODES, {"metadata": created["metadata"], "status": node["status"]},
                               subresource="status")
        else:
            await store.update(NODES, {"metadata": {"name": NODE_NAME}, "status": node["status"]},
                               subresource="status")
