"""Parsers of kopia's output, as Kanister's `parse_command_output.go` reads it (reference 1.5).

`snapshot create --json` prints one manifest per line on stdout and its progress on stderr;
Kanister keeps the last manifest and the last finished (`*`) progress line. Sizes use
go-humanize: `ParseBytes` reads SI and IEC units, `Bytes` prints SI with one decimal below 10.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

from kes.adapters.kopia import errors

_LINES = re.compile(r"[\r\n]")
_PROGRESS = re.compile(
    r"(?P<spinner>[|/\-\\\*]).+[^\d](?P<numHashed>\d+) hashed \((?P<hashedSize>[^\)]+)\), "
    r"(?P<numCached>\d+) cached \((?P<cachedSize>[^\)]+)\), uploaded (?P<uploadedSize>[^\)]+)"
    r"(?: \([^)]*\))*, (?:estimating...|estimated (?P<estimatedSize>[^\)]+) "
    r"\((?P<estimatedProgress>[^\)]+)\%\).+)"
)
_RESTORE = re.compile(
    r"Processed (?P<processedCount>\d+) \((?P<processedSize>.*)\) of (?P<totalCount>\d+) "
    r"\((?P<totalSize>.*)\) (?P<dataRate>.*) \((?P<percentage>.*)%\) remaining "
    r"(?P<remainingTime>.*)\."
)
_RESTORE_RESULT = re.compile(
    r"Restored (?P<files>\d+) files, (?P<dirs>\d+) directories and (?P<links>\d+) symbolic "
    r"links \((?P<restoredSize>[^\)]+)\)."
)
_SNAPSHOT_IDS = re.compile(r"Created snapshot with root ([^\s]+) and ID ([^\s]+).*$")
_BLOB_TOTAL = re.compile(r"Total: (\d+)$")
_BLOB_COUNT = re.compile(r"Count: (\d+)$")
_ANSI = re.compile(r"\x1b[^m]*?m")
# Kanister's Go pattern escapes `<`/`>` (`\\<ERROR\\>`), which RE2 reads as the literal characters.
_ERROR_LINE = re.compile(r"(?:ERROR\s+|.*<ERROR>\s*|error\s+)(.*)")

# go-humanize's bytesSizeTable (lower-cased units → multiplier).
_UNITS: dict[str, int] = {"b": 1, "": 1}
for _exp, _letter in enumerate("kmgtpe", start=1):
    _UNITS[f"{_letter}b"] = _UNITS[_letter] = 1000**_exp
    _UNITS[f"{_letter}ib"] = _UNITS[f"{_letter}i"] = 1024**_exp
_SI_SIZES = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


class ParseError(errors.KopiaError):
    """kopia's output does not say what Kanister expects it to say."""


def parse_bytes(text: str) -> int:
    """go-humanize `ParseBytes`: `219.5 MB` → 219500000, `40 KiB` → 40960, `0 B` → 0."""
    last = 0
    for char in text:
        if not (char.isdigit() or char in ".,"):
            break
        last += 1
    number = text[:last].replace(",", "")
    unit = text[last:].strip().lower()
    try:
        value = float(number)
    except ValueError:
        raise ParseError(f'Cannot read "{text}" as a size.') from None
    if unit not in _UNITS:
        raise ParseError(f'Unhandled size name "{unit}" in "{text}".')
    result = value * _UNITS[unit]
    if result >= 2**64:
        raise ParseError(f'"{text}" is too large.')
    return int(result)


def format_bytes(size: int) -> str:
    """go-humanize `Bytes` (SI): `0 B`, `9 B`, `83 MB`, `1.1 GB`."""
    if size < 10:
        return f"{size} B"
    exponent = math.floor(math.log(size) / math.log(1000))
    value = math.floor(size / 1000**exponent * 10 + 0.5) / 10
    if value < 10:
        return f"{value:.1f} {_SI_SIZES[exponent]}"
    return f"{value:.0f} {_SI_SIZES[exponent]}"


