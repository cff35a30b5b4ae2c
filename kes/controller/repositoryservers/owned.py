"""The Service and Pod a RepositoryServer owns, built and reconciled as Kanister does.

Kanister (`pkg/controllers/repositoryserver/handler.go`, reference kopia-and-restic.md 2.3):
Service `repo-server-service-<rand5>` with port `repo-server-service-port` TCP 51515 and
selector `name=<service>`; Pod `repo-server-pod-*` running `bash -c "tail -f /dev/null"` as root
in container `repo-server-container`, labelled `name=<service>`, the TLS Secret mounted at
/mnt/secrets/tlscert, a filestore PVC at /mnt/data, storage credentials in its environment by
`secretKeyRef`; both controlled by the CR (ownerReference), so deleting it removes them.

kes differs in two places: it picks the pod's name itself (same shape) so it can record the
name before creating the pod, and it gives the pod an emptyDir at /tmp, where kopia keeps its
config, cache and logs (on the local cluster /tmp would otherwise be the machine's own).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

from kes.adapters.k8s import client, errors, objects, pods
from kes.adapters.kopia import repository, server
from kes.domain import repositoryserver_secrets as rss

SERVICE_PREFIX = "repo-server-service"
POD_PREFIX = "repo-server-pod"
CONTAINER = "repo-server-container"
NAME_LABEL = "name"
TLS_VOLUME = "kopia-cert"
TLS_MOUNT_PATH = "/mnt/secrets/tlscert"
TLS_CERT_PATH = f"{TLS_MOUNT_PATH}/tls.crt"
TLS_KEY_PATH = f"{TLS_MOUNT_PATH}/tls.key"
TMP_VOLUME = "kopia-tmp"
TOOLS_IMAGE_ENV = "KANISTER_TOOLS"
DEFAULT_TOOLS_IMAGE = "ghcr.io/kanisterio/kanister-tools:0.119.0"
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery's rand.String


def random_suffix(length: int = 5) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def owner_reference(cr: Mapping[str, Any]) -> dict[str, Any]:
    """`SetControllerReference`: the CR controls the object (garbage-collected with it)."""
    meta = cr["metadata"]
    return {
        "apiVersion": str(cr.get("apiVersion") or "cr.kanister.io/v1alpha1"),
        "kind": "RepositoryServer", "name": meta["name"], "uid": meta["uid"],
        "controller": True, "blockOwnerDeletion": True,
    }


def service_spec(name: str) -> dict[str, Any]:
    return {
        "ports": [{"name": f"{SERVICE_PREFIX}-port", "protocol": "TCP",
                   "port": server.SERVER_PORT}],
        "selector": {NAME_LABEL: name},
    }


def service_body(*, cr: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": cr["metadata"]["namespace"],
                     "labels": {NAME_LABEL: name}, "ownerReferences": [owner_reference(cr)]},
        "spec": service_spec(name),
    }


def pod_body(
    *, cr: Mapping[str, Any], name: str, service_name: str, tls_secret: str,
    credentials_secret: str, credentials: rss.Credentials, claim: tuple[str, bool] | None,
    override: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The server pod. `claim` = (PVC name, read-only) of a filestore location."""
    mounts: list[dict[str, Any]] = [
        {"name": TLS_VOLUME, "mountPath": TLS_MOUNT_PATH},
        {"name": TMP_VOLUME, "mountPath": "/tmp"},  # noqa: S108 (inside the pod)
    ]
    volumes: list[dict[str, Any]] = [
        {"name": TLS_VOLUME, "secret": {"secretName": tls_secret}},
        {"name": TMP_VOLUME, "emptyDir": {}},
    ]
    if claim is not None:
        claim_name, read_only = claim
        mounts.insert(0, {"name": f"vol-{claim_name}",
                          "mountPath": repository.DEFAULT_FS_MOUNT_PATH, "readOnly": read_only})
        volumes.insert(0, {"name": f"vol-{claim_name}",
                           "persistentVolumeClaim": {"claimName": claim_name,
                                                     "readOnly": read_only}})
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": os.environ.get(TOOLS_IMAGE_ENV) or DEFAULT_TOOLS_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": ["bash", "-c", "tail -f /dev/null"],
        "volumeMounts": mounts,
    }
    env = [
        {"name": variable, "valueFrom": {"secretKeyRef": {"name": credentials_secret,
                                                          "key": key}}}
        for variable, key in credentials.env_from_keys.items()
    ]
    if env:
        container["env"] = env
    spec: dict[str, Any] = {
        "containers": [container], "volumes": volumes, "restartPolicy": "Always",
        "securityContext": {"runAsUser": 0, "runAsNonRoot": False},
    }
    for key in ("nodeSelector", "tolerations"):
        if override and override.get(key):
            spec[key] = override[key]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": cr["metadata"]["namespace"],
                     "labels": {NAME_LABEL: service_name},
                     "ownerReferences": [owner_reference(cr)]},
        "spec": spec,
    }


