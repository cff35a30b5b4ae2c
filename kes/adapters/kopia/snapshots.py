"""Snapshot, restore, maintenance, policy, blob and cache commands (Kanister's command package).

Reference kopia-and-restic.md 1.4. These run after a connect, so they carry no password;
`snapshot create` logs at `info` by default (its progress lines are what Kanister parses).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

from kes.adapters.kopia import commands
from kes.domain import durations

DEFAULT_ADAPTIVE_ESTIMATION_THRESHOLD = 300000
ADAPTIVE = "adaptive"
_MAX_INT32 = 2**31 - 1

# `GetPolicyModifications`: keep every snapshot, s2 compression. Go iterates a map here, so
# Kanister's flag order is random; ours is this order.
POLICY_MODIFICATIONS: Mapping[str, str] = {
    "--keep-latest": str(_MAX_INT32),
    "--keep-hourly": "0",
    "--keep-daily": "0",
    "--keep-weekly": "0",
    "--keep-monthly": "0",
    "--keep-annual": "0",
    "--compression": "s2-default",
}

_SECOND = 1_000_000_000


def _round(nanos: int, unit: int) -> int:
    """Go's `Duration.Round`: to the nearest multiple, halves away from zero."""
    quotient, rest = divmod(nanos, unit)
    return (quotient + (1 if rest * 2 >= unit else 0)) * unit


def progress_interval(nanos: int) -> str:
    """`--progress-update-interval`: 1h by default, else rounded up to its largest unit and
    printed without trailing zero units (`1m35s` → `2m`, `2h0m0s` → `2h`)."""
    if nanos <= 0:
        return "1h"
    if nanos < 60 * _SECOND:
        rounded = _round(nanos, _SECOND)
    elif nanos < 3600 * _SECOND:
        rounded = _round(nanos, 60 * _SECOND)
    else:
        rounded = _round(nanos, 3600 * _SECOND)
    text = durations.format_duration(rounded)
    if text.endswith("h0m0s"):
        return text[:-4]
    if text.endswith("m0s"):
        return text[:-2]
    return text


@dataclasses.dataclass(frozen=True)
class CreateArgs:
    """Kanister's `SnapshotCreateCommandArgs`."""

    common: commands.CommandArgs
    path_to_backup: str
    parallelism: int
    tags: Sequence[str] = ()
    progress_update_interval_ns: int = 0
    estimation_type: str = ""
    estimation_threshold: int = 0
    ignore_rule_file_path: str = ""
    hint_streaming_reads: bool = False
    # kes: upstream kopia prints progress (the figures Kanister parses) only to a terminal
    # unless `--progress` is given; Kanister's kopia fork always printed it.
    enable_progress: bool = False


def create(args: CreateArgs) -> commands.Command:
    """`snapshot create <path> --json --parallel=P [...] [--tags k:v]...
    --progress-update-interval=I`.

    `--ignore-rules-file` and `--hint-streaming-reads` exist only in Kanister's kopia fork:
    they are emitted only when set. kes adds `--progress` when `enable_progress` is set.
    """
    level = args.common.log_level or commands.LOG_LEVEL_INFO
    cmd = commands.common(dataclasses.replace(args.common, log_level=level))
    cmd = cmd.loggable("snapshot", "create", args.path_to_backup, "--json")
    cmd = cmd.loggable_kv("--parallel", str(args.parallelism))
    if args.ignore_rule_file_path:
        cmd = cmd.loggable_kv("--ignore-rules-file", args.ignore_rule_file_path)
    if args.estimation_type:
        cmd = cmd.loggable_kv("--progress-estimation-type", args.estimation_type)
        if args.estimation_type == ADAPTIVE:
            threshold = args.estimation_threshold or DEFAULT_ADAPTIVE_ESTIMATION_THRESHOLD
            cmd = cmd.loggable_kv("--adaptive-estimation-threshold", str(threshold))
    if args.hint_streaming_reads:
        cmd = cmd.loggable("--hint-streaming-reads")
    cmd = commands.add_tags(cmd, args.tags)
    if args.enable_progress:
        cmd = cmd.loggable("--progress")
    return cmd.loggable_kv(
        "--progress-update-interval", progress_interval(args.progress_update_interval_ns)
    )


@dataclasses.dataclass(frozen=True)
class RestoreArgs:
    """Kanister's `SnapshotRestoreCommandArgs`."""

    common: commands.CommandArgs
    snapshot_id: str
    target_path: str
    sparse_restore: bool = False
    ignore_permission_errors: bool = False
    skip_existing: bool = False
    delete_extra: bool = False
    parallelism: int = 0


def restore(args: RestoreArgs) -> commands.Command:
    """`snapshot restore <id> <target> [--parallel=P] (--[no-]ignore-permission-errors) [...]`."""
    cmd = commands.common(args.common).loggable(
        "snapshot", "restore", args.snapshot_id, args.target_path
    )
    if args.parallelism > 0:
        cmd = cmd.loggable_kv("--parallel", str(args.parallelism))
    cmd = cmd.loggable(
        "--ignore-permission-errors" if args.ignore_permission_errors
        else "--no-ignore-permission-errors"
    )
    if args.sparse_restore:
        cmd = cmd.loggable("--write-sparse-files")
    if args.skip_existing:
        cmd = cmd.loggable("--skip-existing")
    if args.delete_extra:
        cmd = cmd.loggable("--delete-extra")
    return cmd


