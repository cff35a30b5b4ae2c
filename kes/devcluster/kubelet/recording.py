"""The node as the API sees it: one Node object, its Lease, and core/v1 Events about pods.

Pod events (Scheduled, Created, Started, Killing, BackOff ...) are recorded through
`eventrecorder`, with this node as their source. The Lease in `kube-node-lease` is the node's
heartbeat: a real controller manager marks a node whose Lease is not renewed NotReady after
its grace period (50 s) and then evicts its pods, so it is renewed every 10 s, as a kubelet does.
The Node declares `ExtendWebSocketsToKubelet`: the API server then passes WebSocket exec
requests through to this kubelet (which speaks WebSocket only) instead of translating them to
SPDY.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import os
import platform
from typing import Any

from kes.devcluster import eventrecorder, objectapi
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import config

logger = logging.getLogger(__name__)

NODE_NAME = config.NODE_NAME
NODES: store_mod.ResourceKey = ("", "v1", "nodes")
LEASES: store_mod.ResourceKey = ("coordination.k8s.io", "v1", "leases")
LEASE_NAMESPACE = "kube-node-lease"
LEASE_SECONDS = 40
RENEW_SECONDS = 10.0
DECLARED_FEATURES = ["ExtendWebSocketsToKubelet"]
KUBELET_VERSION = "v1.37.2-kes"


async def event(
    api: objectapi.EventSink, *, obj: dict[str, Any], reason: str, message: str,
    warning: bool = False, component: str = "kubelet", node: str = NODE_NAME,
) -> None:
    """Record one Event about `obj`, from this node."""
    await eventrecorder.record(
        api, obj=obj, reason=reason, message=message, component=component, warning=warning,
        host=node,
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


def _node(
    existing: dict[str, Any] | None, *, node: config.NodeConfig, runtime_problem: str | None
) -> dict[str, Any]:
    now = store_mod.now_rfc3339()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024
    capacity = {"cpu": str(os.cpu_count() or 1), "memory": f"{memory}Ki", "pods": "110"}
    labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux",
              "kubernetes.io/arch": _arch()}
    if node.stand_in:
        # A real kubelet may not set node-role labels (NodeRestriction refuses them).
        labels["node-role.kubernetes.io/control-plane"] = ""
    body = existing or {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": node.name, "labels": labels},
        "spec": {},
    }
    body["status"] = {
        "capacity": capacity,
        "allocatable": capacity,
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                      {"type": "Hostname", "address": node.name}],
        "conditions": [_ready(runtime_problem=runtime_problem, now=now)],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": node.port}},
        "declaredFeatures": DECLARED_FEATURES,
        # Every field the clients require (the Python client refuses a Node without them).
        "nodeInfo": {"kubeletVersion": KUBELET_VERSION, "operatingSystem": "linux",
                     "architecture": _arch(), "kernelVersion": platform.release(),
                     "osImage": platform.platform(), "containerRuntimeVersion": "process://bwrap",
                     "kubeProxyVersion": "", "bootID": _read("/proc/sys/kernel/random/boot_id"),
                     "machineID": _read("/etc/machine-id"), "systemUUID": ""},
    }
    return body


def _arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


async def register_node(
    api: objectapi.NodeApi, *, node: config.NodeConfig, runtime_problem: str | None = None
) -> None:
    """Create or refresh the one Node: Ready, or NotReady saying why pods cannot run (retried
    when the node controller wrote first)."""
    for _ in range(5):
        try:
            try:
                existing = await api.get(NODES, namespace=None, name=node.name)
            except store_mod.NotFoundError:
                existing = None
            body = _node(existing, node=node, runtime_problem=runtime_problem)
            if existing is None:
                existing = await api.create(NODES, {k: v for k, v in body.items()
                                                    if k != "status"})
            await api.update(NODES, {**existing, "status": body["status"]}, subresource="status")
            return
        except (store_mod.ConflictError, store_mod.AlreadyExistsError):
            continue
        except store_mod.StoreError as exc:
            logger.warning("Registering node %s failed: %s", node.name, exc)
            return


def _micro_time() -> str:
    """A MicroTime as the API writes it."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def renew_lease(api: objectapi.NodeApi, *, node: config.NodeConfig) -> None:
    """Until cancelled: create, then renew, the node's Lease."""
    while True:
        with contextlib.suppress(store_mod.StoreError):
            await _renew_once(api, node=node)
        await asyncio.sleep(RENEW_SECONDS)


async def _renew_once(api: objectapi.NodeApi, *, node: config.NodeConfig) -> None:
    spec = {"holderIdentity": node.name, "leaseDurationSeconds": LEASE_SECONDS,
            "renewTime": _micro_time()}
    try:
        lease = await api.get(LEASES, namespace=LEASE_NAMESPACE, name=node.name)
    except store_mod.NotFoundError:
        await api.create(LEASES, {
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": node.name, "namespace": LEASE_NAMESPACE},
            "spec": spec})
        return
    lease["spec"] = {**(lease.get("spec") or {}), **spec}
    await api.update(LEASES, lease)
