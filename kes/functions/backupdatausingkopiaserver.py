"""BackupDataUsingKopiaServer: back up a path of a running container through the repository
server (Kanister 0.119.0, reference kopia-and-restic.md 2.4).

Exec into `namespace`/`pod`/`container`: `repository connect server` as
`<RepositoryServer.Username>@<hostname>`, then `snapshot create <includePath> --json` with
`snapshotTags` (comma-separated `k:v`) as `--tags`. Outputs `backupID` (the snapshot id),
`size` (hashed + cached bytes) and `phySize` (uploaded bytes), both in go-humanize's SI form.
kes adds `--progress` so upstream kopia prints the figures (Kanister's fork always did).
Not idempotent: a re-run makes another snapshot.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.adapters.kopia import errors as kopia_errors
from kes.adapters.kopia import parsing, snapshots
from kes.functions import args as args_decoding
from kes.functions import base, kopiaserver

NAME = "BackupDataUsingKopiaServer"
IDEMPOTENT = False
OUTPUTS = ("backupID", "size", "phySize")
_WRAP = "Failed to backup data using Kopia Repository Server"


class Args(args_decoding.ArgsModel):
    namespace: str
    pod: str
    container: str
    include_path: str = pydantic.Field(alias="includePath")
    snapshot_tags: str = pydantic.Field(default="", alias="snapshotTags")
    hostname: str = pydantic.Field(default="", alias=kopiaserver.HOSTNAME_ARG)


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    server = kopiaserver.access(ctx, hostname=parsed.hostname)
    where = {"namespace": parsed.namespace, "pod": parsed.pod, "container": parsed.container}
    kopiaserver.run(ctx, **where, cmd=kopiaserver.connect_command(server),
                    failure=f"{_WRAP}: Failed to connect to Kopia Repository Server")
    create = snapshots.create(snapshots.CreateArgs(
        common=server.client_args, path_to_backup=parsed.include_path,
        parallelism=kopiaserver.env_int(kopiaserver.PARALLEL_UPLOAD_ENV, 8),
        tags=parsed.snapshot_tags.split(",") if parsed.snapshot_tags else (),
        enable_progress=True,
    ))
    try:
        result = kopiaserver.run(ctx, **where, cmd=create,
                                 failure=f"{_WRAP}: Failed to create and upload backup")
    except base.FunctionError as exc:
        if kopia_errors.classify("", str(exc)) is kopia_errors.ErrorClass.OUT_OF_MEMORY:
            message = str(exc).replace(
                "Failed to create and upload backup",
                f"Failed to create and upload backup: "
                f"{kopia_errors.PHRASES[kopia_errors.ErrorClass.OUT_OF_MEMORY]}", 1)
            raise base.FunctionError(message) from None
        raise
    try:
        created = parsing.snapshot_created(result.stdout.decode(errors="replace"),
                                           result.stderr.decode(errors="replace"))
    except parsing.ParseError as exc:
        raise base.FunctionError(f"{_WRAP}: {exc}") from None
    stats = created.stats
    logical = stats.size_hashed + stats.size_cached if stats else 0
    physical = stats.size_uploaded if stats else 0
    return {"backupID": created.snapshot_id, "size": parsing.format_bytes(logical),
            "phySize": parsing.format_bytes(physical)}


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("container", "includePath", "namespace", "pod"),
    all_args=("container", "includePath", "namespace", "pod", "snapshotTags",
              kopiaserver.HOSTNAME_ARG),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category="data-mover",
)
