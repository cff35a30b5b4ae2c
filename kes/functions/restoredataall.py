"""RestoreDataAll: RestoreData for every pod of a workload, from BackupDataAll's `BackupAllInfo`.

Kanister `pkg/function/restore_data_all.go` (reference kanister.md 1.2 #20): `backupInfo` is the
JSON BackupDataAll wrote; for each pod of `pods` (space separated; default the target
workload's pods, else `Unsupported workload type`) a pod `restore-data-all-<random>` mounts that
pod's PVCs and restores its snapshot `BackupID` from `<backupArtifactPrefix>/<pod>`, all pods in
parallel. Output: the merged outputs, an empty map.

Different from Kanister, on purpose (besides what RestoreData changes): the prefix is resolved
against the Profile's bucket as BackupDataAll resolves it (Kanister does not, so its pair only
works with a prefix that already starts with the bucket); a pod missing from `backupInfo` fails
with that said, instead of restoring an empty id. Not idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, perpod, repositories, toolpods

NAME = "RestoreDataAll"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()
JOB_PREFIX = "restore-data-all-"
REQUIRED = ("namespace", "image", "backupArtifactPrefix", "backupInfo")


class Args(arguments.PodArgs):
    namespace: str
    image: str
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    backup_info: str = pydantic.Field(alias="backupInfo")
    restore_path: str = pydantic.Field(default="/", alias="restorePath")
    pods: str = ""


def decode_info(text: str) -> dict[str, Mapping[str, Any]]:
    """`backupInfo`: pod → {PodName, BackupID, BackupTag} (`Could not decode JSON data`)."""
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise base.ArgumentError(f"Could not decode JSON data: {exc}") from None
    if not isinstance(info, dict) or not all(isinstance(v, dict) for v in info.values()):
        raise base.ArgumentError(
            "Could not decode JSON data: backupInfo must be BackupDataAll's BackupAllInfo, a "
            'JSON object {"<pod>": {"PodName": …, "BackupID": …, "BackupTag": …}}'
        )
    return info


def backup_id(info: Mapping[str, Mapping[str, Any]], pod: str) -> str:
    entry = info.get(pod)
    if not entry or not entry.get("BackupID"):
        raise base.FunctionError(
            f"backupInfo has no BackupID for pod {pod} (it lists: {', '.join(sorted(info))})"
        )
    return str(entry["BackupID"])


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    key = arguments.encryption_key(parsed, function=NAME)
    if parsed.pods:
        pods = parsed.pods.split()
    else:
        pods = arguments.workload_pods(ctx.template_params, error="Unsupported workload type")
    arguments.check_profile(ctx)
    info = decode_info(parsed.backup_info)
    base_prefix = arguments.resolved_prefix(ctx, parsed.backup_artifact_prefix)

    def one(pod: str) -> None:
        volumes = arguments.pod_volumes(ctx.template_params, pod)
        snapshot = backup_id(info, pod)
        repository = arguments.repository(ctx, f"{base_prefix}/{pod}", resolve=False)
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
                backup_id=snapshot,
                tag="",
                backup_path="",
                progress=False,
            )

    perpod.run(pods, one, failure="Failed to restore data")
    return {}


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        *REQUIRED, "restorePath", arguments.ENCRYPTION_KEY, "pods", "podOverride",
        arguments.INSECURE_TLS, "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
