"""restic output, JSON and text, as restic 0.14, 0.16.5 and 0.17 print it (samples from their
source and from real runs of 0.16.5), including the two wordings Kanister's regexes miss."""

from __future__ import annotations

import pytest

from kes.adapters.restic import parsing

SUMMARY_016 = (
    '{"message_type":"status","percent_done":0.5,"total_files":4011,"files_done":10}\n'
    '{"message_type":"summary","files_new":4011,"files_changed":0,"files_unmodified":0,'
    '"dirs_new":46,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":5000,"tree_blobs":47,'
    '"data_added":182657000,"total_files_processed":4011,"total_bytes_processed":202206500,'
    '"total_duration":1.9,"snapshot_id":"711c084a4ed6592a5b289dc44d1f1ae233c11cb3b011ee6a0e88fa2c97cff0fd"}\n'
)
# restic 0.14 printed the short id in the JSON summary; 0.17 adds data_added_packed.
SUMMARY_014 = (
    '{"message_type":"summary","data_added":1062,"total_files_processed":1,'
    '"total_bytes_processed":6,"snapshot_id":"711c084a"}\n'
)
SUMMARY_017 = (
    '{"message_type":"summary","data_added":1062,"data_added_packed":800,'
    '"total_files_processed":3,"total_bytes_processed":2048,"snapshot_id":"aa226e15ffff"}\n'
)
TEXT_016 = """using parent snapshot 711c084a

Files:           0 new,     0 changed,     1 unmodified
Dirs:            0 new,     1 changed,     1 unmodified
Added to the repository: 174.195 MiB (126.578 MiB stored)

processed 4011 files, 192.839 MiB in 0:02
snapshot aa226e15 saved
"""
TEXT_OLD = """Added to the repo: 10.322 KiB

processed 9 files, 12.000 KiB in 0:00
snapshot 1a2b3c4d saved
"""


def test_backup_summary_from_json() -> None:
    result = parsing.backup_result(SUMMARY_016)
    assert result == parsing.BackupResult(
        snapshot_id="711c084a", file_count="4011", size="192.839 MiB", phy_size="174.195 MiB"
    )


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        pytest.param(SUMMARY_014, ("711c084a", "1", "6 B", "1.037 KiB"), id="0.14-json"),
        pytest.param(SUMMARY_017, ("aa226e15", "3", "2.000 KiB", "1.037 KiB"), id="0.17-json"),
        pytest.param(TEXT_016, ("aa226e15", "4011", "192.839 MiB", "174.195 MiB"), id="0.16-text"),
        pytest.param(TEXT_OLD, ("1a2b3c4d", "9", "12.000 KiB", "10.322 KiB"), id="kanister-text"),
    ],
)
def test_backup_summary_across_versions(stdout: str, expected: tuple[str, ...]) -> None:
    result = parsing.backup_result(stdout)
    assert (result.snapshot_id, result.file_count, result.size, result.phy_size) == expected


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("snapshot 1a2b3c4d saved", "1a2b3c4d"),
        ("snapshot 123abcd", ""),
        ("Invalid message", ""),
        ("snapshot abc123\n saved", ""),
    ],
)
def test_snapshot_id_from_text_as_kanister(log: str, expected: str) -> None:
    assert parsing.backup_result(log).snapshot_id == expected


def test_progress_of_status_lines() -> None:
    assert parsing.percent_done('{"message_type":"status","percent_done":0.25}') == 0.25
    assert parsing.percent_done('{"message_type":"summary","percent_done":1}') is None
    assert parsing.percent_done("processed 1 files") is None


def test_snapshot_list_and_first_short_id() -> None:
    log = (
        '[{"time":"2019-03-28T17:35:15.146526-07:00","tags":["backup123"],'
        '"id":"7c0bfeb93dd5b390a6eaf8a386ec8cb86e4631f2d96400407b529b53d979536a",'
        '"short_id":"7c0bfeb9"},{"id":"ffff","short_id":"ffff"}]\n'
    )
    assert parsing.first_short_id(log) == "7c0bfeb9"
    with pytest.raises(parsing.ParseError, match="Snapshot not found"):
        parsing.first_short_id("[]\n")
    with pytest.raises(parsing.ParseError, match="Failed to unmarshall"):
        parsing.first_short_id("null")


def test_stats_json_and_text() -> None:
    assert parsing.stats_result(
        '{"total_size":6,"total_file_count":3,"snapshots_count":1}\n', mode="restore-size"
    ) == parsing.StatsResult("restore-size", "3", "6 B")
    raw = '{"total_size":793,"total_uncompressed_size":1190,"total_blob_count":4}\n'
    assert parsing.stats_result(raw, mode="raw-data") == parsing.StatsResult(
        "raw-data", "4", "793 B"
    )
    text = (
        "scanning...\nStats in restore-size mode:\n     Snapshots processed:  1\n"
        "        Total File Count:  9\n              Total Size:  10.322 KiB  \n"
    )
    assert parsing.stats_result(text, mode="restore-size") == parsing.StatsResult(
        "restore-size", "9", "10.322 KiB"
    )
    raw_text = "Stats in raw-data mode:\n   Total Blob Count:  4\n   Total Size:  793 B\n"
    assert parsing.stats_result(raw_text, mode="raw-data").file_count == "4"


@pytest.mark.parametrize(
    ("stdout", "freed"),
    [
        pytest.param(
            "to delete:             4 blobs / 866 B\ntotal prune:           4 blobs / 866 B\n"
            "remaining:             5 blobs / 1.018 KiB\n",
            "866 B",
            id="0.12+",
        ),
        pytest.param(
            "will delete 3 packs and rewrite 0 packs, this frees 1.500 KiB\n",
            "1.500 KiB",
            id="kanister-wording",
        ),
        pytest.param("done\n", "", id="nothing"),
    ],
)
def test_space_freed_in_both_wordings(stdout: str, freed: str) -> None:
    assert parsing.space_freed(stdout) == freed


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("1.500 KiB", 1536),
        ("866 B", 866),
        ("2.000 MiB", 2 << 20),
        ("1.000 GiB", 1 << 30),
        ("1.000 TiB", 1 << 40),
        ("", 0),
        ("12 XB", 0),
        ("-1 B", 0),
        ("x B", 0),
    ],
)
def test_parse_size_as_kanister(text: str, count: int) -> None:
    assert parsing.parse_size(text) == count


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.000 KiB"),
        (202206500, "192.839 MiB"),
        (3 << 30, "3.000 GiB"),
        (5 << 40, "5.000 TiB"),
    ],
)
def test_format_bytes_as_restic(count: int, text: str) -> None:
    assert parsing.format_bytes(count) == text
