"""A `filestore` location: a directory standing in for a bucket (a PVC, NFS, a local disk).

Kanister knows `filestore` only as a RepositoryServer storage type and a Secret type that needs
no keys; kes also accepts it as a Profile location, so Blueprints can keep their artifacts on a
mounted volume with the same `kando location` commands. `location.bucket` is the directory (an
absolute path, which must exist, as a bucket must), object keys are paths below it. Writes go
to a temporary file in the target directory and are renamed into place, so a reader never sees
a half-written object and a failed push leaves nothing behind.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from kes.adapters.objectstore import errors

CHUNK = 1024 * 1024


class FileStoreBucket:
    """Objects are files under `root`; keys use `/` whatever the platform."""

    def __init__(self, root: str) -> None:
        if not root.startswith("/"):
            raise errors.ObjectStoreError(
                f"filestore location.bucket must be an absolute directory path, got '{root}'"
            )
        self.name = root
        self.root = Path(root)

    def check_exists(self) -> None:
        if not self.root.is_dir():
            raise errors.BucketNotFoundError(
                f"failed to get bucket {self.name}: directory '{self.name}' does not exist. "
                "Create it (or mount the volume there) or correct location.bucket in the Profile."
            )
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            raise errors.AccessDeniedError(
                f"failed to get bucket {self.name}: directory '{self.name}' is not readable "
                "and writable by this process."
            )

    def list_directories(self) -> list[str]:
        self.check_exists()
        try:
            return sorted(entry.name for entry in os.scandir(self.root) if entry.is_dir())
        except OSError as exc:
            raise _os_error(f"failed to list directories in bucket '{self.name}'", exc) from None

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise errors.ObjectStoreError(f"invalid object key '{key}'")
        return self.root / key

    def put_stream(self, key: str, stream: BinaryIO) -> int:
        context = f"failed to write contents to bucket '{self.name}'"
        self.check_exists()
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        except OSError as exc:
            raise _os_error(context, exc) from None
        total = 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := _read(stream):
                    out.write(chunk)
                    total += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise _os_error(context, exc) from None
            raise
        return total

    def put_bytes(self, key: str, data: bytes) -> None:
        self.put_stream(key, io.BytesIO(data))

    def get_to(self, key: str, write: Callable[[bytes], object]) -> int:
        context = f"failed to read object '{key}' from bucket '{self.name}'"
        self.check_exists()
        total = 0
        try:
            with self._path(key).open("rb") as source:
                while chunk := source.read(CHUNK):
                    write(chunk)
                    total += len(chunk)
        except FileNotFoundError:
            raise errors.ObjectNotFoundError(
                f"{context}: NoSuchKey: The specified key does not exist"
            ) from None
        except IsADirectoryError:
            raise errors.ObjectNotFoundError(f"{context}: '{key}' is a directory") from None
        except OSError as exc:
            raise _os_error(context, exc) from None
        return total

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise _os_error(f"failed to delete contents in bucket '{self.name}'", exc) from None

    def delete_prefix(self, prefix: str) -> int:
        """Delete every file whose key starts with `prefix` (a string prefix, as on S3)."""
        context = f"Failed to delete item {prefix}"
        self.check_exists()
        count = 0
        try:
            for directory, _dirs, files in os.walk(self.root, topdown=False):
                relative = os.path.relpath(directory, self.root)
                base = "" if relative == "." else relative.replace(os.sep, "/") + "/"
                for name in files:
                    if (base + name).startswith(prefix):
                        os.unlink(os.path.join(directory, name))
                        count += 1
                if base and base.startswith(prefix) and not os.listdir(directory):
                    os.rmdir(directory)
        except OSError as exc:
            raise _os_error(context, exc) from None
        return count


def _read(stream: BinaryIO) -> bytes:
    try:
        return stream.read(CHUNK)
    except OSError as exc:
        raise errors.SourceError(exc) from exc


def _os_error(context: str, exc: OSError) -> errors.ObjectStoreError:
    detail = f"{exc.strerror or type(exc).__name__}: '{exc.filename}'"
    if isinstance(exc, PermissionError):
        return errors.AccessDeniedError(f"{context}: {detail}")
    return errors.ObjectStoreError(f"{context}: {detail}")
