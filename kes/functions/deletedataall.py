"""DeleteDataAll: forget the snapshots BackupDataAll made, one per pod, from a pod of its own.

Kanister `pkg/function/delete_data_all.go` (reference kanister.md 1.2 #22): `backupInfo` is
BackupDataAll's `BackupAllInfo`; for each pod in it, its `BackupID` is forgotten in the repository
`<backupArtifactPrefix>/<pod>` (then pruned with `reclaimSpace`), all from one pod
`delete-data-all-<random>`. Output `spaceFreed` (`"<n> B"`).

Different from Kanister, on purpose, as DeleteData; and the prefix is resolved against the
Profile's bucket as BackupDataAll resolves it (Kanister does not); pods are handled in sorted
order (Kanister's map order is random). Not idempotent.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, deleting

NAME = "DeleteDataAll"
IDEMPOTENT = False
OUTPUTS = (deleting.OUTPUT,)
JOB_PREFIX = "delete-data-all-"
REQUIRED = ("namespace", "backupArtifactPrefix", "backupInfo")


class Args(arguments.PodArgs):
    namespace: str
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    backup_info: str = pydantic.Field(alias="backupInfo")
    reclaim_space: bool = pydantic.Field(default=False, alias="reclaimSpace")
    image: str = ""


def snapshots(text: str) -> dict[str, str]:
    """pod → BackupID from `backupInfo` (`Could not decode JSON data`)."""
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise base.ArgumentError(f"Could not decode JSON data: {exc}") from None
    if not isinstance(info, dict) or not all(isinstance(v, dict) for v in info.values()):
        raise base.ArgumentError(
            "Could not decode JSON data: backupInfo must be BackupDataAll's BackupAllInfo, a "
            'JSON object {"<pod>": {"PodName": …, "BackupID": …, "BackupTag": …}}'
        )
    return {str(pod): str(entry.get("BackupID") or "") for pod, entry in sorted(info.items())}


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    arguments.encryption_key(parsed, function=NAME)
    arguments.check_profile(ctx)
    by_pod = snapshots(parsed.backup_info)
    missing = sorted(pod for pod, snapshot in by_pod.items() if not snapshot)
    if missing:
        raise base.ArgumentError(f"backupInfo has no BackupID for pod(s) {', '.join(missing)}")
    base_prefix = arguments.resolved_prefix(ctx, parsed.backup_artifact_prefix)
    return deleting.delete(
        ctx,
        parsed,
        namespace=parsed.namespace,
        image=parsed.image,
        prefixes=[f"{base_prefix}/{pod}" for pod in by_pod],
        ids=list(by_pod.values()),
        tags=[],
        reclaim_space=parsed.reclaim_space,
        generate_name=JOB_PREFIX,
        function=NAME,
    )


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        "namespace", "image", "backupArtifactPrefix", "backupInfo", arguments.ENCRYPTION_KEY,
        "reclaimSpace", arguments.INSECURE_TLS, "podOverride", "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
