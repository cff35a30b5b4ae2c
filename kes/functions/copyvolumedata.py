"""CopyVolumeData: back a PVC's content up into a restic repository, from a pod of its own.

Kanister `pkg/function/copy_volume_data.go` (reference kanister.md 1.2 #18): the PVC `volume`
must exist; a pod `copy-vol-data-<random>` (`image`, default kanister-tools) mounts it at
`mountPath` (default `/mnt/vol_data/<volume>`), opens or creates the repository
`<dataArtifactPrefix>` (resolved against the Profile's bucket) and backs the mount point up with a
random tag. Outputs: `backupID`, `backupRoot` (the mount point), `backupArtifactLocation` (the
resolved prefix), `backupTag`, `fileCount`, `size`, `phySize`, `version`.

Different from Kanister, on purpose, as BackupData (module backupdata). Not idempotent.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, repositories, toolpods

NAME = "CopyVolumeData"
IDEMPOTENT = False
OUTPUTS = (
    "backupID", "backupRoot", "backupArtifactLocation", "backupTag", "fileCount", "size",
    "phySize", arguments.OUTPUT_VERSION,
)  # fmt: skip
JOB_PREFIX = "copy-vol-data-"
MOUNT_POINT = "/mnt/vol_data/{}"
REQUIRED = ("namespace", "volume", "dataArtifactPrefix")


class Args(arguments.PodArgs):
    namespace: str
    volume: str
    data_artifact_prefix: str = pydantic.Field(alias="dataArtifactPrefix")
    mount_path: str = pydantic.Field(default="", alias="mountPath")
    image: str = ""


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    key = arguments.encryption_key(parsed, function=NAME)
    repository = arguments.repository(
        ctx, parsed.data_artifact_prefix, wrap="Failed to validate Profile"
    )
    location = arguments.resolved_prefix(ctx, parsed.data_artifact_prefix)
    toolpods.check_claims(ctx, namespace=parsed.namespace, claims={parsed.volume: ""})
    mount_point = parsed.mount_path or MOUNT_POINT.format(parsed.volume)
    with toolpods.restic_session(
        ctx,
        namespace=parsed.namespace,
        image=parsed.image or arguments.tools_image(),
        generate_name=JOB_PREFIX,
        parsed=parsed,
        volumes={parsed.volume: mount_point},
        repository=repository,
        password=key,
    ) as session:
        repositories.ensure(session)
        done = repositories.backup(session, include_path=mount_point)
    return {
        "backupID": done.result.snapshot_id,
        "backupRoot": mount_point,
        "backupArtifactLocation": location,
        "backupTag": done.tag,
        "fileCount": done.result.file_count,
        "size": done.result.size,
        "phySize": done.result.phy_size,
        arguments.OUTPUT_VERSION: arguments.DEFAULT_VERSION,
    }


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        "namespace", "image", "volume", "dataArtifactPrefix", arguments.ENCRYPTION_KEY,
        "mountPath", arguments.INSECURE_TLS, "podOverride", "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
