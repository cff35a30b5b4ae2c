"""Retrying transient API failures with backoff, wherever repeating the call is safe.

A 5xx, a 429, a timeout or a dropped connection says nothing about the object: the server may be
restarting, overloaded, or may have done the work and lost the answer. Reads, waits and log reads
can simply be repeated; so can writes whose second application changes nothing (a merge patch of
a computed status, a delete, a scale to a fixed count). Creates are repeated only where a retry
cannot make a twin (`objects.create_once`). A 409 whose reason is `Conflict` (not
`AlreadyExists`) is transient for such writes too: the next attempt reads the current version.

Backoff doubles from `first_delay` to `max_delay` with jitter, for at most `attempts` calls, and
wakes at once when the caller's cancel event is set (the last error is then raised).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from kes.adapters.k8s import errors

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    attempts: int = 8
    first_delay: float = 0.05
    max_delay: float = 2.0

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt number `attempt` (1-based), with jitter."""
        base = min(self.max_delay, self.first_delay * (2 ** (attempt - 1)))
        return float(base * random.uniform(0.5, 1.0))  # noqa: S311 (jitter, not cryptography)


DEFAULT = Policy()


def is_transient(exc: BaseException, *, conflicts: bool = False) -> bool:
    """Whether trying the same call again may succeed (`conflicts`: a 409 Conflict counts)."""
    if isinstance(exc, errors.ApiUnavailableError):
        return True
    return conflicts and isinstance(exc, errors.ApiConflictError) and exc.reason != "AlreadyExists"


def call(
    attempt: Callable[[], T],
    *,
    what: str,
    policy: Policy = DEFAULT,
    cancel: threading.Event | None = None,
    conflicts: bool = False,
) -> T:
    """`attempt()`, repeated after transient failures; the last error when they do not stop."""
    number = 1
    while True:
        try:
            return attempt()
        except errors.ApiError as exc:
            if number >= policy.attempts or not is_transient(exc, conflicts=conflicts):
                raise
            pause = policy.delay(number)
            logger.warning(
                "%s failed: %s. Retrying in %.2f s (attempt %d of %d).",
                what, exc, pause, number + 1, policy.attempts,
            )
            if cancel is not None:
                if cancel.wait(pause):
                    raise
            else:
                threading.Event().wait(pause)
            number += 1
