"""RestoreData: restore a restic snapshot into volumes, from a pod of its own.

Kanister `pkg/function/restore_data.go` (reference kanister.md 1.2 #19, kopia-and-restic.md 3.3):
a pod `restore-data-<random>` from `image` mounts either the PVCs of `pod` (from the target
Deployment's or StatefulSet's TemplateParams, at their mount paths) or `volumes` (PVC → mount
path) - exactly one of the two - and runs `restic restore` of `backupIdentifier` or of the latest
snapshot tagged `backupTag` (exactly one of the two) into `restorePath` (default `/`: restic
restores the snapshot's absolute paths, so a backup of `/data` lands at `/data`). `backupPath`
restores a subfolder (`<id>:<path>`, restic ≥ 0.16). No outputs.

Different from Kanister, on purpose: `encryptionKey` is required; credentials reach restic through
its environment only; a missing snapshot, wrong key or unreachable repository fail with what to
fix. Not idempotent (Kanister's flag: a restore overwrites what the application wrote since).
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, repositories, toolpods

NAME = "RestoreData"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()
JOB_PREFIX = "restore-data-"
REQUIRED = ("namespace", "image", "backupArtifactPrefix")


class Args(arguments.PodArgs):
    namespace: str
    image: str
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    restore_path: str = pydantic.Field(default="/", alias="restorePath")
    pod: str = ""
    volumes: dict[str, str] | None = None
    backup_tag: str = pydantic.Field(default="", alias="backupTag")
    backup_identifier: str = pydantic.Field(default="", alias="backupIdentifier")
    backup_path: str = pydantic.Field(default="", alias="backupPath")


def check_choices(parsed: Args) -> None:
    """Kanister's two exclusive pairs, in its order."""
    if bool(parsed.pod) == bool(parsed.volumes):
        raise base.ArgumentError("Require one argument: pod or volumes")
    if bool(parsed.backup_tag) == bool(parsed.backup_identifier):
        raise base.ArgumentError("Require one argument: backupTag or backupIdentifier")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> None:
    parsed = args_decoding.load(Args, args)
    check_choices(parsed)
    key = arguments.encryption_key(parsed, function=NAME)
    repository = arguments.repository(ctx, parsed.backup_artifact_prefix)
    volumes = parsed.volumes or arguments.pod_volumes(ctx.template_params, parsed.pod)
    toolpods.check_claims(ctx, namespace=parsed.namespace, claims=volumes)
    with toolpods.restic_session(
        ctx,
        namespace=parsed.namespace,
        image=parsed.image,
        generate_name=JOB_PREFIX,
        parsed=parsed,
        volumes=volumes,
        repository=repository,
        password=key,
    ) as session:
        repositories.restore(
            session,
            target=parsed.restore_path,
            backup_id=parsed.backup_identifier,
            tag=parsed.backup_tag,
            backup_path=parsed.backup_path,
        )
    return None


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        *REQUIRED, "restorePath", arguments.ENCRYPTION_KEY, "pod", "volumes", "backupTag",
        "backupIdentifier", "backupPath", "podOverride", arguments.INSECURE_TLS,
        "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
