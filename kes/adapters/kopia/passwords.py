"""A kopia user's password hash, so `server user add|set` never sees the password itself.

kopia (`internal/user/hash_password.go`; 0.23.1 here) accepts `--user-password-hash=<h>` in place of
`--user-password=<p>`: h = base64(JSON {"passwordHashVersion": 1, "passwordHash":
base64(salt ‖ scrypt(p, salt, N=65536, r=8, p=1, 32 bytes))}) with a random 32-byte salt. It is
what `kopia server user hash-password` prints; a test checks that kopia accepts ours.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

SCRYPT_HASH_VERSION = 1
SALT_LENGTH = 32
HASH_LENGTH = 32
_N, _R, _P = 65536, 8, 1
_MAXMEM = 128 * _N * _R * 2  # scrypt needs 128·N·r bytes; leave headroom


def derive(password: str, salt: bytes) -> bytes:
    """salt ‖ scrypt-65536-8-1(password, salt), kopia's stored password hash."""
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=HASH_LENGTH
    )
    return salt + key


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The `--user-password-hash` value for `password` (a fresh salt unless one is given)."""
    salt = secrets.token_bytes(SALT_LENGTH) if salt is None else salt
    payload = {
        "passwordHashVersion": SCRYPT_HASH_VERSION,
        "passwordHash": base64.b64encode(derive(password, salt)).decode(),
    }
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
