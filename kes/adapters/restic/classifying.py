"""What went wrong when restic failed, and what the user should do about it.

Kanister looks for two substrings of stderr (`wrong password`, `Is there a repository at the
following location?`, reference kopia-and-restic.md 3.5) and treats every failed probe as "no
repository yet", so a wrong key, a typo in the bucket or an unreachable endpoint all lead to a
`restic init` (which then fails, or, for a missing bucket, creates one). kes reads the exit
status (restic 0.17: 10 no repository, 11 locked, 12 wrong password) and the error wording of
restic 0.14 to 0.17 and the object-store clients under it, most specific first: an unreachable
endpoint's message also ends with "Is there a repository …?".
"""

from __future__ import annotations

import contextlib
import enum
import json
import re
from dataclasses import dataclass

EXIT_NO_REPOSITORY = 10
EXIT_LOCKED = 11
EXIT_WRONG_PASSWORD = 12


class Kind(enum.Enum):
    UNREACHABLE = "unreachable"
    TLS = "tls"
    BUCKET_MISSING = "bucket-missing"
    ACCESS_DENIED = "access-denied"
    WRONG_PASSWORD = "wrong-password"  # noqa: S105 - a failure kind, not a password
    REPOSITORY_MISSING = "repository-missing"
    SNAPSHOT_NOT_FOUND = "snapshot-not-found"
    LOCKED = "locked"
    OTHER = "other"


# Checked in this order; each pattern is a case-insensitive regex over stderr.
_PATTERNS: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    (Kind.TLS, (r"x509:", r"tls: ", r"certificate (?:signed by unknown|is not valid)")),
    (
        Kind.UNREACHABLE,
        (
            r"connection refused", r"no such host", r"i/o timeout", r"network is unreachable",
            r"no route to host", r"connection reset by peer", r"dial tcp", r"server misbehaving",
            r"context deadline exceeded",
        ),
    ),
    (
        Kind.BUCKET_MISSING,
        (
            r"specified bucket does not exist", r"NoSuchBucket", r"bucket doesn't exist",
            r"bucket \S* ?does not exist", r"ContainerNotFound",
            r"specified container does not exist",
        ),
    ),
    (
        Kind.ACCESS_DENIED,
        (
            r"Access Denied", r"AccessDenied", r"InvalidAccessKeyId", r"SignatureDoesNotMatch",
            r"The AWS Access Key Id you provided", r"AuthenticationFailed", r"403 Forbidden",
        ),
    ),
    (Kind.WRONG_PASSWORD, (r"wrong password",)),
    (
        Kind.REPOSITORY_MISSING,
        (r"Is there a repository at the following location\?", r"repository does not exist"),
    ),
    (
        Kind.SNAPSHOT_NOT_FOUND,
        (
            r"no matching ID found", r"no snapshot matched", r"failed to find snapshot",
            r"latest snapshot for criteria not found", r"no snapshot found",
        ),
    ),
    (Kind.LOCKED, (r"repository is already locked", r"unable to create lock")),
)
_COMPILED = tuple(
    (kind, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE))
    for kind, patterns in _PATTERNS
)
_BY_EXIT = {
    EXIT_NO_REPOSITORY: Kind.REPOSITORY_MISSING,
    EXIT_LOCKED: Kind.LOCKED,
    EXIT_WRONG_PASSWORD: Kind.WRONG_PASSWORD,
}


@dataclass(frozen=True)
class Failure:
    """A classified restic failure: `detail` is restic's own error text, trimmed."""

    kind: Kind
    detail: str


def detail_of(stderr: str, *, lines: int = 3) -> str:
    """restic's `Fatal:` lines (else its last lines), joined into one sentence-like string."""
    all_lines = [_exit_error(line.strip()) for line in stderr.splitlines() if line.strip()]
    fatal = [i for i, line in enumerate(all_lines) if line.startswith("Fatal:")]
    chosen = all_lines[fatal[0] : fatal[0] + lines] if fatal else all_lines[-lines:]
    return " ".join(chosen)


def _exit_error(line: str) -> str:
    """restic 0.18 prints its fatal error as `{"message_type":"exit_error",…}` under --json."""
    if line.startswith('{"message_type":"exit_error"'):
        with contextlib.suppress(ValueError):
            return "Fatal: " + str(json.loads(line).get("message", "")).strip()
    return line


def classify(*, stderr: str, exit_code: int | None) -> Failure:
    """The kind of failure a restic run with this stderr and exit status had."""
    detail = detail_of(stderr)
    # The transport comes first: an unreachable endpoint also prints restic's "no repository?".
    for kind, pattern in _COMPILED[:4]:
        if pattern.search(stderr):
            return Failure(kind, detail)
    if exit_code in _BY_EXIT:
        return Failure(_BY_EXIT[exit_code], detail)
    for kind, pattern in _COMPILED[4:]:
        if pattern.search(stderr):
            return Failure(kind, detail)
    return Failure(Kind.OTHER, detail)


def explain(failure: Failure, *, repository: str) -> str:
    """One actionable sentence: what failed, restic's words, and what to change."""
    said = f" (restic: {failure.detail})" if failure.detail else ""
    advice = {
        Kind.UNREACHABLE: (
            f"Cannot reach the object store of the restic repository {repository}{said}. Check "
            "the Profile's location.endpoint and that the endpoint is reachable from the pod."
        ),
        Kind.TLS: (
            f"TLS verification failed for the restic repository {repository}{said}. Give the "
            "endpoint a certificate the pod trusts, or set the insecureTLS argument (or "
            "skipSSLVerify in the Profile) to true."
        ),
        Kind.BUCKET_MISSING: (
            f"The bucket of the restic repository {repository} does not exist{said}. Create the "
            "bucket, or correct location.bucket in the Profile (kes does not create buckets)."
        ),
        Kind.ACCESS_DENIED: (
            f"The object store refused the credentials for the restic repository "
            f"{repository}{said}. Check the keys in the Profile's Secret."
        ),
        Kind.WRONG_PASSWORD: (
            f"Wrong encryption key for the restic repository {repository}{said}. Set "
            "encryptionKey to the key the repository was created with."
        ),
        Kind.REPOSITORY_MISSING: (
            f"No restic repository at {repository}{said}. Check backupArtifactPrefix and the "
            "Profile's location; BackupData, BackupDataAll and CopyVolumeData create the "
            "repository on their first backup."
        ),
        Kind.SNAPSHOT_NOT_FOUND: (
            f"Snapshot not found in the restic repository {repository}{said}. Check the "
            "backup identifier or tag: it may never have existed there, or was deleted."
        ),
        Kind.LOCKED: (
            f"The restic repository {repository} is locked by another restic process{said}. "
            "Wait for it to finish, or remove a stale lock with `restic unlock`."
        ),
    }
    return advice.get(failure.kind, f"restic failed on the repository {repository}{said}.")
