"""BackupDataAll: BackupData in every pod of a Deployment or StatefulSet, in parallel.

Kanister `pkg/function/backup_data_all.go` (reference kanister.md 1.2 #16): `pods` (space
separated; default: the target workload's running pods, else `Failed to get pods`) each back
`includePath` of `container` up into their own repository `<backupArtifactPrefix>/<pod>`. The
output `BackupAllInfo` is the JSON object Go's `json.Marshal` prints for
`map[pod]{PodName, BackupID, BackupTag}` (keys sorted, no spaces), with `version`. Errors of all
pods are joined by newlines. kes differs as BackupData does (module backupdata). Not idempotent.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, perpod, repositories, running

NAME = "BackupDataAll"
IDEMPOTENT = False
OUTPUT = "BackupAllInfo"
OUTPUTS = (OUTPUT, arguments.OUTPUT_VERSION)
REQUIRED = ("namespace", "container", "includePath", "backupArtifactPrefix")


class Args(arguments.ResticArgs):
    namespace: str
    container: str
    include_path: str = pydantic.Field(alias="includePath")
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    pods: str = ""


def backup_info(ids: dict[str, repositories.Backup]) -> str:
    """Go's encoding of `map[string]BackupInfo`: sorted keys, struct fields in order."""
    info = {
        pod: {"PodName": pod, "BackupID": done.result.snapshot_id, "BackupTag": done.tag}
        for pod, done in sorted(ids.items())
    }
    return json.dumps(info, separators=(",", ":"))


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    key = arguments.encryption_key(parsed, function=NAME)
    arguments.check_profile(ctx, wrap="Failed to validate Profile")
    base_prefix = arguments.resolved_prefix(ctx, parsed.backup_artifact_prefix)
    if parsed.pods:
        pods = parsed.pods.split()
    else:
        pods = arguments.workload_pods(ctx.template_params, error="Failed to get pods")

    def one(pod: str) -> repositories.Backup:
        repository = arguments.repository(ctx, f"{base_prefix}/{pod}", resolve=False)
        session = repositories.Session(
            ctx=ctx,
            target=running.Target(parsed.namespace, pod, parsed.container),
            repository=repository,
            password=key,
            insecure_tls=arguments.insecure_tls(parsed, repository),
        )
        repositories.ensure(session)
        return repositories.backup(session, include_path=parsed.include_path, progress=False)

    done = perpod.run(pods, one, failure="Failed to backup data")
    return {OUTPUT: backup_info(done), arguments.OUTPUT_VERSION: arguments.DEFAULT_VERSION}


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(*REQUIRED, "pods", arguments.ENCRYPTION_KEY, arguments.INSECURE_TLS),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    secret_args=arguments.SECRET_ARGS,
)
