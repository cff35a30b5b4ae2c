"""kes's object-store adapter against a real S3 API (moto on 127.0.0.1) and a real directory."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from s3_harness import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    AuthenticatingS3,
    S3Server,
    start_authenticating_moto,
    stop_moto,
)

from kes.adapters.objectstore import errors, locations, multipart
from kes.domain import profiles


def s3_profile(endpoint: str, bucket: str, *, prefix: str = "pre", key: str = ACCESS_KEY_ID,
               secret: str = SECRET_ACCESS_KEY) -> profiles.ResolvedProfile:
    return profiles.ResolvedProfile(
        profiles.Location("s3Compliant", bucket, endpoint, prefix, REGION),
        profiles.Credential("keyPair", profiles.KeyPair(key, secret)),
    )


def keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents") or [])


def test_a_multipart_stream_round_trips_and_leaves_no_parts(moto_s3: S3Server) -> None:
    bucket = moto_s3.bucket()
    data = os.urandom(12 * multipart.MiB + 123)  # three 5 MiB parts with a short last one
    s3 = moto_s3.client()
    sent = multipart.upload(s3, bucket=bucket, key="big", stream=io.BytesIO(data),
                            base_part_size=5 * multipart.MiB, concurrency=2)
    assert sent == len(data)
    assert hashlib.sha256(s3.get_object(Bucket=bucket, Key="big")["Body"].read()).digest() == (
        hashlib.sha256(data).digest())
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


class Failing(io.RawIOBase):
    """Yields `good` bytes, then fails as a broken pipe would."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left <= 0:
            raise OSError("read failed halfway")
        count = min(len(buffer), self.left)
        self.left -= count
        buffer[:count] = b"x" * count
        return count


def test_a_stream_failing_halfway_aborts_the_upload(moto_s3: S3Server) -> None:
    bucket = moto_s3.bucket()
    s3 = moto_s3.client()
    broken: Any = Failing(11 * multipart.MiB)
    with pytest.raises(errors.SourceError, match=r"^failed to read the source: read failed"):
        multipart.upload(s3, bucket=bucket, key="broken", stream=broken,
                         base_part_size=5 * multipart.MiB)
    assert keys(s3, bucket) == []
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_write_read_delete_use_the_prefix(moto_s3: S3Server) -> None:
    bucket = moto_s3.bucket()
    profile = s3_profile(moto_s3.endpoint, bucket)
    assert locations.write(profile, "/db/dump.gz", io.BytesIO(b"dump")) == 4
    locations.write(profile, "db/other", io.BytesIO(b""))
    locations.write(profile, "dbx", io.BytesIO(b"not under db/"))
    s3 = moto_s3.client()
    assert keys(s3, bucket) == ["pre/db/dump.gz", "pre/db/other", "pre/dbx"]
    out = io.BytesIO()
    assert locations.read(profile, "db/dump.gz", out.write) == 4
    assert out.getvalue() == b"dump"
    assert locations.delete(profile, "db/dump.gz") == 1
    assert keys(s3, bucket) == ["pre/db/other", "pre/dbx"]
    # As in Kanister, the prefix is cleaned (`db/` is `db`) and is a plain string prefix, so
    # it takes `dbx` too.
    assert locations.delete(profile, "db/") == 2
    assert keys(s3, bucket) == []
    assert locations.delete(profile, "db") == 0


def test_the_live_checks_pass_on_a_usable_bucket(moto_s3: S3Server) -> None:
    bucket = moto_s3.bucket()
    profile = s3_profile(moto_s3.endpoint, bucket)
    locations.check_bucket(profile)
    locations.check_read(profile)
    locations.check_write(profile)
    assert keys(moto_s3.client(), bucket) == []  # the sample object is gone again


def test_a_missing_bucket_says_so(moto_s3: S3Server) -> None:
    profile = s3_profile(moto_s3.endpoint, "kes-no-such-bucket")
    with pytest.raises(errors.BucketNotFoundError) as caught:
        locations.write(profile, "x", io.BytesIO(b"x"))
    assert str(caught.value).startswith(
        "failed to write contents to bucket 'kes-no-such-bucket': NoSuchBucket")
    assert "Create the bucket or correct location.bucket" in str(caught.value)
    with pytest.raises(errors.BucketNotFoundError, match=r"^failed to get bucket kes-no-such"):
        locations.check_bucket(profile)


