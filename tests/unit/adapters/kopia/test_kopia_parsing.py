"""kopia output parsers (reference kopia-and-restic.md 1.5), the error classifier and the
certificate fingerprint."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from kopia_harness import make_certificate

from kes.adapters.kopia import errors, parsing, tls

MANIFEST = (
    '{"id":"00000000000000000000001","source":{"host":"h2","userName":"u2","path":"/tmp/aaa1"},'
    '"description":"","startTime":"2021-05-26T05:29:07.206854927Z",'
    '"endTime":"2021-05-26T05:29:07.207328392Z","rootEntry":{"name":"aaa1","type":"d",'
    '"mode":"0755","mtime":"2021-05-19T15:45:34.448853232Z",'
    '"obj":"ka68ba7abe0818b24a2b0647aeeb02f29","summ":{"size":0,"files":1,"symlinks":0,'
    '"dirs":1,"maxTime":"2021-05-19T15:45:34.448853232Z","numFailed":0}}}'
)


def test_snapshot_info_keeps_the_last_manifest() -> None:
    other = MANIFEST.replace("00000000000000000000001", "00000000000000000000002")
    out = f"noise\n{MANIFEST}\nnot json\n{other}\n"
    assert parsing.snapshot_info(out) == (
        "00000000000000000000002", "ka68ba7abe0818b24a2b0647aeeb02f29")


@pytest.mark.parametrize("stdout", [
    pytest.param(MANIFEST.replace('"numFailed":0', '"numFailed":1'), id="failed-entries"),
    pytest.param('{"rootEntry":{"obj":"k1"}}', id="no-id"),
    pytest.param('{"id":"s1","rootEntry":{}}', id="no-root"),
    pytest.param("", id="empty"),
])
def test_snapshot_info_errors(stdout: str) -> None:
    with pytest.raises(parsing.ParseError):
        parsing.snapshot_info(stdout)


@pytest.mark.parametrize(("line", "expected"), [
    pytest.param(
        " * 0 hashing, 283 hashed (219.5 MB), 0 cached (0 B), uploaded 10.5 MB, "
        "estimated 6.01 MB (91.7%) 1s left",
        parsing.SnapshotStats(283, 219_500_000, 0, 0, 10_500_000, 6_010_000, 100), id="finished"),
    pytest.param(
        " * 0 hashing, 1 hashed (1 KB), 2 cached (40 KiB), uploaded 3 B (3 errors ignored), "
        "estimated 5 B (100%) 0s left",
        parsing.SnapshotStats(1, 1000, 2, 40960, 3, 5, 100), id="errors-ignored"),
    pytest.param(
        " * 0 hashing, 1 hashed (1 B), 0 cached (0 B), uploaded 1 B (5 fatal errors), "
        "estimated 1 B (100%) 0s left",
        parsing.SnapshotStats(1, 1, 0, 0, 1, 1, 100), id="fatal-errors"),
    pytest.param(
        " * 0 hashing, 1 hashed (1 B), 0 cached (0 B), uploaded 1 B (3 errors ignored) "
        "(5 fatal errors), estimated 1 B (100%) 0s left",
        parsing.SnapshotStats(1, 1, 0, 0, 1, 1, 100), id="both"),
    pytest.param(
        " * 0 hashing, 7 hashed (7 B), 0 cached (0 B), uploaded 7 B, estimating...",
        parsing.SnapshotStats(7, 7, 0, 0, 7, 0, 100), id="estimating"),
])
def test_progress_lines(line: str, expected: parsing.SnapshotStats) -> None:
    assert parsing.progress_line(line, only_finished=True) == expected


def test_running_progress_is_capped_at_99_and_skipped_when_only_finished() -> None:
    running = (" / 0 hashing, 3 hashed (3 MB), 0 cached (0 B), uploaded 1 MB, "
               "estimated 2 MB (150%) 1s left")
    assert parsing.progress_line(running, only_finished=True) is None
    stats = parsing.progress_line(running, only_finished=False)
    assert stats is not None and stats.progress_percent == 99


def test_snapshot_created_takes_the_last_finished_line() -> None:
    stderr = (
        " | 0 hashing, 1 hashed (1 B), 0 cached (0 B), uploaded 0 B, estimating...\r"
        " * 0 hashing, 2 hashed (2 kB), 1 cached (3 kB), uploaded 4 kB, estimated 5 kB (100%)"
        " 0s left\n"
    )
    created = parsing.snapshot_created(MANIFEST, stderr)
    assert created.snapshot_id == "00000000000000000000001"
    assert created.stats is not None
    assert (created.stats.size_hashed + created.stats.size_cached) == 5000
    assert parsing.format_bytes(created.stats.size_uploaded) == "4.0 kB"


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (9, "9 B"), (10, "10 B"), (999, "999 B"), (1000, "1.0 kB"), (1550, "1.6 kB"),
    (83_000_000, "83 MB"), (1_100_000_000, "1.1 GB"), (209_715_200, "210 MB"),
])
def test_format_bytes_is_humanize_si(size: int, text: str) -> None:
    assert parsing.format_bytes(size) == text


@pytest.mark.parametrize(("text", "size"), [
    ("0 B", 0), ("42", 42), ("40 KB", 40_000), ("40 kB", 40_000), ("40 KiB", 40_960),
    ("1.5 MiB", 1_572_864), ("2 GB", 2_000_000_000), ("1,000 B", 1000),
])
def test_parse_bytes(text: str, size: int) -> None:
    assert parsing.parse_bytes(text) == size


def test_parse_bytes_rejects_unknown_units() -> None:
    with pytest.raises(parsing.ParseError):
        parsing.parse_bytes("3 parsecs")


def test_legacy_snapshot_line() -> None:
    out = "blah\nCreated snapshot with root k23cf6d7ff418a0110636399da458abb5 and ID " \
          "beda41fb4ba7478025778fdc8312355c in 10.8362ms\n"
    assert parsing.snapshot_ids_from_text(out) == (
        "beda41fb4ba7478025778fdc8312355c", "k23cf6d7ff418a0110636399da458abb5")
    with pytest.raises(parsing.ParseError, match="Received empty output"):
        parsing.snapshot_ids_from_text("")


def test_restore_progress_and_result() -> None:
    stderr = ("Processed 2 (397.5 MB) of 3 (3.1 GB) 14.9 MB/s (12.6%) remaining 3m3s.\n"
              "Processed 3 (3.1 GB) of 3 (3.1 GB) 14.9 MB/s (100%) remaining 0s.\n"
              "Restored 1 files, 1 directories and 0 symbolic links (1.1 GB).\n")
    progress = parsing.restore_progress(stderr)
    assert progress == parsing.RestoreStats(3, 3_100_000_000, 3, 3_100_000_000, 99)
    assert parsing.restore_result(stderr) == parsing.RestoreStats(
        1, 1_100_000_000, 1, 1_100_000_000, 100)


def test_manifest_list_last_snapshot_wins() -> None:
    out = json.dumps([
        {"id": "m1", "labels": {"hostname": "h", "path": "/a", "type": "snapshot"}},
        {"id": "m2", "labels": {"hostname": "h", "path": "/b", "type": "snapshot"}},
        {"id": "p1", "labels": {"type": "policy"}},
    ])
    assert parsing.latest_snapshot_from_manifests(out) == ("m2", "/b")
    with pytest.raises(parsing.ParseError, match="latest snapshot ID"):
        parsing.latest_snapshot_from_manifests("[]")


def test_snapshot_sizes_count_missing_summaries_as_zero() -> None:
    out = json.dumps([{"rootEntry": {"summ": {"size": 10}}}, {"rootEntry": {}}, {}])
    assert parsing.snapshot_sizes(out) == (10, 3)


def test_user_list_maintenance_and_blob_stats() -> None:
    users = '[{"username":"u@h","passwordHashVersion":1,"passwordHash":"AAA="}]'
    assert parsing.user_names(users) == ["u@h"]
    assert parsing.user_names("[]") == []
    assert parsing.maintenance_owner('{"owner":"u@h","schedule":{}}') == "u@h"
    assert parsing.blob_stats("Count: 3\nTotal: 1024\nAverage: 341\n") == (1024, 3)
    with pytest.raises(parsing.ParseError, match="count field"):
        parsing.blob_stats("Total: 1\n")
    with pytest.raises(parsing.ParseError, match="size field"):
        parsing.blob_stats("Count: 1\n")


def test_error_lines_strip_ansi() -> None:
    out = "\x1b[31mERROR\x1b[0m unable to open: nope\nfine\nerror   second one\n"
    assert parsing.error_lines(out) == ["unable to open: nope", "second one"]


@pytest.mark.parametrize(("stderr", "error_text", "expected"), [
    ("ERROR error connecting: invalid repository password", "", errors.ErrorClass.INVALID_PASSWORD),
    ("", "command terminated with exit code 137", errors.ErrorClass.OUT_OF_MEMORY),
    ("Access Denied.", "", errors.ErrorClass.ACCESS_DENIED),
    ("repository not initialized in the provided storage", "",
     errors.ErrorClass.REPOSITORY_NOT_FOUND),
    ("stat /mnt/data/x: no such file or directory", "", errors.ErrorClass.REPOSITORY_NOT_FOUND),
    ('bucket "b" does not exist', "", errors.ErrorClass.BUCKET_NOT_FOUND),
    ("unable to list from the bucket", "", errors.ErrorClass.BUCKET_NOT_FOUND),
    ("repository is not connected. See https://kopia.io/docs/repositories/", "",
     errors.ErrorClass.NOT_CONNECTED),
    ("dial tcp 127.0.0.1:51515: connect: connection refused", "",
     errors.ErrorClass.SERVER_NOT_READY),
    ("something else", "", errors.ErrorClass.UNKNOWN),
])
def test_classify(stderr: str, error_text: str, expected: errors.ErrorClass) -> None:
    assert errors.classify(stderr, error_text) is expected


def test_classes_map_to_kanisters_reasons() -> None:
    assert errors.kanister_reason(errors.ErrorClass.INVALID_PASSWORD) == (
        "RepositoryConnected", "KopiaRepositoryConnectionFailed")
    assert errors.kanister_reason(errors.ErrorClass.SERVER_NOT_READY) == (
        "ServerInitialized", "KopiaRepositoryServerInitializationFailed")
    assert errors.kanister_reason(errors.ErrorClass.NOT_CONNECTED) == (
        "ClientUserInitialized", "ClientInitializationFailed")
    assert errors.kanister_reason(errors.ErrorClass.UNKNOWN) is None
    assert errors.connect_message(errors.ErrorClass.INVALID_PASSWORD, "exit 1") == (
        "Failed to connect to the backup repository: invalid repository password: exit 1")
    assert errors.connect_message(errors.ErrorClass.UNKNOWN, "exit 1") == (
        "Failed to connect to the backup repository: exit 1")


def test_fingerprint_is_sha256_of_the_der() -> None:
    pem, _ = make_certificate()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert tls.fingerprint(pem) == hashlib.sha256(der).hexdigest()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_fingerprint_equals_openssls() -> None:
    pem, _ = make_certificate()
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem,
                         capture_output=True, check=True).stdout.decode()
    assert tls.fingerprint(pem) == out.split("=", 1)[1].strip().replace(":", "").lower()


def test_two_certificates_or_garbage_are_refused() -> None:
    pem, key = make_certificate()
    with pytest.raises(tls.CertificateError, match="PEM Decode"):
        tls.fingerprint(pem + make_certificate()[0])
    with pytest.raises(tls.CertificateError, match="PEM Decode"):
        tls.fingerprint(b"not a certificate")
    with pytest.raises(tls.CertificateError, match="parse X509"):
        tls.fingerprint(key)
