"""BackupDataStats: restic's statistics of one snapshot, from a pod of its own.

Kanister `pkg/function/backup_data_stats.go` (reference kanister.md 1.2 #17): in a pod
`backup-data-stats-<random>` (`image`, default kanister-tools), `restic stats <backupID> --mode
<statsMode>` (default `restore-size`; also `files-by-contents`, `blobs-per-file`, `raw-data`) on
the repository `<backupArtifactPrefix>`. Outputs: `mode`, `fileCount` (the blob count in
`raw-data` mode), `size` (restic's formatting, `12.000 KiB`), `version`.

Different from Kanister, on purpose: `encryptionKey` is required; credentials reach restic through
its environment only; the figures are read from `stats --json`; the Profile's `skipSSLVerify`
adds `--insecure-tls` (Kanister's stats command never has it). Idempotent: it only reads.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, repositories, toolpods

NAME = "BackupDataStats"
IDEMPOTENT = True
OUTPUTS = ("mode", "fileCount", "size", arguments.OUTPUT_VERSION)
JOB_PREFIX = "backup-data-stats-"
DEFAULT_MODE = "restore-size"
REQUIRED = ("namespace", "backupArtifactPrefix", "backupID")


class Args(arguments.PodArgs):
    namespace: str
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    backup_id: str = pydantic.Field(alias="backupID")
    stats_mode: str = pydantic.Field(default=DEFAULT_MODE, alias="statsMode")
    image: str = ""


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    key = arguments.encryption_key(parsed, function=NAME)
    repository = arguments.repository(
        ctx, parsed.backup_artifact_prefix, wrap="Failed to validate Profile"
    )
    with toolpods.restic_session(
        ctx,
        namespace=parsed.namespace,
        image=parsed.image or arguments.tools_image(),
        generate_name=JOB_PREFIX,
        parsed=parsed,
        repository=repository,
        password=key,
    ) as session:
        result = repositories.stats(
            session, snapshot_id=parsed.backup_id, mode=parsed.stats_mode or DEFAULT_MODE
        )
    return {
        "mode": result.mode,
        "fileCount": result.file_count,
        "size": result.size,
        arguments.OUTPUT_VERSION: arguments.DEFAULT_VERSION,
    }


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        "namespace", "image", "backupArtifactPrefix", "backupID", "statsMode",
        arguments.ENCRYPTION_KEY, "podOverride", "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