def _path(resource: str, namespace: str, name: str = "") -> str:
    return objects.path(group="", version="v1", resource=resource, namespace=namespace,
                        name=name)


def get_service(api: client.Api, *, namespace: str, name: str) -> dict[str, Any] | None:
    if not name:
        return None
    try:
        return objects.get(api, group="", version="v1", resource="services",
                           namespace=namespace, name=name)
    except errors.ApiNotFoundError:
        return None


def ensure_service(api: client.Api, *, cr: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Create the Service, or give an existing one Kanister's spec back (its `updateService`)."""
    namespace = cr["metadata"]["namespace"]
    current = get_service(api, namespace=namespace, name=name)
    if current is None:
        created = objects.request(api, method="POST", url_path=_path("services", namespace),
                                  body=service_body(cr=cr, name=name))
        return dict(created)
    desired = service_spec(name)
    spec = dict(current.get("spec") or {})
    if spec.get("ports", [{}])[0].get("port") == server.SERVER_PORT and (
        spec.get("selector") == desired["selector"]
    ):
        return current
    spec.update(desired)
    current["spec"] = spec
    updated = objects.request(api, method="PUT", url_path=_path("services", namespace, name),
                              body=current)
    return dict(updated)


def get_pod(api: client.Api, *, namespace: str, name: str) -> dict[str, Any] | None:
    if not name:
        return None
    try:
        return pods.get(api, namespace=namespace, name=name)
    except errors.ApiNotFoundError:
        return None


def label_pod(api: client.Api, *, pod: Mapping[str, Any], service_name: str) -> None:
    """Kanister's `updateServiceNameInPodLabels`: the pod's `name` label is the Service's."""
    meta = pod["metadata"]
    if (meta.get("labels") or {}).get(NAME_LABEL) == service_name:
        return
    objects.request(
        api, method="PATCH", url_path=_path("pods", meta["namespace"], meta["name"]),
        body={"metadata": {"labels": {NAME_LABEL: service_name}}},
        content_type="application/merge-patch+json",
    )


def claim_mode(api: client.Api, *, namespace: str, claim_name: str) -> bool:
    """Whether the filestore PVC is read-only (ReadOnlyMany); ApiNotFoundError when missing."""
    pvc = objects.get(api, group="", version="v1", resource="persistentvolumeclaims",
                      namespace=namespace, name=claim_name)
    modes = (pvc.get("spec") or {}).get("accessModes") or []
    return "ReadOnlyMany" in modes


def controller_pod_override(api: client.Api, *, namespace: str) -> dict[str, Any]:
    """nodeSelector and tolerations of the controller's own pod ($HOSTNAME), as Kanister copies
    them; nothing when the controller does not run in a pod of that namespace."""
    name = os.environ.get("HOSTNAME", "")
    pod = get_pod(api, namespace=namespace, name=name) if name else None
    spec = (pod or {}).get("spec") or {}
    return {k: spec[k] for k in ("nodeSelector", "tolerations") if spec.get(k)}


def is_ready(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in status.get("conditions") or [])