# --- snapshot create ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SnapshotStats:
    files_hashed: int
    size_hashed: int
    files_cached: int
    size_cached: int
    size_uploaded: int
    size_estimated: int
    progress_percent: int


@dataclasses.dataclass(frozen=True)
class SnapshotCreated:
    snapshot_id: str
    root_id: str
    stats: SnapshotStats | None


def snapshot_info(stdout: str) -> tuple[str, str]:
    """(snapshot id, root object id) from `snapshot create --json`: the last manifest line.

    A manifest whose root summary counts fatal errors (`numFailed` > 0) is an error, as is
    output without a manifest id or root.
    """
    snap_id = root_id = ""
    for line in stdout.splitlines():
        try:
            manifest = json.loads(line)
        except ValueError:
            continue
        if not isinstance(manifest, dict):
            continue
        snap_id = str(manifest.get("id") or "")
        root = manifest.get("rootEntry")
        if isinstance(root, dict):
            root_id = str(root.get("obj") or "")
            summary = root.get("summ")
            if isinstance(summary, dict) and int(summary.get("numFailed") or 0) > 0:
                raise ParseError(f"Error occurred during snapshot creation. Output {stdout}")
    if not snap_id:
        raise ParseError(f"Failed to get snapshot ID from create snapshot output {stdout}")
    if not root_id:
        raise ParseError(f"Failed to get root ID from create snapshot output {stdout}")
    return snap_id, root_id


def progress_line(line: str, *, only_finished: bool) -> SnapshotStats | None:
    """One stderr progress line of `snapshot create`, or None when it is not one."""
    match = _PROGRESS.search(line)
    if match is None:
        return None
    finished = match["spinner"] == "*"
    if only_finished and not finished:
        return None
    try:
        hashed, cached = parse_bytes(match["hashedSize"]), parse_bytes(match["cachedSize"])
        uploaded = parse_bytes(match["uploadedSize"])
        estimated, percent = 0, 0.0
        if match["estimatedSize"] or match["estimatedProgress"]:
            estimated = parse_bytes(match["estimatedSize"])
            percent = float(match["estimatedProgress"])
    except (ParseError, ValueError, TypeError):
        return None
    if finished:
        percent = 100
    elif percent >= 100:
        percent = 99
    return SnapshotStats(
        files_hashed=int(match["numHashed"]), size_hashed=hashed,
        files_cached=int(match["numCached"]), size_cached=cached, size_uploaded=uploaded,
        size_estimated=estimated, progress_percent=int(percent),
    )


def snapshot_stats(stderr: str, *, only_finished: bool = True) -> SnapshotStats | None:
    """The last (finished) progress line's figures, or None."""
    stats = None
    for line in _LINES.split(stderr):
        found = progress_line(line, only_finished=only_finished)
        if found is not None:
            stats = found
    return stats


def snapshot_created(stdout: str, stderr: str) -> SnapshotCreated:
    """`ParseSnapshotCreateOutput`: ids from stdout, figures from stderr."""
    snap_id, root_id = snapshot_info(stdout)
    return SnapshotCreated(snapshot_id=snap_id, root_id=root_id, stats=snapshot_stats(stderr))


def snapshot_ids_from_text(output: str) -> tuple[str, str]:
    """(snapshot id, root id) from the legacy `Created snapshot with root R and ID S` line."""
    if not output:
        raise ParseError("Received empty output")
    for line in _LINES.split(output):
        match = _SNAPSHOT_IDS.search(line)
        if match is not None:
            return match[2], match[1]
    raise ParseError("Failed to find Root ID from output")


# --- restore --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RestoreStats:
    files_processed: int
    size_processed: int
    files_total: int
    size_total: int
    progress_percent: int