def delete(args: commands.CommandArgs, *, snapshot_id: str) -> commands.Command:
    """`snapshot delete <id> --unsafe-ignore-source` (kopia's hidden alias of `--delete`)."""
    return commands.common(args).loggable(
        "snapshot", "delete", snapshot_id, "--unsafe-ignore-source"
    )


def expire(
    args: commands.CommandArgs, *, root_id: str, must_delete: bool = False
) -> commands.Command:
    cmd = commands.common(args).loggable("snapshot", "expire", root_id)
    return cmd.loggable("--delete") if must_delete else cmd


def list_all(args: commands.CommandArgs, *, tags: Sequence[str] = ()) -> commands.Command:
    """`snapshot list --all --delta --show-identical --json [--tags k:v]...`."""
    cmd = commands.common(args).loggable(
        "snapshot", "list", "--all", "--delta", "--show-identical", "--json"
    )
    return commands.add_tags(cmd, tags)


def manifest_list(args: commands.CommandArgs) -> commands.Command:
    """`manifest list --json --filter=type:snapshot`."""
    return commands.common(args).loggable("manifest", "list", "--json").loggable_kv(
        "--filter", "type:snapshot"
    )


@dataclasses.dataclass(frozen=True)
class VerifyArgs:
    common: commands.CommandArgs
    snapshot_ids: Sequence[str] = ()
    directory_ids: Sequence[str] = ()
    file_ids: Sequence[str] = ()
    sources: Sequence[str] = ()
    verify_files_percent: float | None = None
    parallelism: int | None = None
    file_queue_length: int | None = None
    file_parallelism: int | None = None
    max_errors: int | None = None
    json_output: bool = False


def _go_float(value: float) -> str:
    """`fmt.Sprintf("%v", f)` for the values a percentage takes (12.5, 100, 0.1)."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def verify(args: VerifyArgs) -> commands.Command:
    cmd = commands.common(args.common).loggable("snapshot", "verify")
    if args.verify_files_percent is not None:
        cmd = cmd.loggable_kv("--verify-files-percent", _go_float(args.verify_files_percent))
    for flag, value in (
        ("--max-errors", args.max_errors),
        ("--parallel", args.parallelism),
        ("--file-queue-length", args.file_queue_length),
        ("--file-parallelism", args.file_parallelism),
    ):
        if value is not None:
            cmd = cmd.loggable_kv(flag, str(value))
    for flag, items in (
        ("--directory-id", args.directory_ids),
        ("--file-id", args.file_ids),
        ("--sources", args.sources),
    ):
        for item in items:
            cmd = cmd.loggable_kv(flag, item)
    if args.json_output:
        cmd = cmd.loggable("--json")
    return cmd.loggable(*args.snapshot_ids)


def restore_root(
    args: commands.CommandArgs, *, root_id: str, target_path: str,
    ignore_permission_errors: bool, parallelism: int = 0,
) -> commands.Command:
    """The legacy `restore <rootID> <target>` (Kanister's `Restore`)."""
    cmd = commands.common(args).loggable("restore", root_id, target_path)
    cmd = cmd.loggable(
        "--ignore-permission-errors" if ignore_permission_errors
        else "--no-ignore-permission-errors"
    )
    if parallelism > 0:
        cmd = cmd.loggable_kv("--parallel", str(parallelism))
    return cmd


def maintenance_info(
    args: commands.CommandArgs, *, json_output: bool = False
) -> commands.Command:
    cmd = commands.common(args).loggable("maintenance", "info")
    return cmd.loggable("--json") if json_output else cmd


def maintenance_set_owner(args: commands.CommandArgs, *, owner: str) -> commands.Command:
    return commands.common(args).loggable("maintenance", "set").loggable_kv("--owner", owner)


def maintenance_run(args: commands.CommandArgs) -> commands.Command:
    return commands.common(args).loggable("maintenance", "run")


def policy_set_global(
    args: commands.CommandArgs, *, modifications: Mapping[str, str] = POLICY_MODIFICATIONS
) -> commands.Command:
    cmd = commands.common(args).loggable("policy", "set", "--global")
    for flag, value in modifications.items():
        cmd = cmd.loggable_kv(flag, value)
    return cmd


def policy_show_global(
    args: commands.CommandArgs, *, json_output: bool = False
) -> commands.Command:
    cmd = commands.common(args).loggable("policy", "show", "--global")
    return cmd.loggable("--json") if json_output else cmd


def blob_list(args: commands.CommandArgs) -> commands.Command:
    return commands.common(args).loggable("blob", "list")


def blob_stats(args: commands.CommandArgs) -> commands.Command:
    return commands.common(args).loggable("blob", "stats", "--raw")


def cache_clear(args: commands.CommandArgs) -> commands.Command:
    return commands.common(args).loggable("cache", "clear")
