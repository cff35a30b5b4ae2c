"""Timeouts from ActionSet annotations (`kes.io/timeout`, `kes.io/phase-timeout`), Go durations.

Kanister has no timeouts (its issue #1175); kes reads them from annotations so the CR schema
stays Kanister's. Values use Go's duration syntax (`90s`, `5m`, `1h30m`), as Kanister's own
Wait `timeout` arg does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timeouts:
    """Seconds; None = no limit. Annotations on the ActionSet override the controller defaults."""

    phase_s: float | None = None
    actionset_s: float | None = None


ACTIONSET_TIMEOUT = "kes.io/timeout"
PHASE_TIMEOUT = "kes.io/phase-timeout"

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


class DurationError(ValueError):
    pass


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string; DurationError with Go's wording when it is not one."""
    value = text.strip()
    if value in ("0", ""):
        if value == "":
            raise DurationError('time: invalid duration ""')
        return 0.0
    position, total = 0, 0.0
    while position < len(value):
        match = _PART.match(value, position)
        if match is None:
            raise DurationError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    return total


def format_duration(seconds: float) -> str:
    """Go's `time.Duration.String()` for whole and fractional seconds (`2s`, `1m30s`, `1.5s`)."""
    if seconds == 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def from_annotations(annotations: Mapping[str, str] | None, *, defaults: Timeouts) -> Timeouts:
    """The run's timeouts: annotations win over the controller defaults."""
    annotations = annotations or {}
    phase = defaults.phase_s
    actionset = defaults.actionset_s
    if PHASE_TIMEOUT in annotations:
        phase = parse_duration(annotations[PHASE_TIMEOUT])
    if ACTIONSET_TIMEOUT in annotations:
        actionset = parse_duration(annotations[ACTIONSET_TIMEOUT])
    return Timeouts(phase_s=phase or None, actionset_s=actionset or None)
