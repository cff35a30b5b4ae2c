"""An S3-compatible bucket through boto3, as Kanister's objectstore reaches S3 (via stow).

Construction follows `providers.s3_config`. Before the first operation the bucket's region is
looked up as `s3BucketConfig` does: GetBucketLocation for a custom endpoint (S3-compatible
stores lack the other API), the `x-amz-bucket-region` header of HeadBucket on AWS; a failed
lookup keeps the Profile's region. A Secret with a `role` is exchanged for temporary
credentials with STS AssumeRole first (one hour, Kanister's default). Every botocore failure
becomes an `errors.ObjectStoreError` naming the store's code and what to check.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

import boto3
import botocore.config
import botocore.exceptions

from kes.adapters.objectstore import errors, multipart, providers

_log = logging.getLogger(__name__)
T = TypeVar("T")

ASSUME_ROLE_SECONDS = 3600
_RETRIES = {"max_attempts": 3, "mode": "standard"}
_NOT_FOUND_BUCKET = {"NoSuchBucket", "NotFound", "404"}
_DENIED = {
    "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden", "403",
    "InvalidToken", "ExpiredToken", "AllAccessDisabled",
}


class S3Bucket:
    """One bucket of an S3-compatible store."""

    def __init__(self, config: providers.S3Config, bucket: str) -> None:
        self.config, self.name = config, bucket
        self._client: Any = None

    # --- the operations Kanister's Bucket/Directory offers ------------------------------

    def check_exists(self) -> None:
        """HeadBucket: raise BucketNotFoundError, AccessDeniedError… if the bucket is unusable."""
        self._call(f"failed to get bucket {self.name}", lambda c: c.head_bucket(Bucket=self.name))

    def list_directories(self) -> list[str]:
        """The top-level "directories" (common prefixes) of the bucket."""
        answer = self._call(
            f"failed to list directories in bucket '{self.name}'",
            lambda c: c.list_objects_v2(Bucket=self.name, Delimiter="/", MaxKeys=1000),
        )
        return [p["Prefix"].rstrip("/") for p in answer.get("CommonPrefixes") or []]

    def put_stream(self, key: str, stream: BinaryIO) -> int:
        return self._call(
            f"failed to write contents to bucket '{self.name}'",
            lambda c: multipart.upload(c, bucket=self.name, key=key, stream=stream),
        )

    def put_bytes(self, key: str, data: bytes) -> None:
        self._call(
            f"failed to write contents to bucket '{self.name}'",
            lambda c: c.put_object(Bucket=self.name, Key=key, Body=data),
        )

    def get_to(self, key: str, write: Callable[[bytes], object]) -> int:
        """Stream the object to `write` in 1 MiB chunks; the number of bytes."""

        def read(client: Any) -> int:
            body = client.get_object(Bucket=self.name, Key=key)["Body"]
            total = 0
            for chunk in body.iter_chunks(chunk_size=multipart.MiB):
                write(chunk)
                total += len(chunk)
            return total

        return self._call(f"failed to read object '{key}' from bucket '{self.name}'", read)

    def delete(self, key: str) -> None:
        self._call(
            f"failed to delete contents in bucket '{self.name}'",
            lambda c: c.delete_object(Bucket=self.name, Key=key),
        )

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix`; how many were deleted."""

        def remove(client: Any) -> int:
            count = 0
            for batch in self._keys(client, prefix):
                answer = client.delete_objects(
                    Bucket=self.name,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
                problems = answer.get("Errors") or []
                if problems:
                    first = problems[0]
                    raise errors.ObjectStoreError(
                        f"{first.get('Code', 'Error')}: {first.get('Message', '')} "
                        f"(key '{first.get('Key', '')}')"
                    )
                count += len(batch)
            return count

        return self._call(f"Failed to delete item {prefix}", remove)

    def _keys(self, client: Any, prefix: str) -> Iterator[list[str]]:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
            keys = [item["Key"] for item in page.get("Contents") or []]
            if keys:
                yield keys

    # --- client, region, errors ----------------------------------------------------------

    def _call(self, context: str, operation: Callable[[Any], T]) -> T:
        try:
            return operation(self.client())
        except errors.SourceError:
            raise  # the stream broke, not the store: no bucket context to add
        except errors.ObjectStoreError as exc:
            raise type(exc)(f"{context}: {exc}") from None
        except multipart.StreamTooLargeError as exc:
            raise errors.ObjectStoreError(f"{context}: {exc}") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise _translate(context, exc, endpoint=self.config.endpoint_url) from None
        except botocore.exceptions.ClientError as exc:
            raise _translate_client(context, exc, bucket=self.name) from None

    def client(self) -> Any:
        if self._client is None:
            try:
                session = self._session()
                self._client = self._make_client(session, self.config.region)
                region = self._bucket_region(self._client)
                if region and region != self.config.region:
                    self._client = self._make_client(session, region)
            except botocore.exceptions.BotoCoreError as exc:
                raise _translate("failed to create the S3 client", exc,
                                 endpoint=self.config.endpoint_url) from None
            except botocore.exceptions.ClientError as exc:
                raise _translate_client("failed to assume role", exc, bucket=self.name) from None
        return self._client

    def _session(self) -> Any:
        found = self.config.credentials
        session = boto3.session.Session(
            aws_access_key_id=found.access_key_id,
            aws_secret_access_key=found.secret_access_key,
            aws_session_token=found.session_token or None,
            region_name=self.config.region,
        )
        if not found.role:
            return session
        # STS's endpoint is AWS's (AWS_ENDPOINT_URL_STS overrides it, as for any AWS SDK).
        assumed = session.client("sts").assume_role(
            RoleArn=found.role,
            RoleSessionName=f"kes-{uuid.uuid4().hex[:12]}",
            DurationSeconds=ASSUME_ROLE_SECONDS,
        )["Credentials"]
        return boto3.session.Session(
            aws_access_key_id=assumed["AccessKeyId"],
            aws_secret_access_key=assumed["SecretAccessKey"],
            aws_session_token=assumed["SessionToken"],
            region_name=self.config.region,
        )

    def _make_client(self, session: Any, region: str) -> Any:
        settings = botocore.config.Config(
            region_name=region,
            retries=_RETRIES,
            connect_timeout=10,
            read_timeout=120,
            s3={"addressing_style": "path" if self.config.path_style else "auto"},
            max_pool_connections=multipart.CONCURRENCY + 2,
        )
        return session.client(
            "s3",
            endpoint_url=self.config.endpoint_url,
            verify=self.config.verify_tls,
            config=settings,
        )

    def _bucket_region(self, client: Any) -> str:
        try:
            if self.config.endpoint_url:
                answer = client.get_bucket_location(Bucket=self.name)
                return str(answer.get("LocationConstraint") or providers.DEFAULT_S3_REGION)
            answer = client.head_bucket(Bucket=self.name)
            return str(answer["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region", ""))
        except botocore.exceptions.ClientError as exc:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            _log.debug("Could not get the region of bucket %s; keeping the Profile's.", self.name)
            return str(headers.get("x-amz-bucket-region", ""))
        except botocore.exceptions.BotoCoreError:
            return ""


def _translate(
    context: str, exc: botocore.exceptions.BotoCoreError, *, endpoint: str | None
) -> errors.ObjectStoreError:
    if isinstance(exc, botocore.exceptions.SSLError):
        return errors.EndpointUnreachableError(
            f"{context}: TLS verification failed for {endpoint or 'the S3 endpoint'}. "
            "Set skipSSLVerify: true in the Profile only for a store with a self-signed "
            "certificate."
        )
    if isinstance(
        exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectTimeoutError
    ):
        return errors.EndpointUnreachableError(
            f"{context}: could not connect to the endpoint {endpoint or '(AWS S3)'}. "
            + errors.HINT_ENDPOINT
        )
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return errors.AccessDeniedError(f"{context}: no credentials. {errors.HINT_CREDENTIALS}")
    return errors.ObjectStoreError(f"{context}: {type(exc).__name__}: {exc}")


def _translate_client(
    context: str, exc: botocore.exceptions.ClientError, *, bucket: str
) -> errors.ObjectStoreError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", "Unknown"))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
    message = str(error.get("Message") or "").rstrip(".")
    if code in _NOT_FOUND_BUCKET and code != "NoSuchKey":
        return errors.BucketNotFoundError(
            f"{context}: NoSuchBucket: bucket '{bucket}' does not exist (status code: "
            f"{status or 404}). {errors.HINT_BUCKET}"
        )
    if code in ("NoSuchKey",):
        return errors.ObjectNotFoundError(
            f"{context}: NoSuchKey: {message or 'The specified key does not exist'} "
            f"(status code: {status})"
        )
    text = f"{context}: {code}: {message or 'no message'} (status code: {status})"
    if code in _DENIED:
        return errors.AccessDeniedError(f"{text}. {errors.HINT_CREDENTIALS}")
    return errors.ObjectStoreError(text)
