"""A dynamic volume provisioner for the real control plane: a claim gets a directory.

A real cluster binds a PersistentVolumeClaim to a PersistentVolume that a provisioner creates.
kube-controller-manager's volume controller asks for one by annotating the claim with the
StorageClass's provisioner (`volume.kubernetes.io/storage-provisioner`), then binds the claim
to the volume that appears with a `claimRef` to it. This provisioner answers for the default
`standard` class (bootstrap.py): the volume is `pvc-<claim uid>`, a hostPath directory under
`<data dir>/volumes/`, which is exactly where the process kubelet mounts a claim named by its
`spec.volumeName` (kubelet/volumes.py), so a pod finds its data there on either engine. When
the claim goes, the volume controller marks the volume Released, and the provisioner deletes
the directory and the volume (reclaim policy Delete), like rancher's local-path provisioner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
import shutil
from typing import Any

from kes.devcluster import eventrecorder, httpapi, store_errors
from kes.devcluster.controlplane import bootstrap

logger = logging.getLogger(__name__)

PVCS: httpapi.ResourceKey = ("", "v1", "persistentvolumeclaims")
PVS: httpapi.ResourceKey = ("", "v1", "persistentvolumes")
_ASKED_BY = "volume.kubernetes.io/storage-provisioner"
_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"


def volume_for(claim: dict[str, Any], *, data_dir: pathlib.Path) -> dict[str, Any]:
    """The PersistentVolume that serves `claim` (pure)."""
    meta, spec = claim["metadata"], claim.get("spec") or {}
    name = f"pvc-{meta['uid']}"
    return {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {_PROVISIONED_BY: bootstrap.PROVISIONER}},
        "spec": {
            "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {}).get(
                "storage", "1Gi")},
            "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": spec.get("storageClassName") or bootstrap.STORAGE_CLASS,
            "volumeMode": spec.get("volumeMode") or "Filesystem",
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                         "namespace": meta["namespace"], "name": meta["name"],
                         "uid": meta["uid"]},
            "hostPath": {"path": str(data_dir / "volumes" / name), "type": "DirectoryOrCreate"},
        },
    }


def wants_volume(claim: dict[str, Any]) -> bool:
    annotations = claim["metadata"].get("annotations") or {}
    return (annotations.get(_ASKED_BY) == bootstrap.PROVISIONER
            and not (claim.get("spec") or {}).get("volumeName")
            and not claim["metadata"].get("deletionTimestamp"))


def is_released(volume: dict[str, Any]) -> bool:
    annotations = volume["metadata"].get("annotations") or {}
    return (annotations.get(_PROVISIONED_BY) == bootstrap.PROVISIONER
            and (volume.get("status") or {}).get("phase") == "Released"
            and (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete")


async def _provision(api: httpapi.HttpApi, claim: dict[str, Any], *,
                     data_dir: pathlib.Path) -> None:
    volume = volume_for(claim, data_dir=data_dir)
    directory = pathlib.Path(volume["spec"]["hostPath"]["path"])
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    try:
        await api.create(PVS, volume)
    except store_errors.AlreadyExistsError:
        return
    with contextlib.suppress(store_errors.StoreError):
        await eventrecorder.record(
            api, obj={"apiVersion": "v1", "kind": "PersistentVolumeClaim", **claim},
            reason="ProvisioningSucceeded",
            message=f"Successfully provisioned volume {volume['metadata']['name']}",
            component=bootstrap.PROVISIONER)


async def _reclaim(api: httpapi.HttpApi, volume: dict[str, Any]) -> None:
    directory = pathlib.Path(volume["spec"]["hostPath"]["path"])
    await asyncio.to_thread(shutil.rmtree, directory, True)
    with contextlib.suppress(store_errors.NotFoundError):
        await api.delete(PVS, namespace=None, name=volume["metadata"]["name"])


async def _follow_claims(api: httpapi.HttpApi, *, data_dir: pathlib.Path) -> None:
    watcher = api.watch(PVCS)
    try:
        async for event in watcher:
            if event.type in ("ADDED", "MODIFIED") and wants_volume(event.object):
                try:
                    await _provision(api, event.object, data_dir=data_dir)
                except store_errors.StoreError as exc:
                    logger.warning("Provisioning a volume failed: %s", exc)
    finally:
        watcher.close()


async def _follow_volumes(api: httpapi.HttpApi) -> None:
    watcher = api.watch(PVS)
    try:
        async for event in watcher:
            if event.type in ("ADDED", "MODIFIED") and is_released(event.object):
                try:
                    await _reclaim(api, event.object)
                except store_errors.StoreError as exc:
                    logger.warning("Reclaiming a volume failed: %s", exc)
    finally:
        watcher.close()


async def run(api: httpapi.HttpApi, *, data_dir: pathlib.Path) -> None:
    """Until cancelled."""
    await asyncio.gather(_follow_claims(api, data_dir=data_dir), _follow_volumes(api))
