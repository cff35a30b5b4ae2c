"""Reading restic's output: `--json` first, the text wording of restic 0.14 to 0.17 as fallback.

Kanister reads text with regexes (`pkg/restic/restic.go`), two of which no longer match the
restic it ships (reference kopia-and-restic.md 0.4): `Added to the repo: X` is now
`Added to the repository: X (Y stored)`, so its `phySize` is always empty, and the prune line
`will delete N packs and rewrite M packs, this frees X` is now `total prune: N blobs / X`, so its
`spaceFreed` is always `0 B`. kes reads the JSON messages (`summary` of `backup --json`, the
arrays of `snapshots --json`, the object of `stats --json`) and accepts both text wordings where
restic has no JSON (prune) or an older restic printed text. Sizes are printed as restic prints
them (`ui.FormatBytes`: `192.839 MiB`, `12 B`), the form Kanister's outputs carry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SHORT_ID_LENGTH = 8

_UNITS = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))
_SIZE = r"\d+(?:\.\d+)?\s(?:[TGMK]i)?B"
_SAVED = re.compile(r"^snapshot\s(\S+?)\ssaved$")
_PROCESSED = re.compile(rf"processed\s(\d+)\sfiles,\s({_SIZE})\sin\s")
# `Added to the repo: X` (restic < 0.10, Kanister's regex) and `Added to the repository: X
# (Y stored)` (0.14 onwards).
_ADDED = re.compile(rf"^Added to the repo(?:sitory)?:\s+({_SIZE})(?:\s+\(({_SIZE})\s+stored\))?")
_TOTAL_PRUNE = re.compile(rf"^total prune:\s+\d+\sblobs\s/\s({_SIZE})$")
_THIS_FREES = re.compile(
    rf"^will delete \d+ packs and rewrite \d+ packs, this frees ({_SIZE})$"
)
_STATS_MODE = re.compile(r"Stats in\s+(.*?)\s+mode:")
_STATS_FILES = re.compile(r"Total File Count:\s+(.*?)$")
_STATS_BLOBS = re.compile(r"Total Blob Count:\s+(.*?)$")
_STATS_SIZE = re.compile(r"Total Size:\s+(.*?)$")


class ParseError(ValueError):
    """restic's output lacks what the caller needs (the message is Kanister's where it has one)."""


def format_bytes(count: int) -> str:
    """restic's `ui.FormatBytes`."""
    for unit, size in _UNITS:
        if count >= size:
            return f"{count / size:.3f} {unit}"
    return f"{count} B"


def parse_size(text: str) -> int:
    """Kanister's `ParseResticSizeStringBytes`: `1.5 KiB` → 1536; anything else → 0."""
    parts = text.split()
    if len(parts) != 2:
        return 0
    try:
        number = float(parts[0])
    except ValueError:
        return 0
    if number < 0:
        return 0
    factors = {unit: size for unit, size in _UNITS} | {"B": 1}
    return int(number * factors[parts[1]]) if parts[1] in factors else 0


def json_messages(text: str) -> Iterator[dict[str, Any]]:
    """Every line of `text` that is a JSON object (restic's `--json` messages)."""
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict):
            yield message


def is_status(line: str) -> bool:
    """A `--json` progress message (printed up to 60 times a second; not worth logging)."""
    return line.startswith('{"message_type":"status"')


def percent_done(line: str) -> float | None:
    """The fraction done (0..1) of a backup or restore `status` message, else None."""
    if not is_status(line):
        return None
    try:
        value = json.loads(line).get("percent_done")
    except ValueError:
        return None
    return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class BackupResult:
    """What BackupData reports: the short snapshot id and Kanister's three size strings."""

    snapshot_id: str
    file_count: str = ""
    size: str = ""
    phy_size: str = ""


def backup_result(stdout: str) -> BackupResult:
    """The `summary` message of `backup --json`, else the text summary; empty id if neither."""
    summaries = [m for m in json_messages(stdout) if m.get("message_type") == "summary"]
    if summaries:
        last = summaries[-1]
        return BackupResult(
            snapshot_id=str(last.get("snapshot_id") or "")[:SHORT_ID_LENGTH],
            file_count=str(int(last.get("total_files_processed") or 0)),
            size=format_bytes(int(last.get("total_bytes_processed") or 0)),
            phy_size=format_bytes(int(last.get("data_added") or 0)),
        )
    snapshot_id = file_count = size = phy_size = ""
    for raw in stdout.splitlines():
        line = raw.strip()
        if match := _SAVED.match(line):
            snapshot_id = match[1]
        elif match := _PROCESSED.search(line):
            file_count, size = match[1], match[2]
        elif match := _ADDED.match(line):
            phy_size = match[1]
    return BackupResult(snapshot_id, file_count, size, phy_size)


def snapshot_list(stdout: str) -> list[dict[str, Any]]:
    """The array of `snapshots --json` (`null` and garbage are errors, as in Kanister)."""
    try:
        result = json.loads(stdout.strip().splitlines()[-1] if stdout.strip() else "")
    except ValueError as exc:
        raise ParseError(f"Failed to unmarshall output from snapshotCommand: {exc}") from None
    if not isinstance(result, list):
        raise ParseError(
            "Failed to unmarshall output from snapshotCommand: expected a JSON array"
        )
    return [item for item in result if isinstance(item, dict)]


def first_short_id(stdout: str) -> str:
    """Kanister's `SnapshotIDFromSnapshotLog`: `short_id` of the first snapshot listed."""
    items = snapshot_list(stdout)
    if not items:
        raise ParseError("Snapshot not found")
    first = items[0]
    return str(first.get("short_id") or str(first.get("id", ""))[:SHORT_ID_LENGTH])


@dataclass(frozen=True)
class StatsResult:
    mode: str
    file_count: str
    size: str


def stats_result(stdout: str, *, mode: str) -> StatsResult:
    """`stats --json` (mode is the one asked for), else the text lines Kanister reads."""
    for message in json_messages(stdout):
        if "total_size" in message:
            count_key = "total_blob_count" if mode == "raw-data" else "total_file_count"
            return StatsResult(
                mode=mode,
                file_count=str(int(message.get(count_key) or 0)),
                size=format_bytes(int(message.get("total_size") or 0)),
            )
    found_mode = file_count = size = ""
    for raw in stdout.splitlines():
        line = raw.strip()
        if match := _STATS_MODE.search(line):
            found_mode = match[1]
        count = (_STATS_BLOBS if found_mode == "raw-data" else _STATS_FILES).search(line)
        if count:
            file_count = count[1]
        if match := _STATS_SIZE.search(line):
            size = match[1]
    return StatsResult(mode=found_mode, file_count=file_count, size=size)


def space_freed(stdout: str) -> str:
    """The size a prune frees, from either wording (`""` when neither line is there)."""
    freed = ""
    for raw in stdout.splitlines():
        line = raw.strip()
        match = _TOTAL_PRUNE.match(line) or _THIS_FREES.match(line)
        if match:
            freed = match[1]
    return freed
