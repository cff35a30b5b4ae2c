"""Deployments and StatefulSets: read and scale replicas, readiness, and the workload's pods.

The readiness rules are Kanister's (`pkg/kube/deployment.go`, `statefulset.go`; reference 1.2
ScaleWorkload): a Deployment is ready when replicas, updated and available replicas equal the spec,
the observed generation caught up, and every pod of the current ReplicaSet runs; a StatefulSet
when ready replicas and running pods equal the spec. Scaling to zero also waits for the pods to go.
"""

from __future__ import annotations

import threading
from typing import Any

from kes.adapters.k8s import client, errors, objects, waiting

KINDS = {"deployment": "deployments", "statefulset": "statefulsets"}
_REVISION = "deployment.kubernetes.io/revision"


def _resource(kind: str) -> str:
    try:
        return KINDS[kind.lower()]
    except KeyError:
        raise errors.ApiError(f"Workload type not supported {kind}") from None


def get(api: client.Api, *, kind: str, namespace: str, name: str) -> dict[str, Any]:
    return objects.get(
        api, group="apps", version="v1", resource=_resource(kind), namespace=namespace, name=name
    )


def spec_replicas(obj: dict[str, Any]) -> int:
    """`spec.replicas`, which the API defaults to 1 when absent."""
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def scale(api: client.Api, *, kind: str, namespace: str, name: str, replicas: int) -> None:
    """Set `spec.replicas` with a merge patch."""
    url_path = objects.path(
        group="apps", version="v1", resource=_resource(kind), namespace=namespace, name=name
    )
    objects.request(
        api,
        method="PATCH",
        url_path=url_path,
        body={"spec": {"replicas": replicas}},
        content_type="application/merge-patch+json",
        retry=True,  # setting a count twice changes nothing
    )


def _owned_by(obj: dict[str, Any], uid: str) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(ref.get("uid") == uid for ref in refs)


def _running(pod: dict[str, Any]) -> bool:
    meta = pod.get("metadata") or {}
    return (pod.get("status") or {}).get("phase") == "Running" and not meta.get(
        "deletionTimestamp"
    )


def _pods_in(api: client.Api, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(api, group="", version="v1", resource="pods", namespace=namespace)


def _annotation(obj: dict[str, Any], key: str) -> str | None:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(key)
    return None if value is None else str(value)


def _current_replicasets(api: client.Api, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    meta = deployment["metadata"]
    owned = [
        rs
        for rs in objects.list_objects(
            api, group="apps", version="v1", resource="replicasets", namespace=meta["namespace"]
        )
        if _owned_by(rs, meta["uid"])
    ]
    revision = (meta.get("annotations") or {}).get(_REVISION)
    if revision is not None:
        matching = [rs for rs in owned if _annotation(rs, _REVISION) == revision]
        if matching:
            return matching
    # Without revision annotations, the newest ReplicaSet is the current one.
    owned.sort(key=lambda rs: str(rs["metadata"].get("creationTimestamp") or ""))
    return owned[-1:]


def pods(api: client.Api, *, kind: str, namespace: str, name: str) -> list[dict[str, Any]]:
    """All pods of the workload (Deployment: of its current ReplicaSet), running or not."""
    obj = get(api, kind=kind, namespace=namespace, name=name)
    all_pods = _pods_in(api, namespace)
    if kind.lower() == "statefulset":
        return [p for p in all_pods if _owned_by(p, obj["metadata"]["uid"])]
    owners = {rs["metadata"]["uid"] for rs in _current_replicasets(api, obj)}
    return [p for p in all_pods if any(_owned_by(p, uid) for uid in owners)]


def running_pods(api: client.Api, *, kind: str, namespace: str, name: str) -> list[dict[str, Any]]:
    """The workload's pods in phase Running (TemplateParams `.Deployment.Pods` etc.)."""
    return [p for p in pods(api, kind=kind, namespace=namespace, name=name) if _running(p)]


def pvc_mounts(pod: dict[str, Any]) -> dict[str, str]:
    """PVC claim name → mount path for the pod's PVC volumes (Kanister's `volumes(pod)`)."""
    spec = pod.get("spec") or {}
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in spec.get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName")
    }
    mounts: dict[str, str] = {}
    for container in spec.get("containers") or []:
        for mount in container.get("volumeMounts") or []:
            claim = claims.get(mount.get("name"))
            if claim is not None:
                mounts[claim] = str(mount.get("mountPath") or "")
    return mounts


def container_names(pod: dict[str, Any]) -> list[str]:
    """Names from `status.containerStatuses` (spec containers before the kubelet reports)."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    if statuses:
        return [str(s.get("name")) for s in statuses]
    return [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]


def params(api: client.Api, *, kind: str, namespace: str, name: str) -> dict[str, Any]:
    """TemplateParams `.Deployment` / `.StatefulSet` with Kanister's Go field names."""
    running = running_pods(api, kind=kind, namespace=namespace, name=name)
    claims = {p["metadata"]["name"]: pvc_mounts(p) for p in running}
    return {
        "Name": name,
        "Namespace": namespace,
        "Pods": [p["metadata"]["name"] for p in running],
        "Containers": [container_names(p) for p in running],
        "PersistentVolumeClaims": {pod: mounts for pod, mounts in claims.items() if mounts},
    }


def is_ready(api: client.Api, *, kind: str, namespace: str, name: str) -> bool:
    obj = get(api, kind=kind, namespace=namespace, name=name)
    want = spec_replicas(obj)
    status = obj.get("status") or {}
    meta = obj.get("metadata") or {}
    if int(status.get("observedGeneration") or 0) < int(meta.get("generation") or 0):
        return False
    if kind.lower() == "statefulset":
        if int(status.get("readyReplicas") or 0) != want:
            return False
        owned = [p for p in _pods_in(api, namespace) if _owned_by(p, obj["metadata"]["uid"])]
    else:
        counts = [int(status.get(k) or 0) for k in ("replicas", "updatedReplicas")]
        if counts != [want, want] or int(status.get("availableReplicas") or 0) != want:
            return False
        owners = {rs["metadata"]["uid"] for rs in _current_replicasets(api, obj)}
        owned = [p for p in _pods_in(api, namespace) if any(_owned_by(p, u) for u in owners)]
    running = [p for p in owned if _running(p)]
    if want == 0:
        return not owned
    return len(running) == want and len(running) == len(owned)


def wait_ready(
    api: client.Api,
    *,
    kind: str,
    namespace: str,
    name: str,
    cancel: threading.Event | None,
    timeout: float | None = None,
) -> None:
    """Wait until `is_ready` (Kanister has no timeout here; callers may add one)."""
    waiting.poll(
        lambda: True if is_ready(api, kind=kind, namespace=namespace, name=name) else None,
        cancel=cancel,
        timeout=timeout,
        what=f"{kind} {namespace}/{name} to be ready",
        max_delay=1.0,
    )
