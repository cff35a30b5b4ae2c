"""Helpers of the restic tests: Profiles as functions see them, data trees, restic run directly.

The restic functions read the Profile from the TemplateParams as the controller renders it (Go
field names); `s3_profile` and `filestore_profile` build that shape for the moto server and for
a directory. `direct_restic` runs the real restic on this machine against the same repository,
to check what the functions did (snapshots present or gone) with restic itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
from pathlib import Path
from typing import Any

from s3_harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server

from kes.adapters.restic import commands, locations
from kes.domain import profiles


def s3_profile(endpoint: str, bucket: str, *, skip_ssl_verify: bool = False) -> dict[str, Any]:
    return {
        "Location": {
            "Type": "s3Compliant",
            "Bucket": bucket,
            "Endpoint": endpoint,
            "Prefix": "",
            "Region": "us-east-1",
        },
        "Credential": {
            "Type": "keyPair",
            "KeyPair": {"ID": ACCESS_KEY_ID, "Secret": SECRET_ACCESS_KEY},
            "Secret": None,
            "KopiaServerSecret": None,
        },
        "SkipSSLVerify": skip_ssl_verify,
    }


def moto_profile(server: S3Server, bucket: str) -> dict[str, Any]:
    return s3_profile(server.endpoint, bucket)


def filestore_profile(root: Path) -> dict[str, Any]:
    return {
        "Location": {
            "Type": "filestore",
            "Bucket": str(root),
            "Endpoint": "",
            "Prefix": "",
            "Region": "",
        },
        "Credential": {"Type": "", "KeyPair": None, "Secret": None, "KopiaServerSecret": None},
        "SkipSSLVerify": False,
    }


def repository_of(profile: dict[str, Any], prefix: str) -> locations.Repository:
    resolved = profiles.from_params(profile)
    assert resolved is not None
    return locations.repository(resolved, locations.resolve_artifact_prefix(prefix, resolved))


def direct_restic(
    repository: locations.Repository, password: str, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The real restic on this machine, credentials in its environment as the functions do."""
    env = {
        "PATH": os.environ["PATH"],
        **commands.direct_environment(repository, password=password),
    }
    done = subprocess.run(["restic", *args], env=env, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"restic {' '.join(args)} failed: {done.stderr}")
    return done


def snapshots(repository: locations.Repository, password: str) -> list[dict[str, Any]]:
    listed = json.loads(direct_restic(repository, password, "snapshots", "--json").stdout)
    assert isinstance(listed, list)
    return listed


def seed_tree(root: Path, *, seed: int = 7, small_files: int = 40) -> None:
    """Mixed content: random and duplicated binaries, compressible text, small files, a
    symlink, an empty file and a nested directory."""
    rng = random.Random(seed)
    (root / "nested" / "deeper").mkdir(parents=True, exist_ok=True)
    blob = rng.randbytes(256 * 1024)
    (root / "random.bin").write_bytes(blob)
    (root / "nested" / "copy.bin").write_bytes(blob)
    (root / "log.txt").write_text("".join(f"line {i} of a log\n" for i in range(5000)))
    (root / "empty").write_bytes(b"")
    for index in range(small_files):
        size = rng.randint(1, 4096)
        (root / "nested" / "deeper" / f"f{index:03d}").write_bytes(rng.randbytes(size))
    link = root / "link-to-log"
    if not link.is_symlink():
        link.symlink_to("log.txt")


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path → content digest (symlink targets as `->target`), for byte comparisons."""
    digest: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            digest[rel] = "->" + os.readlink(path)
        elif path.is_file():
            digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            digest[rel] = "dir"
    return digest


def wipe(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            path.rmdir()
