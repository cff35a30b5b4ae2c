"""BackupData: back a path of an application container up into a restic repository.

Kanister `pkg/function/backup_data.go` (reference kanister.md 1.2 #15, kopia-and-restic.md 3.2):
in `namespace`/`pod`/`container` (by exec, so restic must be in that container) the repository
`<Profile location>/<backupArtifactPrefix>` is opened or created, then `includePath` is backed up
with a random 10-character tag. Outputs: `backupID` (restic's short snapshot id), `backupTag`,
`fileCount`, `size`, `phySize` (data added to the repository) and `version` `v0.0.0`.

Different from Kanister, on purpose: `encryptionKey` is required (no public default key); the
credentials reach restic through its environment, never a command line; output is read from
`restic backup --json`, so `phySize` is filled (Kanister's regex misses restic ≥ 0.10's wording);
a wrong key, a missing bucket or an unreachable endpoint fail with what to fix instead of
running `restic init`. Not idempotent: each run makes a new snapshot.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, repositories, running

NAME = "BackupData"
IDEMPOTENT = False
OUTPUTS = ("backupID", "backupTag", "fileCount", "size", "phySize", arguments.OUTPUT_VERSION)
REQUIRED = ("namespace", "pod", "container", "includePath", "backupArtifactPrefix")


class Args(arguments.ResticArgs):
    namespace: str
    pod: str
    container: str
    include_path: str = pydantic.Field(alias="includePath")
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    key = arguments.encryption_key(parsed, function=NAME)
    repository = arguments.repository(
        ctx, parsed.backup_artifact_prefix, wrap="Failed to validate Profile"
    )
    session = repositories.Session(
        ctx=ctx,
        target=running.Target(parsed.namespace, parsed.pod, parsed.container),
        repository=repository,
        password=key,
        insecure_tls=arguments.insecure_tls(parsed, repository),
    )
    try:
        repositories.ensure(session)
        done = repositories.backup(session, include_path=parsed.include_path)
    except base.FunctionCancelledError:
        raise
    except base.FunctionError as exc:
        raise base.FunctionError(f"Failed to backup data: {exc}") from None
    return {
        "backupID": done.result.snapshot_id,
        "backupTag": done.tag,
        "fileCount": done.result.file_count,
        "size": done.result.size,
        "phySize": done.result.phy_size,
        arguments.OUTPUT_VERSION: arguments.DEFAULT_VERSION,
    }


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(*REQUIRED, arguments.ENCRYPTION_KEY, arguments.INSECURE_TLS),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    secret_args=arguments.SECRET_ARGS,
)
