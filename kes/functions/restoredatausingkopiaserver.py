"""RestoreDataUsingKopiaServer: restore a snapshot through the repository server into volumes
(Kanister 0.119.0, reference kopia-and-restic.md 2.4).

A temporary pod `restore-data-*` (`image`, `bash -c "tail -f /dev/null"`) mounts `volumes`
(PVC → mount path), or the PVCs of `pod` in the target workload, but not both; `podOverride`,
`podLabels` and `podAnnotations` as for other pods. In it: `repository connect server`, then
`snapshot restore <backupIdentifier> <restorePath> --parallel=P --ignore-permission-errors`,
with `--write-sparse-files` when the ActionSet's options have `sparseRestore`. No outputs.
Idempotent: restoring the same snapshot again writes the same files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from kes.adapters.kopia import snapshots
from kes.functions import args as args_decoding
from kes.functions import base, kopiaserver

NAME = "RestoreDataUsingKopiaServer"
IDEMPOTENT = True
OUTPUTS: tuple[str, ...] = ()
JOB_PREFIX = "restore-data-"
SPARSE_RESTORE_OPTION = "sparseRestore"


class Args(args_decoding.ArgsModel):
    namespace: str
    image: str
    backup_identifier: str = pydantic.Field(alias="backupIdentifier")
    restore_path: str = pydantic.Field(alias="restorePath")
    pod: str = ""
    volumes: dict[str, str] | None = None
    pod_override: dict[str, Any] | None = pydantic.Field(default=None, alias="podOverride")
    hostname: str = pydantic.Field(default="", alias=kopiaserver.HOSTNAME_ARG)
    pod_labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")
    pod_annotations: dict[str, str] | None = pydantic.Field(default=None, alias="podAnnotations")


def pod_volumes(template_params: Mapping[str, Any], pod: str) -> dict[str, str]:
    """Kanister's `FetchPodVolumes`: the pod's PVC → mount path from the workload's params."""
    for kind in ("Deployment", "StatefulSet"):
        workload = template_params.get(kind)
        if isinstance(workload, Mapping):
            claims = (workload.get("PersistentVolumeClaims") or {}).get(pod)
            if claims is None:
                raise base.FunctionError(f"Failed to find volumes for the Pod: {pod}")
            return {str(k): str(v) for k, v in dict(claims).items()}
    raise base.FunctionError("Invalid Template Params")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> None:
    parsed = args_decoding.load(Args, args)
    if parsed.pod and parsed.volumes:
        raise base.FunctionError(
            "Exactly one of the pod or volumes arguments are required, but both are provided")
    server = kopiaserver.access(ctx, hostname=parsed.hostname)
    volumes = parsed.volumes or pod_volumes(ctx.template_params, parsed.pod)
    options = ctx.template_params.get("Options") or {}
    restore = snapshots.restore(snapshots.RestoreArgs(
        common=server.client_args, snapshot_id=parsed.backup_identifier,
        target_path=parsed.restore_path, ignore_permission_errors=True,
        sparse_restore=SPARSE_RESTORE_OPTION in options,
        parallelism=kopiaserver.env_int(kopiaserver.PARALLEL_DOWNLOAD_ENV, 8),
    ))
    with kopiaserver.temporary_pod(
        ctx, namespace=parsed.namespace, image=parsed.image, generate_name=JOB_PREFIX,
        volumes=volumes, pod_override=parsed.pod_override, labels=parsed.pod_labels,
        annotations=parsed.pod_annotations,
    ) as (namespace, pod, container):
        kopiaserver.run(ctx, namespace=namespace, pod=pod, container=container,
                        cmd=kopiaserver.connect_command(server),
                        failure="Failed to connect to Kopia Repository server")
        kopiaserver.run(ctx, namespace=namespace, pod=pod, container=container, cmd=restore,
                        failure="Failed to restore backup from Kopia API server")


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("backupIdentifier", "namespace", "restorePath", "image"),
    all_args=("backupIdentifier", "namespace", "restorePath", "pod", "volumes", "podOverride",
              "image", kopiaserver.HOSTNAME_ARG, "podAnnotations", "podLabels"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category="data-mover",
    creates_pods=True,
)
