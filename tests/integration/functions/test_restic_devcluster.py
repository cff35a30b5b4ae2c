"""The restic functions on the devcluster with the real restic, on moto S3 and on a directory.

Data lives on a PVC of an application pod; BackupData backs it up by exec in that pod, the test
destroys it, RestoreData brings it back byte for byte from a pod of its own, and restic itself
(run directly by the test) confirms what the functions claim: the snapshot exists, carries the
tag, is gone after DeleteData.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from restic_harness import (
    filestore_profile,
    moto_profile,
    repository_of,
    seed_tree,
    snapshots,
    tree_digest,
    wipe,
)
from s3_harness import S3Server

from kes.adapters.k8s import objects, pods
from kes.functions import base, registry

pytestmark = pytest.mark.tools("restic")
Ctx = Callable[..., base.PhaseContext]
KEY = "correct horse battery staple"


def _run(name: str, ctx: base.PhaseContext, args: dict[str, Any]) -> Any:
    spec = registry.lookup(name)
    assert spec.run is not None
    return spec.run(ctx, args)


def _pvc(ctx: base.PhaseContext, namespace: str, name: str) -> None:
    objects.request(
        ctx.api,
        method="POST",
        url_path=f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
        body={
            "metadata": {"name": name},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )


def _pvc_dir(cluster: Any, ctx: base.PhaseContext, namespace: str, name: str) -> Path:
    claim = objects.get(
        ctx.api,
        group="",
        version="v1",
        resource="persistentvolumeclaims",
        namespace=namespace,
        name=name,
    )
    volume = claim.get("spec", {}).get("volumeName") or f"pvc-{claim['metadata']['uid']}"
    return Path(cluster.data_dir) / "volumes" / volume


def _app(ctx: base.PhaseContext, namespace: str, *, pvc: str, mount: str) -> str:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "command": ["sleep", "600"],
                    "volumeMounts": [{"name": "data", "mountPath": mount}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": pvc}}],
        },
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    return "app"


@pytest.fixture
def app_data(cluster: Any, make_ctx: Ctx, namespace: str) -> Path:
    """An app pod `app` with a PVC `data` at /data, seeded with a mixed tree; its host dir."""
    ctx = make_ctx()
    _pvc(ctx, namespace, "data")
    _app(ctx, namespace, pvc="data", mount="/data")
    directory = _pvc_dir(cluster, ctx, namespace, "data")
    seed_tree(directory)
    return directory


@pytest.fixture(params=["s3", "filestore"])
def profile(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "s3":
        server: S3Server = request.getfixturevalue("moto_s3")
        return moto_profile(server, server.bucket())
    return filestore_profile(tmp_path / "repositories")


def _ctx(make_ctx: Ctx, profile: dict[str, Any], **params: Any) -> base.PhaseContext:
    return make_ctx(template_params={"Profile": profile, **params})


def _no_tool_pods(ctx: base.PhaseContext, namespace: str) -> bool:
    return not objects.list_objects(
        ctx.api,
        group="",
        version="v1",
        resource="pods",
        namespace=namespace,
        label_selector="createdBy=kanister",
    )


def test_backup_destroy_restore_delete(
    make_ctx: Ctx,
    namespace: str,
    app_data: Path,
    profile: dict[str, Any],
    recorder: Any,
    wait_until: Callable[..., Any],
) -> None:
    ctx = _ctx(make_ctx, profile)
    before = tree_digest(app_data)
    prefix = f"kes/{uuid.uuid4().hex[:8]}"
    out = _run(
        "BackupData",
        ctx,
        {
            "namespace": namespace,
            "pod": "app",
            "container": "app",
            "includePath": "/data",
            "backupArtifactPrefix": prefix,
            "encryptionKey": KEY,
        },
    )
    assert re.fullmatch(r"[0-9a-f]{8}", out["backupID"])
    assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{10}", out["backupTag"])
    regular = sum(1 for v in before.values() if v != "dir" and not v.startswith("->"))
    assert out["fileCount"] == str(regular)  # restic counts regular files
    assert out["size"].endswith("iB") and out["phySize"].endswith("iB")
    assert out["version"] == "v0.0.0"
    assert recorder.progress[0] == 0 and recorder.progress[-1] == 100
    repository = repository_of(profile, prefix)
    listed = snapshots(repository, KEY)
    assert [(s["short_id"], s["tags"], s["paths"]) for s in listed] == [
        (out["backupID"], [out["backupTag"]], ["/data"])
    ]

    wipe(app_data)
    assert tree_digest(app_data) == {}
    restored = _run(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": prefix,
            "volumes": {"data": "/data"},
            "backupIdentifier": out["backupID"],
            "encryptionKey": KEY,
        },
    )
    assert restored is None  # Kanister: no output markers in restic's stdout
    assert tree_digest(app_data) == before

    wipe(app_data)
    by_tag = {"backupTag": out["backupTag"], "restorePath": "/"}
    _run(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": prefix,
            "volumes": {"data": "/data"},
            "encryptionKey": KEY,
            **by_tag,
        },
    )
    assert tree_digest(app_data) == before

    stats = _run(
        "BackupDataStats",
        ctx,
        {
            "namespace": namespace,
            "backupArtifactPrefix": prefix,
            "backupID": out["backupID"],
            "encryptionKey": KEY,
            "image": "busybox",
        },
    )
    assert stats["mode"] == "restore-size" and stats["version"] == "v0.0.0"
    assert int(stats["fileCount"]) >= int(out["fileCount"])

    check = _run(
        "CheckRepository",
        ctx,
        {
            "backupArtifactPrefix": prefix,
            "encryptionKey": KEY,
            "image": "busybox",
        },
    )
    assert check == {"passwordIncorrect": "false", "repoUnavailable": "false", "version": "v0.0.0"}

    deleted = _run(
        "DeleteData",
        ctx,
        {
            "namespace": namespace,
            "backupArtifactPrefix": prefix,
            "backupTag": out["backupTag"],
            "encryptionKey": KEY,
            "reclaimSpace": True,
            "image": "busybox",
        },
    )
    assert snapshots(repository, KEY) == []
    freed = int(deleted["spaceFreed"].removesuffix(" B"))
    assert freed > 100_000  # restic ≥ 0.12's `total prune` line is read (Kanister: always 0 B)
    wait_until(lambda: _no_tool_pods(ctx, namespace), what="the tool pods to be deleted")


def test_restore_data_mounts_the_pvcs_of_the_pod_from_the_template_params(
    make_ctx: Ctx, namespace: str, app_data: Path, tmp_path: Path
) -> None:
    profile = filestore_profile(tmp_path / "repos")
    workload = {
        "Name": "app",
        "Namespace": namespace,
        "Pods": ["app"],
        "PersistentVolumeClaims": {"app": {"data": "/data"}},
    }
    ctx = _ctx(make_ctx, profile, StatefulSet=workload)
    before = tree_digest(app_data)
    out = _run(
        "BackupData",
        ctx,
        {
            "namespace": namespace,
            "pod": "app",
            "container": "app",
            "includePath": "/data",
            "backupArtifactPrefix": "sts",
            "encryptionKey": KEY,
        },
    )
    wipe(app_data)
    _run(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": "sts",
            "pod": "app",
            "backupIdentifier": out["backupID"],
            "encryptionKey": KEY,
        },
    )
    assert tree_digest(app_data) == before


def test_copy_volume_data_backs_up_a_pvc_from_its_own_pod(
    cluster: Any, make_ctx: Ctx, namespace: str, moto_s3: S3Server, tmp_path: Path
) -> None:
    profile = moto_profile(moto_s3, moto_s3.bucket())
    ctx = _ctx(make_ctx, profile)
    _pvc(ctx, namespace, "vol")
    _app(ctx, namespace, pvc="vol", mount="/srv")  # binds the claim to its directory
    directory = _pvc_dir(cluster, ctx, namespace, "vol")
    seed_tree(directory, seed=11)
    out = _run(
        "CopyVolumeData",
        ctx,
        {
            "namespace": namespace,
            "volume": "vol",
            "dataArtifactPrefix": "copies",
            "encryptionKey": KEY,
            "image": "busybox",
        },
    )
    bucket = profile["Location"]["Bucket"]
    assert out["backupRoot"] == "/mnt/vol_data/vol"
    assert out["backupArtifactLocation"] == f"{bucket}/copies"
    assert re.fullmatch(r"[0-9a-f]{8}", out["backupID"]) and out["phySize"]
    repository = repository_of(profile, "copies")
    [snapshot] = snapshots(repository, KEY)
    assert snapshot["paths"] == ["/mnt/vol_data/vol"] and snapshot["tags"] == [out["backupTag"]]
    from restic_harness import direct_restic

    target = tmp_path / "restored"
    direct_restic(repository, KEY, "restore", out["backupID"], "--target", str(target))
    assert tree_digest(target / "mnt" / "vol_data" / "vol") == tree_digest(directory)
