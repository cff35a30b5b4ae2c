"""What went wrong in a kopia command, read from its output as Kanister reads it.

Kanister matches substrings of stderr or of the exec error (`pkg/kopia/errors`, reference
1.2) and wraps the error with a fixed phrase; the controller then fails the step's condition
with that step's reason. :func:`classify` gives the class, :data:`PHRASES` Kanister's phrase,
and :func:`kanister_reason` the condition and reason a failure of that class sets when the
repository server's steps meet it.
"""

from __future__ import annotations

import enum
import re


class KopiaError(Exception):
    """A kopia command failed or printed something unexpected (never carries a secret)."""


class ErrorClass(enum.Enum):
    INVALID_PASSWORD = "invalid-password"  # noqa: S105 (a class name)
    OUT_OF_MEMORY = "out-of-memory"
    ACCESS_DENIED = "access-denied"
    REPOSITORY_NOT_FOUND = "repository-not-found"
    BUCKET_NOT_FOUND = "bucket-not-found"
    NOT_CONNECTED = "not-connected"
    SERVER_NOT_READY = "server-not-ready"
    UNKNOWN = "unknown"


# Kanister's wording for each class (pkg/kopia/errors/errors.go).
PHRASES: dict[ErrorClass, str] = {
    ErrorClass.INVALID_PASSWORD: "invalid repository password",
    ErrorClass.OUT_OF_MEMORY: "kanister-tools container ran out of memory",
    ErrorClass.ACCESS_DENIED: "Access Denied",
    ErrorClass.REPOSITORY_NOT_FOUND: "repository not found",
    ErrorClass.BUCKET_NOT_FOUND: "bucket doesn't exist",
    ErrorClass.NOT_CONNECTED: "repository is not connected",
    ErrorClass.SERVER_NOT_READY: "Kopia API server is not ready",
}

_BUCKET_MISSING = re.compile(r'bucket ".*" does not exist')
# What kopia prints when a client cannot reach or authenticate to a repository server.
_SERVER_DOWN = (
    "connection refused",
    "unable to connect to the server",
    "error connecting to API server",
    "no such host",
)


def classify(stderr: str, error_text: str = "") -> ErrorClass:
    """The class of a failed command, checked in Kanister's order (password first)."""
    if "invalid repository password" in stderr:
        return ErrorClass.INVALID_PASSWORD
    if "command terminated with exit code 137" in error_text:
        return ErrorClass.OUT_OF_MEMORY
    if "Access Denied" in stderr:
        return ErrorClass.ACCESS_DENIED
    if (
        "repository not initialized in the provided storage" in stderr
        or "no such file or directory" in stderr
    ):
        return ErrorClass.REPOSITORY_NOT_FOUND
    if (
        "bucket doesn't exist" in stderr
        or "unable to list from the bucket" in stderr
        or _BUCKET_MISSING.search(stderr)
    ):
        return ErrorClass.BUCKET_NOT_FOUND
    if "repository is not connected" in stderr or "not connected to a repository" in stderr:
        return ErrorClass.NOT_CONNECTED
    if any(marker in stderr for marker in _SERVER_DOWN):
        return ErrorClass.SERVER_NOT_READY
    return ErrorClass.UNKNOWN


def connect_message(error_class: ErrorClass, error_text: str) -> str:
    """`ConnectToKopiaRepository`'s error: the class phrase (for the classes it knows), then
    the exec error, under "Failed to connect to the backup repository"."""
    known = (
        ErrorClass.INVALID_PASSWORD, ErrorClass.OUT_OF_MEMORY, ErrorClass.ACCESS_DENIED,
        ErrorClass.REPOSITORY_NOT_FOUND, ErrorClass.BUCKET_NOT_FOUND,
    )
    inner = f"{PHRASES[error_class]}: {error_text}" if error_class in known else error_text
    return f"Failed to connect to the backup repository: {inner}"


# The repository server step a class of failure belongs to, with Kanister's reason for it.
_REASONS: dict[ErrorClass, tuple[str, str]] = {
    ErrorClass.INVALID_PASSWORD: ("RepositoryConnected", "KopiaRepositoryConnectionFailed"),
    ErrorClass.ACCESS_DENIED: ("RepositoryConnected", "KopiaRepositoryConnectionFailed"),
    ErrorClass.REPOSITORY_NOT_FOUND: ("RepositoryConnected", "KopiaRepositoryConnectionFailed"),
    ErrorClass.BUCKET_NOT_FOUND: ("RepositoryConnected", "KopiaRepositoryConnectionFailed"),
    ErrorClass.OUT_OF_MEMORY: ("RepositoryConnected", "KopiaRepositoryConnectionFailed"),
    ErrorClass.NOT_CONNECTED: ("ClientUserInitialized", "ClientInitializationFailed"),
    ErrorClass.SERVER_NOT_READY: (
        "ServerInitialized", "KopiaRepositoryServerInitializationFailed"),
}


def kanister_reason(error_class: ErrorClass) -> tuple[str, str] | None:
    """(condition type, reason) Kanister sets for this class, or None when it depends on the
    step that failed."""
    return _REASONS.get(error_class)
