"""DeleteDataUsingKopiaServer: delete a snapshot through the repository server (Kanister
0.119.0, reference kopia-and-restic.md 2.4).

A temporary pod `delete-data-*` (`image`, `bash -c "tail -f /dev/null"`, `podLabels`,
`podAnnotations`): `repository connect server`, then `snapshot delete <backupID>
--unsafe-ignore-source`. No outputs. Not idempotent: a second run fails on the missing
snapshot.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.adapters.kopia import snapshots
from kes.functions import args as args_decoding
from kes.functions import base, kopiaserver

NAME = "DeleteDataUsingKopiaServer"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()
JOB_PREFIX = "delete-data-"


class Args(args_decoding.ArgsModel):
    namespace: str
    image: str
    backup_id: str = pydantic.Field(alias="backupID")
    hostname: str = pydantic.Field(default="", alias=kopiaserver.HOSTNAME_ARG)
    pod_labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")
    pod_annotations: dict[str, str] | None = pydantic.Field(default=None, alias="podAnnotations")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> None:
    parsed = args_decoding.load(Args, args)
    server = kopiaserver.access(ctx, hostname=parsed.hostname)
    delete = snapshots.delete(server.client_args, snapshot_id=parsed.backup_id)
    with kopiaserver.temporary_pod(
        ctx, namespace=parsed.namespace, image=parsed.image, generate_name=JOB_PREFIX,
        labels=parsed.pod_labels, annotations=parsed.pod_annotations,
    ) as (namespace, pod, container):
        kopiaserver.run(ctx, namespace=namespace, pod=pod, container=container,
                        cmd=kopiaserver.connect_command(server),
                        failure="Failed to connect to Kopia Repository server")
        kopiaserver.run(ctx, namespace=namespace, pod=pod, container=container, cmd=delete,
                        failure="Failed to delete backup from Kopia API server")


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("backupID", "namespace", "image"),
    all_args=("backupID", "namespace", "image", kopiaserver.HOSTNAME_ARG, "podAnnotations",
              "podLabels"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category="data-mover",
    creates_pods=True,
)
