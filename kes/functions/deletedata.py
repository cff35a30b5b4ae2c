"""DeleteData: forget restic snapshots (and optionally prune), from a pod of its own.

Kanister `pkg/function/delete_data.go` (reference kanister.md 1.2 #21, kopia-and-restic.md 3.4):
in a pod `delete-data-<random>` (`image`, default kanister-tools), each snapshot named by
`backupID` or by `backupTag` (exactly one of the two; each a whitespace-separated list, the n-th
entry in the repository of the n-th `backupArtifactPrefix`) is forgotten; a tag is first turned
into the short id of its snapshot (`Snapshot not found` when none). With `reclaimSpace` the
repository is pruned after each forget. Output `spaceFreed`: the bytes prune freed, `"<n> B"`.

Different from Kanister, on purpose: `encryptionKey` is required; credentials reach restic through
its environment only; `spaceFreed` reads restic ≥ 0.12's `total prune` line (Kanister's regex
only knows the older wording, so it always reports `0 B`); an id that is not in the repository
fails (`restic forget` only warns, and Kanister reports success); every prefix of the list is
resolved against the Profile's bucket (Kanister resolves the list as one string); lists of
different lengths fail with that said. Not idempotent.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, deleting

NAME = "DeleteData"
IDEMPOTENT = False
OUTPUTS = (deleting.OUTPUT,)
JOB_PREFIX = "delete-data-"
REQUIRED = ("namespace", "backupArtifactPrefix")


class Args(arguments.PodArgs):
    namespace: str
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    backup_id: str = pydantic.Field(default="", alias="backupID")
    backup_tag: str = pydantic.Field(default="", alias="backupTag")
    reclaim_space: bool = pydantic.Field(default=False, alias="reclaimSpace")
    image: str = ""


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    prefixes = [
        arguments.resolved_prefix(ctx, prefix) for prefix in parsed.backup_artifact_prefix.split()
    ]
    return deleting.delete(
        ctx,
        parsed,
        namespace=parsed.namespace,
        image=parsed.image,
        prefixes=prefixes,
        ids=parsed.backup_id.split(),
        tags=parsed.backup_tag.split(),
        reclaim_space=parsed.reclaim_space,
        generate_name=JOB_PREFIX,
        function=NAME,
    )


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        "namespace", "image", "backupArtifactPrefix", "backupID", "backupTag",
        arguments.ENCRYPTION_KEY, "reclaimSpace", arguments.INSECURE_TLS, "podOverride",
        "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