def restore_progress(stderr: str) -> RestoreStats | None:
    """The last `Processed N (X) of M (Y) R (P%) remaining T.` line; a running 100% is 99."""
    stats = None
    for line in _LINES.split(stderr):
        match = _RESTORE.search(line)
        if match is None:
            continue
        try:
            percent = float(match["percentage"])
            found = RestoreStats(
                files_processed=int(match["processedCount"]),
                size_processed=parse_bytes(match["processedSize"]),
                files_total=int(match["totalCount"]), size_total=parse_bytes(match["totalSize"]),
                progress_percent=int(min(percent, 99)),
            )
        except (ParseError, ValueError):
            continue
        stats = found
    return stats


def restore_result(stderr: str) -> RestoreStats | None:
    """The final `Restored F files, D directories and L symbolic links (X).` line."""
    stats = None
    for line in _LINES.split(stderr):
        match = _RESTORE_RESULT.search(line)
        if match is None:
            continue
        try:
            size = parse_bytes(match["restoredSize"])
        except ParseError:
            continue
        files = int(match["files"])
        stats = RestoreStats(files_processed=files, size_processed=size, files_total=files,
                             size_total=size, progress_percent=100)
    return stats


# --- lists ----------------------------------------------------------------------------------


def _json(output: str, what: str) -> Any:
    try:
        return json.loads(output)
    except ValueError as exc:
        raise ParseError(f"Failed to unmarshal {what}: {exc}") from None


def latest_snapshot_from_manifests(output: str) -> tuple[str, str]:
    """(snapshot id, source path) of the last `type=snapshot` entry of `manifest list --json`."""
    entries = _json(output, "manifest list")
    snap_id = path = ""
    for entry in entries if isinstance(entries, list) else []:
        labels = entry.get("labels") or {}
        if "path" in labels:
            path = str(labels["path"])
        if labels.get("type") == "snapshot":
            snap_id = str(entry.get("id") or "")
    if not snap_id:
        raise ParseError("Failed to get latest snapshot ID from manifest list")
    if not path:
        raise ParseError("Failed to get latest snapshot backup path from manifest list")
    return snap_id, path


def snapshot_list(output: str) -> list[dict[str, Any]]:
    """The manifests of `snapshot list --json`."""
    entries = _json(output, "snapshot manifest list")
    if not isinstance(entries, list):
        raise ParseError("Failed to unmarshal snapshot manifest list: not a list")
    return [e for e in entries if isinstance(e, dict)]


def snapshot_sizes(output: str) -> tuple[int, int]:
    """(total size of the root summaries, number of snapshots); a manifest without a summary
    counts 0 bytes."""
    if not output:
        raise ParseError("Received empty output")
    manifests = snapshot_list(output)
    total = 0
    for manifest in manifests:
        summary = (manifest.get("rootEntry") or {}).get("summ") or {}
        total += int(summary.get("size") or 0)
    return total, len(manifests)


def user_names(output: str) -> list[str]:
    """The `username` of each entry of `server user list --json`."""
    entries = _json(output, "user list")
    if not isinstance(entries, list):
        raise ParseError("Failed to unmarshal user list: not a list")
    return [str(e.get("username", "")) for e in entries if isinstance(e, dict)]


def maintenance_owner(output: str) -> str:
    """`owner` of `maintenance info --json`."""
    info = _json(output, "maintenance info")
    return str(info.get("owner", "")) if isinstance(info, dict) else ""


def blob_stats(output: str) -> tuple[int, int]:
    """(total bytes, blob count) from `blob stats --raw`; both lines are required."""
    if not output:
        raise ParseError("received empty blob stats string")
    count = size = None
    for line in output.split("\n"):
        if count is None and (match := _BLOB_COUNT.search(line)):
            count = int(match[1])
        if size is None and (match := _BLOB_TOTAL.search(line)):
            size = int(match[1])
    if count is None:
        raise ParseError("could not find count field in the blob stats")
    if size is None:
        raise ParseError("could not find size field in the blob stats")
    return size, count


def error_lines(output: str) -> list[str]:
    """The messages of kopia's `ERROR …` lines (ANSI colours stripped)."""
    found = []
    for line in _LINES.split(output):
        match = _ERROR_LINE.search(_ANSI.sub("", line))
        if match is not None:
            found.append(match[1])
    return found
