"""Bad input to the restic functions, with the real restic on the devcluster: each fails the phase
with a message saying what to fix, reports no snapshot, and leaves the repository as it was."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from restic_harness import moto_profile, repository_of, s3_profile, seed_tree, snapshots
from s3_harness import S3Server

from kes.adapters.k8s import objects, pods
from kes.functions import base, registry

pytestmark = pytest.mark.tools("restic")
Ctx = Callable[..., base.PhaseContext]
KEY = "the right key"
WRONG = "not-the-key-5e1"


def _run(name: str, ctx: base.PhaseContext, args: dict[str, Any]) -> Any:
    spec = registry.lookup(name)
    assert spec.run is not None
    return spec.run(ctx, args)


def _fails(name: str, ctx: base.PhaseContext, args: dict[str, Any]) -> str:
    with pytest.raises(base.FunctionError) as caught:
        _run(name, ctx, args)
    return str(caught.value)


@pytest.fixture
def app(cluster: Any, make_ctx: Ctx, namespace: str) -> str:
    """Pod `app` with a PVC at /data holding a few files (restic runs in it by exec)."""
    ctx = make_ctx()
    objects.request(
        ctx.api,
        method="POST",
        url_path=f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
        body={
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    )
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
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        },
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    claim = objects.get(
        ctx.api,
        group="",
        version="v1",
        resource="persistentvolumeclaims",
        namespace=namespace,
        name="data",
    )
    volume = claim["spec"].get("volumeName") or f"pvc-{claim['metadata']['uid']}"
    seed_tree(Path(cluster.data_dir) / "volumes" / volume, small_files=5)
    return "app"


def _backup_args(namespace: str, prefix: str, **extra: Any) -> dict[str, Any]:
    return {
        "namespace": namespace,
        "pod": "app",
        "container": "app",
        "includePath": "/data",
        "backupArtifactPrefix": prefix,
        **extra,
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_missing_encryption_key_says_what_to_set(
    make_ctx: Ctx, namespace: str, app: str, moto_s3: S3Server
) -> None:
    ctx = make_ctx(template_params={"Profile": moto_profile(moto_s3, moto_s3.bucket())})
    for args in (_backup_args(namespace, "p"), _backup_args(namespace, "p", encryptionKey="")):
        message = _fails("BackupData", ctx, args)
        assert message.startswith("BackupData needs the argument encryptionKey")
        assert "{{ .Secrets.<name>.Data.<key> | toString }}" in message
    message = _fails(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": "p",
            "volumes": {"data": "/data"},
            "backupIdentifier": "abcd1234",
        },
    )
    assert message.startswith("RestoreData needs the argument encryptionKey")


def test_wrong_encryption_key(make_ctx: Ctx, namespace: str, app: str, moto_s3: S3Server) -> None:
    profile = moto_profile(moto_s3, moto_s3.bucket())
    ctx = make_ctx(template_params={"Profile": profile})
    first = _run("BackupData", ctx, _backup_args(namespace, "wk", encryptionKey=KEY))
    message = _fails("BackupData", ctx, _backup_args(namespace, "wk", encryptionKey=WRONG))
    assert message.startswith(
        "Failed to backup data: Wrong encryption key for the restic "
        f"repository s3:{moto_s3.endpoint}/{profile['Location']['Bucket']}/wk"
    )
    assert "wrong password or no key found" in message
    assert "Set encryptionKey to the key the repository was created with" in message
    assert WRONG not in message
    repository = repository_of(profile, "wk")
    assert [s["short_id"] for s in snapshots(repository, KEY)] == [first["backupID"]]
    check = _run(
        "CheckRepository",
        ctx,
        {"backupArtifactPrefix": "wk", "encryptionKey": WRONG, "image": "busybox"},
    )
    assert check["passwordIncorrect"] == "true" and check["repoUnavailable"] == "false"
    message = _fails(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": "wk",
            "volumes": {"data": "/data"},
            "backupIdentifier": first["backupID"],
            "encryptionKey": WRONG,
        },
    )
    assert message.startswith("Failed to restore backup: Wrong encryption key")


def test_missing_repository(make_ctx: Ctx, namespace: str, app: str, moto_s3: S3Server) -> None:
    profile = moto_profile(moto_s3, moto_s3.bucket())
    ctx = make_ctx(template_params={"Profile": profile})
    prefix = f"never-{uuid.uuid4().hex[:6]}"
    message = _fails(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": prefix,
            "volumes": {"data": "/data"},
            "backupIdentifier": "abcd1234",
            "encryptionKey": KEY,
        },
    )
    assert "No restic repository at s3:" in message and f"/{prefix}" in message
    assert "Check backupArtifactPrefix" in message
    message = _fails(
        "DeleteData",
        ctx,
        {
            "namespace": namespace,
            "backupArtifactPrefix": prefix,
            "backupID": "abcd1234",
            "encryptionKey": KEY,
            "image": "busybox",
        },
    )
    assert "No restic repository at" in message
    check = _run(
        "CheckRepository",
        ctx,
        {"backupArtifactPrefix": prefix, "encryptionKey": KEY, "image": "busybox"},
    )
    assert check["repoUnavailable"] == "true" and check["passwordIncorrect"] == "false"


def test_bucket_missing_is_not_created(
    make_ctx: Ctx, namespace: str, app: str, moto_s3: S3Server
) -> None:
    bucket = f"kes-missing-{uuid.uuid4().hex[:8]}"
    ctx = make_ctx(template_params={"Profile": moto_profile(moto_s3, bucket)})
    message = _fails("BackupData", ctx, _backup_args(namespace, "p", encryptionKey=KEY))
    assert message.startswith(
        f"Failed to backup data: The bucket of the restic repository s3:{moto_s3.endpoint}/"
        f"{bucket}/p does not exist"
    )
    assert "Create the bucket, or correct location.bucket in the Profile" in message
    names = [b["Name"] for b in moto_s3.client().list_buckets()["Buckets"]]
    assert bucket not in names  # restic init would have created it


def test_endpoint_unreachable(make_ctx: Ctx, namespace: str, app: str) -> None:
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    ctx = make_ctx(template_params={"Profile": s3_profile(endpoint, "bucket")})
    message = _fails("BackupData", ctx, _backup_args(namespace, "p", encryptionKey=KEY))
    assert message.startswith(
        f"Failed to backup data: Cannot reach the object store of the restic repository "
        f"s3:{endpoint}/bucket/p"
    )
    assert "connection refused" in message and "location.endpoint" in message
    check = _run(
        "CheckRepository",
        ctx,
        {"backupArtifactPrefix": "p", "encryptionKey": KEY, "image": "busybox"},
    )
    assert check["repoUnavailable"] == "true"


def test_profile_secret_lacking_a_key(make_ctx: Ctx, namespace: str, app: str) -> None:
    profile = s3_profile("http://127.0.0.1:1", "bucket")
    profile["Credential"] = {
        "Type": "secret",
        "KeyPair": None,
        "KopiaServerSecret": None,
        "Secret": {
            "Name": "s3-creds",
            "Namespace": namespace,
            "Type": "secrets.kanister.io/aws",
            "Data": {"aws_access_key_id": b"AKIA"},
        },
    }
    ctx = make_ctx(template_params={"Profile": profile})
    message = _fails("BackupData", ctx, _backup_args(namespace, "p", encryptionKey=KEY))
    assert message == (
        "Failed to validate Profile: Missing required field aws_secret_access_key in the secret "
        f"'{namespace}:s3-creds': add the key aws_secret_access_key to the Secret"
    )
    no_profile = make_ctx(template_params={})
    message = _fails("BackupData", no_profile, _backup_args(namespace, "p", encryptionKey=KEY))
    assert message.startswith("Failed to validate Profile: Profile must be non-nil: name a Profile")


def test_snapshot_not_found(make_ctx: Ctx, namespace: str, app: str, moto_s3: S3Server) -> None:
    profile = moto_profile(moto_s3, moto_s3.bucket())
    ctx = make_ctx(template_params={"Profile": profile})
    first = _run("BackupData", ctx, _backup_args(namespace, "nf", encryptionKey=KEY))
    message = _fails(
        "RestoreData",
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "backupArtifactPrefix": "nf",
            "volumes": {"data": "/data"},
            "backupIdentifier": "deadbeef",
            "encryptionKey": KEY,
        },
    )
    assert message.startswith("Failed to restore backup: Snapshot not found in the restic")
    assert 'no matching ID found for prefix "deadbeef"' in message
    message = _fails(
        "DeleteData",
        ctx,
        {
            "namespace": namespace,
            "backupArtifactPrefix": "nf",
            "backupID": "deadbeef",
            "encryptionKey": KEY,
            "image": "busybox",
        },
    )
    assert message.startswith("Failed to forget data: Snapshot not found")
    message = _fails(
        "DeleteData",
        ctx,
        {
            "namespace": namespace,
            "backupArtifactPrefix": "nf",
            "backupTag": "nosuchtag",
            "encryptionKey": KEY,
            "image": "busybox",
        },
    )
    assert message.endswith("could not get snapshotID from tag nosuchtag: Snapshot not found")
    repository = repository_of(profile, "nf")
    assert [s["short_id"] for s in snapshots(repository, KEY)] == [first["backupID"]]


def test_restic_missing_from_the_container(
    make_ctx: Ctx, namespace: str, moto_s3: S3Server, tmp_path: Path
) -> None:
    ctx = make_ctx(template_params={"Profile": moto_profile(moto_s3, moto_s3.bucket())})
    bare = tmp_path / "bin"  # a PATH with a shell and sleep, and no restic
    bare.mkdir()
    for program in ("sh", "sleep"):
        found = shutil.which(program)
        assert found is not None
        (bare / program).symlink_to(found)
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bare", "namespace": namespace},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "command": ["sleep", "600"],
                    "env": [{"name": "PATH", "value": str(bare)}],
                }
            ]
        },
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="bare", cancel=None, timeout=60)
    args = _backup_args(namespace, "p", encryptionKey=KEY)
    message = _fails("BackupData", ctx, {**args, "pod": "bare"})
    assert f"restic is not installed in container 'app' of pod {namespace}/bare" in message
    assert "needs it on its PATH" in message


def test_a_key_that_is_a_word_of_restics_message_is_still_classified(
    make_ctx: Ctx, namespace: str, app: str, moto_s3: S3Server
) -> None:
    # Masking the key out of restic's words must not hide what they say: restic's message is
    # "wrong password or no key found", the key here is "wrong".
    ctx = make_ctx(template_params={"Profile": moto_profile(moto_s3, moto_s3.bucket())})
    _run("BackupData", ctx, _backup_args(namespace, "word", encryptionKey=KEY))
    message = _fails("BackupData", ctx, _backup_args(namespace, "word", encryptionKey="wrong"))
    assert message.startswith("Failed to backup data: Wrong encryption key")
    assert "(restic: Fatal: *** password or no key found)" in message
