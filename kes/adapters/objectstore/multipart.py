"""Upload a stream of unknown length to S3 in bounded memory (multipart upload).

boto3's `upload_fileobj` sizes parts for a known length and keeps a fixed part size for a
stream, so a stream larger than 10,000 parts (about 78 GiB at 8 MiB) fails at the end. Here
parts start at 8 MiB and double every 1,000 parts (8 TiB fit in S3's 10,000), at most
`concurrency` parts are held in memory at once (read, then uploading), and any failure aborts the
upload so no partial object and no orphaned parts are left. A stream shorter than one part is
sent with one PutObject, as the SDKs' upload managers do.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent import futures
from typing import Any, BinaryIO

from kes.adapters.objectstore import errors

MiB = 1024 * 1024
PART_SIZE = 8 * MiB
MAX_PART_SIZE = 5 * 1024 * MiB
MAX_PARTS = 10_000
DOUBLE_EVERY = 1_000
CONCURRENCY = 4


class StreamTooLargeError(Exception):
    """The stream needs more than S3's 10,000 parts."""


def part_size(number: int, *, base: int = PART_SIZE) -> int:
    """The size of part `number` (1-based): `base`, doubled every 1,000 parts."""
    return min(base << ((number - 1) // DOUBLE_EVERY), MAX_PART_SIZE)


def read_full(stream: BinaryIO, size: int) -> bytearray:
    """Up to `size` bytes; fewer only at the end of the stream (pipes return short reads).

    Read into one preallocated buffer, so a part costs its size once (joining short reads
    would hold it twice for a moment).
    """
    buffer = bytearray(size)
    filled = 0
    try:
        with memoryview(buffer) as view:
            while filled < size:
                count = _read_into(stream, view[filled:])
                if not count:
                    break
                filled += count
    except OSError as exc:
        raise errors.SourceError(exc) from exc
    if filled < size:
        del buffer[filled:]
    return buffer


def _read_into(stream: BinaryIO, view: memoryview) -> int:
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return int(readinto(view) or 0)
    chunk = stream.read(len(view))
    view[: len(chunk)] = chunk
    return len(chunk)


def upload(
    client: Any,
    *,
    bucket: str,
    key: str,
    stream: BinaryIO,
    base_part_size: int = PART_SIZE,
    concurrency: int = CONCURRENCY,
) -> int:
    """Upload the stream to `bucket`/`key`; the number of bytes sent."""
    first = read_full(stream, part_size(1, base=base_part_size))
    if len(first) < part_size(1, base=base_part_size):
        client.put_object(Bucket=bucket, Key=key, Body=bytes(first))
        return len(first)
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    pending = [first]
    del first  # the part list is its only owner, so a sent part is freed at once
    try:
        parts, total = _send_parts(
            client, bucket=bucket, key=key, upload_id=upload_id, stream=stream, pending=pending,
            base=base_part_size, concurrency=concurrency,
        )
        client.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    except BaseException:
        # The first failure is the one to report; a failed abort leaves parts S3 expires.
        with contextlib.suppress(Exception):
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        raise
    return total


def _send_parts(
    client: Any,
    *,
    bucket: str,
    key: str,
    upload_id: str,
    stream: BinaryIO,
    pending: list[bytearray],
    base: int,
    concurrency: int,
) -> tuple[list[dict[str, Any]], int]:
    slots = threading.Semaphore(concurrency)
    failed = threading.Event()
    sent: list[futures.Future[dict[str, Any]]] = []

    def send(number: int, body: bytearray) -> dict[str, Any]:
        try:
            answer = client.upload_part(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
            )
            return {"PartNumber": number, "ETag": answer["ETag"]}
        except BaseException:
            failed.set()
            raise
        finally:
            slots.release()

    total = 0
    with futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        number, chunk = 1, pending.pop()
        slots.acquire()
        while chunk and not failed.is_set():
            total += len(chunk)
            sent.append(pool.submit(send, number, chunk))
            del chunk  # the part is now only referenced by its upload
            number += 1
            slots.acquire()  # wait for a free slot before buffering the next part
            if failed.is_set():
                break
            chunk = read_full(stream, part_size(number, base=base))
            if chunk and number > MAX_PARTS:
                raise StreamTooLargeError(
                    f"the stream needs more than {MAX_PARTS} parts of up to {MAX_PART_SIZE} bytes"
                )
        parts = [future.result() for future in sent]  # re-raises the first part's failure
    return parts, total
