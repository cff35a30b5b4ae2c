"""Keep secret values out of everything kes records or prints.

The controller hands :func:`mask` every secret value that went into a render (Secret data,
Profile credentials) before rendered args, outputs or log tails enter an event. A value is
replaced by ``***`` in each form it may show up in: as text, as the bytes' UTF-8 text, in
standard and URL-safe base64 (with and without padding), and as Go prints a byte slice
(``[104 105]``). Masking recurses through mappings (keys too), lists and tuples.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"


def secret_forms(secret: str | bytes) -> set[str]:
    """Every textual form of one secret value that masking looks for."""
    raw = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not raw:
        return set()
    forms = {
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode(),
        "[" + " ".join(str(b) for b in raw) + "]",
    }
    forms |= {f.rstrip("=") for f in forms}
    try:
        forms.add(raw.decode())
    except UnicodeDecodeError:
        forms.add(raw.decode("latin-1"))
    if isinstance(secret, str):
        forms.add(secret)
    return {f for f in forms if f}


class Masker:
    """Masks one fixed set of secrets; build once per render, apply to many values."""

    def __init__(self, secrets: Iterable[str | bytes]) -> None:
        forms: set[str] = set()
        raw_forms: set[bytes] = set()
        for secret in secrets:
            forms |= secret_forms(secret)
            raw = secret.encode() if isinstance(secret, str) else bytes(secret)
            if raw:
                raw_forms.add(raw)
        # Longest first, so a secret that contains another is masked whole.
        self.forms = sorted(forms, key=len, reverse=True)
        self.byte_forms = sorted(raw_forms | {f.encode() for f in forms}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for form in self.forms:
            if form in value:
                value = value.replace(form, MASK)
        return value

    def __call__(self, value: Any) -> Any:
        if not self.forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes | bytearray):
            data = bytes(value)
            for form in self.byte_forms:
                data = data.replace(form, MASK.encode())
            return self.text(data.decode("utf-8", errors="replace"))
        if isinstance(value, Mapping):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


def mask(value: Any, *, secrets: Iterable[str | bytes]) -> Any:
    """``value`` with every form of every secret replaced by ``***`` (bytes come back as text)."""
    if isinstance(secrets, list | tuple | set | frozenset) and not secrets:
        return value  # nothing to mask (the common case): no Masker to build
    return Masker(secrets)(value)
