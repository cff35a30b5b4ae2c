"""Every function's RequiredArgs() and Arguments(), pinned to Kanister 0.119.0.

The table was read from kanisterio/kanister at tag 0.119.0 (pkg/function/*.go; the kopia-server
functions at the parent of commit f85f1e052, which removed them from master): each function's
`RequiredArgs()` in order (Kanister reports the first missing one) and its `Arguments()` as a set.
Whether kes runs a function (its own module) or only knows it (`catalog.py`), validation and the
phase checks must see exactly this table.
"""

from __future__ import annotations

import pytest

from kes.functions import base, registry

KANISTER_0_119 = [
    pytest.param(
        "BackupData",
        ("namespace", "pod", "container", "includePath", "backupArtifactPrefix"),
        (
            "namespace",
            "pod",
            "container",
            "includePath",
            "backupArtifactPrefix",
            "encryptionKey",
            "insecureTLS",
        ),
        id="BackupData",
    ),
    pytest.param(
        "BackupDataAll",
        ("namespace", "container", "includePath", "backupArtifactPrefix"),
        (
            "namespace",
            "container",
            "includePath",
            "backupArtifactPrefix",
            "pods",
            "encryptionKey",
            "insecureTLS",
        ),
        id="BackupDataAll",
    ),
    pytest.param(
        "BackupDataStats",
        ("namespace", "backupArtifactPrefix", "backupID"),
        (
            "namespace",
            "image",
            "backupArtifactPrefix",
            "backupID",
            "statsMode",
            "encryptionKey",
            "podOverride",
            "podAnnotations",
            "podLabels",
        ),
        id="BackupDataStats",
    ),
    pytest.param(
        "BackupDataUsingKopiaServer",
        ("container", "includePath", "namespace", "pod"),
        (
            "container",
            "includePath",
            "namespace",
            "pod",
            "snapshotTags",
            "repositoryServerUserHostname",
        ),
        id="BackupDataUsingKopiaServer",
    ),
    pytest.param(
        "CheckRepository",
        ("backupArtifactPrefix",),
        (
            "image",
            "backupArtifactPrefix",
            "encryptionKey",
            "insecureTLS",
            "podOverride",
            "podAnnotations",
            "podLabels",
        ),
        id="CheckRepository",
    ),
    pytest.param(
        "CopyVolumeData",
        ("namespace", "volume", "dataArtifactPrefix"),
        (
            "namespace",
            "image",
            "volume",
            "dataArtifactPrefix",
            "encryptionKey",
            "mountPath",
            "insecureTLS",
            "podOverride",
            "podAnnotations",
            "podLabels",
        ),
        id="CopyVolumeData",
    ),
    pytest.param(
        "CreateCSISnapshot",
        ("pvc", "namespace", "snapshotClass"),
        ("pvc", "namespace", "snapshotClass", "name", "labels"),
        id="CreateCSISnapshot",
    ),
    pytest.param(
        "CreateCSISnapshotStatic",
        ("name", "namespace", "driver", "snapshotHandle", "snapshotClass"),
        ("name", "namespace", "driver", "snapshotHandle", "snapshotClass"),
        id="CreateCSISnapshotStatic",
    ),
    pytest.param(
        "CreateRDSSnapshot",
        ("instanceID",),
        ("instanceID", "dbEngine", "credentialsSource", "credentialsSecret", "region"),
        id="CreateRDSSnapshot",
    ),
    pytest.param(
        "DeleteCSISnapshot",
        ("name", "namespace"),
        ("name", "namespace"),
        id="DeleteCSISnapshot",
    ),
    pytest.param(
        "DeleteCSISnapshotContent",
        ("name",),
        ("name",),
        id="DeleteCSISnapshotContent",
    ),
    pytest.param(
        "DeleteData",
        ("namespace", "backupArtifactPrefix"),
        (
            "namespace",
            "image",
            "backupArtifactPrefix",
            "backupID",
            "backupTag",
            "encryptionKey",
            "reclaimSpace",
            "insecureTLS",
            "podOverride",
            "podAnnotations",
            "podLabels",
        ),
        id="DeleteData",
    ),
    pytest.param(
        "DeleteDataAll",
        ("namespace", "backupArtifactPrefix", "backupInfo"),
        (
            "namespace",
            "image",
            "backupArtifactPrefix",
            "backupInfo",
            "encryptionKey",
            "reclaimSpace",
            "insecureTLS",
            "podOverride",
            "podAnnotations",
            "podLabels",
        ),
        id="DeleteDataAll",
    ),
    pytest.param(
        "DeleteDataUsingKopiaServer",
        ("backupID", "namespace", "image"),
        (
            "backupID",
            "namespace",
            "image",
            "repositoryServerUserHostname",
            "podAnnotations",
            "podLabels",
        ),
        id="DeleteDataUsingKopiaServer",
    ),
    pytest.param(
        "DeleteRDSSnapshot",
        ("snapshotID",),
        ("snapshotID", "dbEngine", "credentialsSource", "credentialsSecret", "region"),
        id="DeleteRDSSnapshot",
    ),
    pytest.param(
        "ExportRDSSnapshotToLocation",
        ("namespace", "instanceID", "snapshotID", "dbEngine"),
        (
            "namespace",
            "instanceID",
            "snapshotID",
            "dbEngine",
            "username",
            "password",
            "backupArtifactPrefix",
            "databases",
            "securityGroupID",
            "dbSubnetGroup",
            "podAnnotations",
            "podLabels",
            "credentialsSource",
            "credentialsSecret",
            "region",
        ),
        id="ExportRDSSnapshotToLocation",
    ),
    pytest.param(
        "KubeExec",
        ("namespace", "pod", "command"),
        ("namespace", "pod", "command", "container"),
        id="KubeExec",
    ),
    pytest.param(
        "KubeExecAll",
        ("namespace", "pods", "containers", "command"),
        ("namespace", "pods", "containers", "command"),
        id="KubeExecAll",
    ),
    pytest.param(
        "KubeOps",
        ("operation",),
        ("spec", "operation", "namespace", "objectReference"),
        id="KubeOps",
    ),
    pytest.param(
        "KubeTask",
        ("image", "command"),
        ("image", "command", "namespace", "podOverride", "podAnnotations", "podLabels"),
        id="KubeTask",
    ),
    pytest.param(
        "LocationDelete",
        ("artifact",),
        ("artifact",),
        id="LocationDelete",
    ),
    pytest.param(
        "MultiContainerRun",
        ("backgroundImage", "backgroundCommand", "outputImage", "outputCommand"),
        (
            "namespace",
            "initImage",
            "initCommand",
            "backgroundImage",
            "backgroundCommand",
            "outputImage",
            "outputCommand",
            "sharedVolumeMedium",
            "sharedVolumeSizeLimit",
            "sharedVolumeDir",
            "podOverride",
            "podLabels",
            "podAnnotations",
        ),
        id="MultiContainerRun",
    ),
    pytest.param(
        "PrepareData",
        ("namespace", "image", "command"),
        (
            "namespace",
            "image",
            "command",
            "volumes",
            "serviceaccount",
            "podOverride",
            "podAnnotations",
            "podLabels",
            "failOnError",
        ),
        id="PrepareData",
    ),
    pytest.param(
        "RestoreCSISnapshot",
        ("name", "pvc", "namespace", "storageClass", "restoreSize"),
        (
            "name",
            "pvc",
            "namespace",
            "storageClass",
            "restoreSize",
            "accessModes",
            "volumeMode",
            "labels",
        ),
        id="RestoreCSISnapshot",
    ),
    pytest.param(
        "RestoreData",
        ("namespace", "image", "backupArtifactPrefix"),
        (
            "namespace",
            "image",
            "backupArtifactPrefix",
            "restorePath",
            "encryptionKey",
            "pod",
            "volumes",
            "backupTag",
            "backupIdentifier",
            "backupPath",
            "podOverride",
            "insecureTLS",
            "podAnnotations",
            "podLabels",
        ),
        id="RestoreData",
    ),
    pytest.param(
        "RestoreDataAll",
        ("namespace", "image", "backupArtifactPrefix", "backupInfo"),
        (
            "namespace",
            "image",
            "backupArtifactPrefix",
            "backupInfo",
            "restorePath",
            "encryptionKey",
            "pods",
            "podOverride",
            "insecureTLS",
            "podAnnotations",
            "podLabels",
        ),
        id="RestoreDataAll",
    ),
    pytest.param(
        "RestoreDataUsingKopiaServer",
        ("backupIdentifier", "namespace", "restorePath", "image"),
        (
            "backupIdentifier",
            "namespace",
            "restorePath",
            "pod",
            "volumes",
            "podOverride",
            "image",
            "repositoryServerUserHostname",
            "podAnnotations",
            "podLabels",
        ),
        id="RestoreDataUsingKopiaServer",
    ),
    pytest.param(
        "RestoreRDSSnapshot",
        ("instanceID",),
        (
            "instanceID",
            "snapshotID",
            "dbEngine",
            "backupArtifactPrefix",
            "backupID",
            "username",
            "password",
            "namespace",
            "securityGroupID",
            "dbSubnetGroup",
            "podAnnotations",
            "podLabels",
            "credentialsSource",
            "credentialsSecret",
            "region",
        ),
        id="RestoreRDSSnapshot",
    ),
    pytest.param(
        "ScaleWorkload",
        ("replicas",),
        ("replicas", "namespace", "name", "kind", "waitForReady"),
        id="ScaleWorkload",
    ),
    pytest.param(
        "Wait",
        ("timeout", "conditions"),
        ("timeout", "conditions"),
        id="Wait",
    ),
    pytest.param(
        "WaitV2",
        ("timeout", "conditions"),
        ("timeout", "conditions"),
        id="WaitV2",
    ),
]

# Removed in Kanister 0.115 (commit 5fccd1c71, "pkg/blockstorage" and its functions).
REMOVED = ("CreateVolumeSnapshot", "CreateVolumeFromSnapshot", "DeleteVolumeSnapshot",
           "WaitForSnapshotCompletion")  # fmt: skip


@pytest.mark.parametrize(("name", "required", "arguments"), KANISTER_0_119)
def test_args_match_kanister(
    name: str, required: tuple[str, ...], arguments: tuple[str, ...]
) -> None:
    spec = registry.lookup(name)
    assert spec.required_args == required
    assert set(spec.all_args) == set(arguments)


def test_the_table_names_every_known_function() -> None:
    assert {spec.name for spec in registry.all_specs()} == {p.values[0] for p in KANISTER_0_119}


@pytest.mark.parametrize("name", REMOVED)
def test_functions_removed_in_0_115_are_not_registered(name: str) -> None:
    with pytest.raises(base.FunctionNotFoundError) as caught:
        registry.lookup(name)
    assert str(caught.value) == f"Requested function {{{name}}} has not been registered"
