"""Kanister's `pkg/location` and the live Profile checks of `pkg/validate`, over one Bucket type.

`write`, `read` and `delete` are what `kando location push|pull|delete` and LocationDelete do:
the object key is the Profile's prefix joined with the path (`profiles.object_key`), the bucket
comes from the Profile. `check_bucket`, `check_read` and `check_write` are kanctl's three live
checks (`ProfileBucket`, `ReadAccess`, `WriteAccess`: the bucket exists, its top level can be
listed, an object `sample` holding `sample content` can be written and deleted).

S3-compatible and filestore locations move data. For GCS and Azure, kes builds what Kanister
builds (`providers.gcs_config`, `providers.azure_config`), so a Profile's credentials are
checked, but moving data there is not implemented: the error says so and names the S3-compatible
alternative both clouds offer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Protocol

from kes.adapters.objectstore import errors, filestore, providers, s3
from kes.domain import profiles

SAMPLE_KEY = "sample"
SAMPLE_CONTENT = b"sample content"


class Bucket(Protocol):
    name: str

    def check_exists(self) -> None: ...
    def list_directories(self) -> list[str]: ...
    def put_stream(self, key: str, stream: BinaryIO) -> int: ...
    def put_bytes(self, key: str, data: bytes) -> None: ...
    def get_to(self, key: str, write: Callable[[bytes], object]) -> int: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> int: ...


_NO_DATA_PATH = {
    providers.GCS: "GCS also serves an S3-compatible API at https://storage.googleapis.com "
    "with HMAC keys: use an s3Compliant Profile with that endpoint",
    providers.AZURE: "use an S3-compatible gateway in front of Azure Blob Storage with an "
    "s3Compliant Profile",
}


def open_bucket(profile: profiles.ResolvedProfile) -> Bucket:
    """The Profile's bucket, its client configured as Kanister's objectstore configures it."""
    kind = providers.provider_type(profile.location.type)
    if kind == providers.S3:
        return s3.S3Bucket(providers.s3_config(profile), profile.location.bucket)
    if kind == providers.FILESTORE:
        return filestore.FileStoreBucket(profile.location.bucket)
    # Build (and so check) the provider's configuration as Kanister does before refusing.
    if kind == providers.GCS:
        providers.gcs_config(profile)
    else:
        providers.azure_blob_endpoint(profile)
    raise errors.UnsupportedLocationError(
        f"kes does not move data to {profile.location.type} locations yet; {_NO_DATA_PATH[kind]}"
    )


def _key(profile: profiles.ResolvedProfile, path: str) -> str:
    key = profiles.object_key(profile.location.prefix, path)
    if not key:
        raise errors.ObjectStoreError(
            "the object key is empty: give --path (or a prefix in the Profile's location)"
        )
    return key


def write(profile: profiles.ResolvedProfile, path: str, stream: BinaryIO) -> int:
    """`location.Write`: the stream to `<prefix>/<path>`; the number of bytes written."""
    bucket = open_bucket(profile)
    return bucket.put_stream(_key(profile, path), stream)


def read(
    profile: profiles.ResolvedProfile, path: str, write_chunk: Callable[[bytes], object]
) -> int:
    """`location.Read`: the object at `<prefix>/<path>` to `write_chunk`; the number of bytes."""
    bucket = open_bucket(profile)
    return bucket.get_to(_key(profile, path), write_chunk)


def delete(profile: profiles.ResolvedProfile, path: str) -> int:
    """`location.Delete`: every object under `<prefix>/<path>`; how many were deleted."""
    bucket = open_bucket(profile)
    return bucket.delete_prefix(profiles.delete_prefix(profile.location.prefix, path))


def check_bucket(profile: profiles.ResolvedProfile) -> None:
    """kanctl's `ProfileBucket` check (kes also checks the bucket is really there)."""
    open_bucket(profile).check_exists()


def check_read(profile: profiles.ResolvedProfile) -> None:
    """kanctl's `ReadAccess` check: list the bucket's top-level directories."""
    open_bucket(profile).list_directories()


def check_write(profile: profiles.ResolvedProfile) -> None:
    """kanctl's `WriteAccess` check: put `sample` at the bucket's root, then delete it."""
    bucket = open_bucket(profile)
    bucket.put_bytes(SAMPLE_KEY, SAMPLE_CONTENT)
    bucket.delete(SAMPLE_KEY)
