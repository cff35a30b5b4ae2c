"""Go's `time.ParseDuration`, for the Wait/WaitV2 `timeout` arg (`30s`, `1h30m`, `1.5m`, `500ms`).

Kept apart from the functions that use it so its messages (`time: invalid duration "x"`) match
Go's exactly and can be tested alone.
"""

from __future__ import annotations

import re

_UNITS = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
    "h": 3600.0,
}  # fmt: skip
_PART = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]*)")


class DurationError(ValueError):
    """Not a Go duration; the message is Go's."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse(text: str) -> float:
    """Seconds in `text`; raises DurationError with Go's message."""
    original = text
    sign = 1.0
    if text[:1] in ("-", "+"):
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise DurationError(f"time: invalid duration {_quote(original)}")
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _PART.match(text, pos)
        assert match is not None  # the pattern matches the empty string
        whole, fraction, unit = match.groups()
        if not whole and not fraction:
            raise DurationError(f"time: invalid duration {_quote(original)}")
        if not unit:
            raise DurationError(f"time: missing unit in duration {_quote(original)}")
        if unit not in _UNITS:
            raise DurationError(f"time: unknown unit {_quote(unit)} in duration {_quote(original)}")
        number = float(f"{whole or '0'}.{fraction or '0'}")
        total += number * _UNITS[unit]
        pos = match.end()
    return sign * total
