"""Kanister functions that kes knows by name but does not run yet (reference 1.2 and 1.3).

Each has its Kanister name, required and supported args and outputs, so Blueprint validation and
the controller's lookup treat them as Kanister does; `run` is None until a module implements one
(then its spec moves to that module and the registry lists the module instead).
Arg lists are Kanister 0.119.0's `RequiredArgs()` and `Arguments()` (the kopia-server functions
read at the parent of kanister commit f85f1e052, which removed them from master); the provider
volume-snapshot functions (CreateVolumeSnapshot & co.) were removed in 0.115 and are not listed,
so a Blueprint naming them fails as "not registered", as in Kanister.
tests/unit/functions/test_kanister_arg_tables.py pins every function's table.
"""

from __future__ import annotations

from kes.functions import base

_POD_ARGS = ("podOverride", "podLabels", "podAnnotations")
_RDS_CREDS = ("credentialsSource", "credentialsSecret", "region")
_RESTIC = ("encryptionKey", "insecureTLS")


def _spec(
    name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    *,
    outputs: tuple[str, ...] = (),
    category: str = "core",
    idempotent: bool = False,
    creates_pods: bool = False,
) -> base.FunctionSpec:
    return base.FunctionSpec(
        name=name,
        required_args=required,
        all_args=required + tuple(a for a in optional if a not in required),
        idempotent=idempotent,
        run=None,
        outputs=outputs,
        category=category,
        creates_pods=creates_pods,
    )


SPECS: tuple[base.FunctionSpec, ...] = (
    _spec("CreateCSISnapshot", ("pvc", "namespace", "snapshotClass"), ("name", "labels"),
          outputs=("name", "pvc", "namespace", "restoreSize", "snapshotContent"),
          category="cloud"),
    _spec("CreateCSISnapshotStatic",
          ("name", "namespace", "driver", "snapshotHandle", "snapshotClass"),
          outputs=("name", "namespace", "restoreSize", "snapshotContent"), category="cloud"),
    _spec("DeleteCSISnapshot", ("name", "namespace"), category="cloud"),
    _spec("DeleteCSISnapshotContent", ("name",), category="cloud"),
    _spec("RestoreCSISnapshot", ("name", "pvc", "namespace", "storageClass", "restoreSize"),
          ("accessModes", "volumeMode", "labels"), category="cloud"),
    _spec("BackupData", ("namespace", "pod", "container", "includePath", "backupArtifactPrefix"),
          _RESTIC,
          outputs=("backupID", "backupTag", "fileCount", "size", "phySize", "version"),
          category="data-mover"),
    _spec("BackupDataAll", ("namespace", "container", "includePath", "backupArtifactPrefix"),
          ("pods", *_RESTIC), outputs=("BackupAllInfo", "version"), category="data-mover"),
    _spec("BackupDataStats", ("namespace", "backupArtifactPrefix", "backupID"),
          ("image", "statsMode", "encryptionKey", *_POD_ARGS),
          outputs=("mode", "fileCount", "size", "version"), category="data-mover",
          creates_pods=True),
    _spec("CopyVolumeData", ("namespace", "volume", "dataArtifactPrefix"),
          ("image", "encryptionKey", "mountPath", "insecureTLS", *_POD_ARGS),
          outputs=("backupID", "backupRoot", "backupArtifactLocation", "backupTag", "fileCount",
                   "size", "phySize", "version"),
          category="data-mover", creates_pods=True),
    _spec("RestoreData", ("namespace", "image", "backupArtifactPrefix"),
          ("restorePath", "encryptionKey", "pod", "volumes", "backupTag", "backupIdentifier",
           "backupPath", "insecureTLS", *_POD_ARGS),
          category="data-mover", creates_pods=True),
    _spec("RestoreDataAll", ("namespace", "image", "backupArtifactPrefix", "backupInfo"),
          ("restorePath", "encryptionKey", "pods", "insecureTLS", *_POD_ARGS),
          category="data-mover", creates_pods=True),
    _spec("DeleteData", ("namespace", "backupArtifactPrefix"),
          ("backupID", "backupTag", "encryptionKey", "reclaimSpace", "image", "insecureTLS",
           *_POD_ARGS),
          outputs=("spaceFreed",), category="data-mover", creates_pods=True),
    _spec("DeleteDataAll", ("namespace", "backupArtifactPrefix", "backupInfo"),
          ("encryptionKey", "reclaimSpace", "image", "insecureTLS", *_POD_ARGS),
          outputs=("spaceFreed",), category="data-mover", creates_pods=True),
    _spec("CheckRepository", ("backupArtifactPrefix",),
          ("image", "encryptionKey", "insecureTLS", *_POD_ARGS),
          outputs=("passwordIncorrect", "repoUnavailable", "version"), category="data-mover",
          creates_pods=True),
    _spec("LocationDelete", ("artifact",), category="objstore"),
    _spec("CreateRDSSnapshot", ("instanceID",), ("dbEngine", *_RDS_CREDS),
          outputs=("snapshotID", "instanceID", "securityGroupID", "allocatedStorage",
                   "dbSubnetGroup"),
          category="cloud"),
    _spec("DeleteRDSSnapshot", ("snapshotID",), ("dbEngine", *_RDS_CREDS), category="cloud"),
    _spec("ExportRDSSnapshotToLocation", ("namespace", "instanceID", "snapshotID", "dbEngine"),
          ("username", "password", "backupArtifactPrefix", "databases", "securityGroupID",
           "dbSubnetGroup", "podLabels", "podAnnotations", *_RDS_CREDS),
          outputs=("backupID", "snapshotID", "instanceID", "securityGroupID"), category="cloud",
          creates_pods=True),
    _spec("RestoreRDSSnapshot", ("instanceID",),
          ("snapshotID", "backupArtifactPrefix", "backupID", "username", "password", "namespace",
           "dbEngine", "securityGroupID", "dbSubnetGroup", "podLabels", "podAnnotations",
           *_RDS_CREDS),
          outputs=("endpoint",), category="cloud", creates_pods=True),
)  # fmt: skip
