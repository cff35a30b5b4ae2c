"""Go's `time.Duration` as text: `time.ParseDuration` and `Duration.String()`, with Go's messages.

Blueprints and kes speak Go durations in several places: Wait/WaitV2 `timeout`, sprig's
`dateModify` and `ago`, and the `kes.io/timeout` annotations. One parser serves them all so the
same text means the same time, and a bad one gets Go's own error.
"""

from __future__ import annotations

import re
from typing import Final

_UNITS: Final = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5 micro sign
    "μs": 1_000,  # U+03BC Greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_PART: Final = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]*)")


class DurationError(ValueError):
    """Not a Go duration; the message is Go's (`time: invalid duration "x"`, …)."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_duration(text: str) -> int:
    """`time.ParseDuration`, in nanoseconds."""
    original = text
    sign = 1
    if text[:1] in ("-", "+"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        raise DurationError(f"time: invalid duration {_quote(original)}")
    total = 0
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
        scale = _UNITS[unit]
        total += int(whole or 0) * scale
        if fraction:
            total += int(fraction) * scale // (10 ** len(fraction))
        pos = match.end()
    return sign * total


def parse_seconds(text: str) -> float:
    """`time.ParseDuration`, in seconds."""
    return parse_duration(text) / 1_000_000_000


def format_duration(nanos: int) -> str:
    """`time.Duration.String()` (`1h2m3s`, `0s`, `1.5s`, `2ms`)."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    n = abs(nanos)
    if n < 1_000_000_000:
        for unit, scale in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if n >= scale:
                return sign + _fraction(n, scale) + unit
    hours, n = divmod(n, 3_600_000_000_000)
    minutes, n = divmod(n, 60_000_000_000)
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    return out + _fraction(n, 1_000_000_000) + "s"


def format_seconds(seconds: float) -> str:
    return format_duration(round(seconds * 1_000_000_000))


def _fraction(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")
