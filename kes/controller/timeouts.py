"""Timeouts from ActionSet annotations (`kes.io/timeout`, `kes.io/phase-timeout`), Go durations.

Kanister has no timeouts (its issue #1175); kes reads them from annotations so the CR schema
stays Kanister's. Values use Go's duration syntax (`90s`, `5m`, `1h30m`), as Kanister's own
Wait `timeout` arg does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kes.domain import durations

ACTIONSET_TIMEOUT = "kes.io/timeout"
PHASE_TIMEOUT = "kes.io/phase-timeout"


@dataclass(frozen=True)
class Timeouts:
    """Seconds; None = no limit. Annotations on the ActionSet override the controller defaults."""

    phase_s: float | None = None
    actionset_s: float | None = None


def from_annotations(annotations: Mapping[str, str] | None, *, defaults: Timeouts) -> Timeouts:
    """The run's timeouts: annotations win over the controller defaults.

    Raises `durations.DurationError` (Go's message) for a value that is not a duration.
    """
    annotations = annotations or {}
    phase = defaults.phase_s
    actionset = defaults.actionset_s
    if PHASE_TIMEOUT in annotations:
        phase = durations.parse_seconds(annotations[PHASE_TIMEOUT])
    if ACTIONSET_TIMEOUT in annotations:
        actionset = durations.parse_seconds(annotations[ACTIONSET_TIMEOUT])
    return Timeouts(phase_s=phase or None, actionset_s=actionset or None)