def test_a_missing_object_says_so(moto_s3: S3Server) -> None:
    profile = s3_profile(moto_s3.endpoint, moto_s3.bucket())
    with pytest.raises(errors.ObjectNotFoundError, match=r"'pre/nope'.*NoSuchKey"):
        locations.read(profile, "nope", lambda _chunk: None)


def test_an_unreachable_endpoint_says_what_to_check() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    profile = s3_profile(f"http://127.0.0.1:{port}", "bkt")
    with pytest.raises(errors.EndpointUnreachableError) as caught:
        locations.write(profile, "x", io.BytesIO(b"x"))
    assert f"could not connect to the endpoint http://127.0.0.1:{port}" in str(caught.value)
    assert "Check location.endpoint" in str(caught.value)


@pytest.fixture(scope="module")
def authenticating(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthenticatingS3]:
    found = start_authenticating_moto(tmp_path_factory.mktemp("moto-auth"))
    try:
        yield found
    finally:
        stop_moto(found.server)


@pytest.mark.parametrize(
    ("key", "code"),
    [("wrong-secret", "SignatureDoesNotMatch"), ("unknown-key", "InvalidAccessKeyId")],
)
def test_wrong_credentials_are_named_and_never_printed(
    authenticating: AuthenticatingS3, key: str, code: str
) -> None:
    bucket = "kes-auth-bucket"
    s3 = authenticating.client()
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket)
    key_id = authenticating.access_key_id if key == "wrong-secret" else "AKIAKESUNKNOWN000001"
    wrong = "kes-wrong-secret-value-0001"
    profile = s3_profile(authenticating.server.endpoint, bucket, key=key_id, secret=wrong)
    with pytest.raises(errors.AccessDeniedError) as caught:
        locations.write(profile, "x", io.BytesIO(b"x"))
    message = str(caught.value)
    assert code in message and "Check the access key and secret" in message
    assert wrong not in message and authenticating.secret_access_key not in message
    good = s3_profile(authenticating.server.endpoint, bucket, key=authenticating.access_key_id,
                      secret=authenticating.secret_access_key)
    locations.check_write(good)


def test_filestore_round_trip_and_checks(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    profile = profiles.ResolvedProfile(profiles.Location("filestore", str(root), prefix="p"))
    data = os.urandom(3 * 1024 * 1024 + 7)
    assert locations.write(profile, "a/b.bin", io.BytesIO(data)) == len(data)
    assert (root / "p/a/b.bin").read_bytes() == data
    out = io.BytesIO()
    locations.read(profile, "/a/b.bin", out.write)
    assert out.getvalue() == data
    locations.check_bucket(profile)
    assert locations.check_read(profile) is None
    locations.check_write(profile)
    assert not (root / "sample").exists()
    assert locations.delete(profile, "a") == 1
    assert list(root.rglob("*")) == [root / "p"]  # empty directories under the prefix go too
    with pytest.raises(errors.ObjectNotFoundError, match="NoSuchKey"):
        locations.read(profile, "a/b.bin", out.write)


def test_filestore_failed_push_leaves_nothing(tmp_path: Path) -> None:
    profile = profiles.ResolvedProfile(profiles.Location("filestore", str(tmp_path)))
    with pytest.raises(errors.SourceError, match="halfway"):
        locations.write(profile, "x/y", Failing(100))  # type: ignore[arg-type]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_filestore_missing_directory_is_named(tmp_path: Path) -> None:
    profile = profiles.ResolvedProfile(profiles.Location("filestore", str(tmp_path / "nope")))
    with pytest.raises(errors.BucketNotFoundError, match="does not exist"):
        locations.write(profile, "x", io.BytesIO(b"x"))


def test_a_typed_secret_with_a_role_is_exchanged_for_sts_credentials(
    moto_s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`secrets.kanister.io/aws` with `role`: AssumeRole first (moto's STS stands in for AWS's)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_s3.endpoint)
    bucket = moto_s3.bucket()
    secret = profiles.CredentialSecret("creds", "ns", "secrets.kanister.io/aws", {
        "aws_access_key_id": ACCESS_KEY_ID.encode(),
        "aws_secret_access_key": SECRET_ACCESS_KEY.encode(),
        "role": b"arn:aws:iam::123456789012:role/kes-backup",
    })
    profile = profiles.ResolvedProfile(
        profiles.Location("s3Compliant", bucket, moto_s3.endpoint, "p", REGION),
        profiles.Credential("secret", secret=secret),
    )
    locations.write(profile, "x", io.BytesIO(b"via a role"))
    body = moto_s3.client().get_object(Bucket=bucket, Key="p/x")["Body"].read()
    assert body == b"via a role"
