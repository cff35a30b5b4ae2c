"""The object-store adapter's errors: upper layers catch these, never a boto3 or OS type.

Each message is Kanister's wrap (`failed to write contents to bucket 'b'`, `failed to get bucket
b`) followed by the store's own code and text, and, where kes can tell what is wrong, one
sentence saying what to check. Messages never hold a credential: botocore's error texts name
the operation and the store's message, not the keys; callers mask them once more anyway.
"""

from __future__ import annotations


class ObjectStoreError(Exception):
    """An object-store operation failed; `str()` is the message to show."""


class BucketNotFoundError(ObjectStoreError):
    """The bucket (or filestore directory) does not exist."""


class ObjectNotFoundError(ObjectStoreError):
    """No object under that key."""


class AccessDeniedError(ObjectStoreError):
    """The store refused the credentials or the operation."""


class EndpointUnreachableError(ObjectStoreError):
    """No connection could be made to the store's endpoint."""


class SourceError(ObjectStoreError):
    """Reading the stream to upload failed (a broken pipe, an unreadable file)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(f"failed to read the source: {cause.strerror or cause}")


class UnsupportedLocationError(ObjectStoreError):
    """kes cannot move data to this kind of location."""


HINT_BUCKET = "Create the bucket or correct location.bucket in the Profile."
HINT_CREDENTIALS = (
    "Check the access key and secret in the Profile's Secret and the bucket's permissions."
)
HINT_ENDPOINT = "Check location.endpoint in the Profile and that the object store is running."
