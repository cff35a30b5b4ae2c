"""Go's time.Duration text: ``time.ParseDuration`` syntax and ``Duration.String()`` output.

``dateModify "-1.5h"`` parses a Go duration and ``ago`` prints one (``1h2m3s``); both follow Go's
rules so templates written for Kanister produce the same text.
"""

from __future__ import annotations

import re
from typing import Final


class DurationError(ValueError):
    """The text is not a Go duration (``time: invalid duration "…"``)."""


_DURATION_UNITS: Final = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART: Final = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """time.ParseDuration in nanoseconds; DurationError when Go would refuse it."""
    body = text
    sign = 1
    if body and body[0] in "+-":
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise DurationError(f'time: invalid duration "{text}"')
    total = 0
    pos = 0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        if match is None:
            raise DurationError(f'time: invalid duration "{text}"')
        number, unit = match.group(1), match.group(2)
        whole, _, frac = number.partition(".")
        scale = _DURATION_UNITS[unit]
        total += int(whole or 0) * scale
        if frac:
            total += int(frac) * scale // (10 ** len(frac))
        pos = match.end()
    return sign * total


def format_duration(nanos: int) -> str:
    """time.Duration.String() (``1h2m3s``, ``0s``, ``1.5s``, ``2ms``)."""
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


def _fraction(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")
