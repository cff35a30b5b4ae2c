"""restic operations as the functions use them: get-or-create, backup, restore, forget, stats.

Kanister's `GetOrCreateRepository` runs `restic init` whenever its probe fails, for any reason;
kes initialises only when restic says there is no repository. A wrong key, a missing bucket, an
unreachable endpoint or rejected credentials fail the phase with what to fix, and no init runs
(restic's own init would create a missing bucket, turning a typo into a new bucket).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from kes.adapters.restic import classifying, commands, locations, parsing
from kes.functions import base
from kes.functions.datamover import running

# Kanister's `rand.String(10)` alphabet (k8s.io/apimachinery/pkg/util/rand).
TAG_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
TAG_LENGTH = 10


def new_tag() -> str:
    return "".join(secrets.choice(TAG_ALPHABET) for _ in range(TAG_LENGTH))


@dataclass(frozen=True)
class Session:
    """One repository opened with one key from one container."""

    ctx: base.PhaseContext
    target: running.Target
    repository: locations.Repository
    password: str
    insecure_tls: bool

    def run(self, args: list[str], *, progress: bool = False) -> running.Output:
        return running.run(
            self.ctx,
            target=self.target,
            repository=self.repository,
            password=self.password,
            args=args,
            progress=progress,
        )


def probe(session: Session) -> None:
    """Open the repository (`ResticError` says why it cannot be opened)."""
    session.run(commands.cat_config(insecure_tls=session.insecure_tls))


def ensure(session: Session) -> None:
    """Kanister's `GetOrCreateRepository`, initialising only a repository that is missing."""
    try:
        probe(session)
        return
    except running.ResticError as exc:
        if exc.failure.kind is not classifying.Kind.REPOSITORY_MISSING:
            raise
    try:
        session.run(commands.init(insecure_tls=session.insecure_tls))
    except running.ResticError as exc:
        raise base.FunctionError(
            f"Failed to create object store backup location: {exc}"
        ) from None


@dataclass(frozen=True)
class Backup:
    tag: str
    result: parsing.BackupResult


def backup(session: Session, *, include_path: str, progress: bool = True) -> Backup:
    """Back `include_path` up under a new random tag (the repository must exist)."""
    tag = new_tag()
    args = commands.backup(tag=tag, include_path=include_path, insecure_tls=session.insecure_tls)
    try:
        output = session.run(args, progress=progress)
    except running.ResticError as exc:
        raise base.FunctionError(f"Failed to create and upload backup: {exc}") from None
    result = parsing.backup_result(output.stdout)
    if not result.snapshot_id:
        raise base.FunctionError(
            f"Failed to parse the backup ID from logs, backup logs {output.stdout[-2000:]}"
        )
    return Backup(tag=tag, result=result)


def restore(
    session: Session,
    *,
    target: str,
    backup_id: str,
    tag: str,
    backup_path: str,
    progress: bool = True,
) -> running.Output:
    """Restore by id, or by tag (its latest snapshot), into `target`."""
    tls = session.insecure_tls
    if tag:
        args = commands.restore_by_tag(
            tag=tag, target=target, backup_path=backup_path, insecure_tls=tls
        )
    else:
        args = commands.restore_by_id(
            snapshot_id=backup_id, target=target, backup_path=backup_path, insecure_tls=tls
        )
    try:
        return session.run(args, progress=progress)
    except running.ResticError as exc:
        raise base.FunctionError(f"Failed to restore backup: {exc}") from None


def snapshot_id_of_tag(session: Session, *, tag: str) -> str:
    """Kanister's `snapshots --tag T --json` then `[0].short_id` ("Snapshot not found")."""
    try:
        output = session.run(commands.snapshots_by_tag(tag=tag, insecure_tls=session.insecure_tls))
        return parsing.first_short_id(output.stdout)
    except (running.ResticError, parsing.ParseError) as exc:
        raise base.FunctionError(
            f"Failed to forget data, could not get snapshotID from tag {tag}: {exc}"
        ) from None


def require_snapshot(session: Session, *, snapshot_id: str) -> None:
    """Fail with "Snapshot not found" unless the repository has a snapshot `snapshot_id`.

    `restic forget <id>` of an unknown id only warns and exits 0, so Kanister's DeleteData
    reports success for a snapshot that never existed; kes checks first.
    """
    output = session.run(commands.snapshots(insecure_tls=session.insecure_tls))
    for snapshot in parsing.snapshot_list(output.stdout):
        if str(snapshot.get("id", "")).startswith(snapshot_id) and snapshot_id:
            return
    failure = classifying.Failure(
        classifying.Kind.SNAPSHOT_NOT_FOUND, f'no snapshot with ID "{snapshot_id}"'
    )
    raise running.ResticError(
        classifying.explain(failure, repository=session.repository.url), failure=failure
    )


def forget(session: Session, *, snapshot_id: str) -> None:
    try:
        require_snapshot(session, snapshot_id=snapshot_id)
        session.run(commands.forget(snapshot_id=snapshot_id, insecure_tls=session.insecure_tls))
    except (running.ResticError, parsing.ParseError) as exc:
        raise base.FunctionError(f"Failed to forget data: {exc}") from None


def prune(session: Session) -> int:
    """Prune; the bytes freed as restic reports them (either wording)."""
    try:
        output = session.run(commands.prune(insecure_tls=session.insecure_tls))
    except running.ResticError as exc:
        raise base.FunctionError(
            f"Error executing prune command: Failed to prune data after forget: {exc}"
        ) from None
    return parsing.parse_size(parsing.space_freed(output.stdout))


def stats(session: Session, *, snapshot_id: str, mode: str) -> parsing.StatsResult:
    args = commands.stats(snapshot_id=snapshot_id, mode=mode, insecure_tls=session.insecure_tls)
    try:
        output = session.run(args)
    except running.ResticError as exc:
        raise base.FunctionError(f"Failed to get backup stats: {exc}") from None
    result = parsing.stats_result(output.stdout, mode=mode)
    if not result.file_count or not result.size:
        raise base.FunctionError("Failed to parse snapshot stats from logs")
    return result
