"""`kando location push|pull|delete` as a Blueprint runs it: a process, a pipe, moto, a folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from s3_harness import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server

ROOT = Path(__file__).resolve().parents[3]
KANDO = [sys.executable, "-m", "kes.kando"]


def profile_json(endpoint: str, bucket: str, *, location_type: str = "s3Compliant",
                 prefix: str = "backups") -> str:
    """What `{{ toJson .Profile }}` renders for a key-pair Profile."""
    return json.dumps({
        "Location": {"type": location_type, "bucket": bucket, "endpoint": endpoint,
                     "prefix": prefix, "region": REGION},
        "Credential": {"Type": "keyPair",
                       "KeyPair": {"ID": ACCESS_KEY_ID, "Secret": SECRET_ACCESS_KEY},
                       "Secret": None, "KopiaServerSecret": None},
        "SkipSSLVerify": False,
    }, separators=(",", ":"))


def sh(script: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run a shell pipeline as a Blueprint's `sh -c` would, with this tree's kando."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(["bash", "-c", script], capture_output=True, env=environment,
                          timeout=120, check=False)


def kando(*args: str, stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*KANDO, *args], capture_output=True, stdin=stdin, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)


def test_push_from_a_pipe_pull_to_stdout_and_delete(moto_s3: S3Server, tmp_path: Path) -> None:
    bucket = moto_s3.bucket()
    profile = profile_json(moto_s3.endpoint, bucket)
    data = tmp_path / "data.bin"
    data.write_bytes(os.urandom(9 * 1024 * 1024 + 5))  # more than one 8 MiB part
    kando_cmd = " ".join(KANDO)
    pushed = sh(f"set -o pipefail; cat {data} | gzip -1 | {kando_cmd} location push "
                f"--profile \"$PROFILE\" --path /db/dump.gz -", PROFILE=profile)
    assert pushed.returncode == 0, pushed.stderr
    s3 = moto_s3.client()
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "backups/db/dump.gz"]
    pulled = sh(f"set -o pipefail; {kando_cmd} location pull --profile \"$PROFILE\" "
                f"--path db/dump.gz - | gunzip > {tmp_path}/back.bin", PROFILE=profile)
    assert pulled.returncode == 0, pulled.stderr
    assert hashlib.sha256((tmp_path / "back.bin").read_bytes()).digest() == hashlib.sha256(
        data.read_bytes()).digest()
    deleted = kando("location", "delete", "--profile", profile, "--path", "db")
    assert deleted.returncode == 0, deleted.stderr
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_push_a_file_and_pull_into_a_file_that_was_longer(
    moto_s3: S3Server, tmp_path: Path
) -> None:
    profile = profile_json(moto_s3.endpoint, moto_s3.bucket())
    source = tmp_path / "small"
    source.write_bytes(b"short")
    assert kando("location", "push", "-p", profile, "-s", "f", str(source)).returncode == 0
    target = tmp_path / "target"
    target.write_bytes(b"a much longer old content")
    result = kando("location", "pull", "-p", profile, "-s", "f", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == b"short"


def test_a_filestore_location(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    profile = json.dumps({"Location": {"type": "filestore", "bucket": str(store), "prefix": "p"},
                          "Credential": {"Type": ""}})
    kando_cmd = " ".join(KANDO)
    result = sh(f"echo hello | {kando_cmd} location push --profile \"$PROFILE\" --path x -",
                PROFILE=profile)
    assert result.returncode == 0, result.stderr
    assert (store / "p" / "x").read_bytes() == b"hello\n"
    pulled = kando("location", "pull", "--profile", profile, "--path", "x", "-")
    assert pulled.stdout == b"hello\n"
    assert kando("location", "delete", "--profile", profile, "--path", "x").returncode == 0
    assert not (store / "p" / "x").exists()


def test_a_dump_failing_halfway_fails_the_pipeline(moto_s3: S3Server) -> None:
    """`set -o pipefail`: kando stores what it got, but the command (and so the phase) fails."""
    profile = profile_json(moto_s3.endpoint, moto_s3.bucket())
    kando_cmd = " ".join(KANDO)
    result = sh("set -o pipefail; (echo partial; echo 'pg_dump: error: connection lost' >&2; "
                f"exit 3) | gzip | {kando_cmd} location push --profile \"$PROFILE\" --path d -",
                PROFILE=profile)
    assert result.returncode == 3
    assert b"pg_dump: error: connection lost" in result.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        pytest.param(("location", "push", "-"), "pipe", b"Error: Please provide the --profile flag",
                     id="no-profile"),
        pytest.param(("location", "push", "--profile", "{", "-"), "pipe",
                     b"Error: failed to unmarshal profile:", id="bad-json"),
        pytest.param(("location", "push", "--profile", "{}"), "pipe",
                     b"Error: accepts 1 arg(s), received 0", id="no-source"),
        pytest.param(("location", "push", "--profile", "{}", "-"), "devnull",
                     b'Error: Stdin must be piped when the source parameter is "-"',
                     id="stdin-not-a-pipe"),
        pytest.param(("location", "delete", "--profile",
                      '{"Location":{"type":"nfs"},"Credential":{"Type":"keyPair"}}'), "devnull",
                     b"Error: Unsupported Location type: nfs", id="location-type"),
    ],
)
def test_bad_input_exits_69_with_kanisters_message(
    args: tuple[str, ...], stdin: str, message: bytes
) -> None:
    feed: Any = subprocess.DEVNULL
    if stdin == "pipe":
        read_end, write_end = os.pipe()
        os.close(write_end)
        feed = read_end
    result = kando(*args, stdin=feed)
    assert result.returncode == 69
    assert result.stderr.startswith(message), result.stderr


def test_store_failures_are_actionable_and_never_print_the_keys(moto_s3: S3Server) -> None:
    profile = profile_json(moto_s3.endpoint, "kes-missing-bucket")
    result = kando("location", "pull", "--profile", profile, "--path", "x", "-")
    assert result.returncode == 69
    assert b"NoSuchBucket" in result.stderr and b"Create the bucket" in result.stderr
    unreachable = profile_json("http://127.0.0.1:9", "b")
    result = kando("location", "delete", "--profile", unreachable, "--path", "x")
    assert result.returncode == 69
    assert b"could not connect to the endpoint http://127.0.0.1:9" in result.stderr
    for output in (result.stdout, result.stderr):
        assert SECRET_ACCESS_KEY.encode() not in output and ACCESS_KEY_ID.encode() not in output
