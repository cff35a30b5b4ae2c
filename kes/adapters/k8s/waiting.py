"""Waiting on the API without sleeping blind: poll a condition with backoff, wake on cancel.

Every wait in the adapter goes through `poll`, so cancellation (an ActionSet deleted or timed out)
interrupts it within one backoff step, and an optional deadline bounds it. A transient API failure
(5xx, 429, a timeout) during a check is not the answer to the wait: it is logged and the wait goes
on, so one lost answer never fails a phase whose pod is fine.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from kes.adapters.k8s import errors

logger = logging.getLogger(__name__)

T = TypeVar("T")


class WaitCancelledError(errors.ApiError):
    """The caller's cancel event was set while waiting."""


class WaitTimeoutError(errors.ApiError):
    """The condition did not hold before the deadline."""


def poll(
    check: Callable[[], T | None],
    *,
    cancel: threading.Event | None,
    timeout: float | None = None,
    what: str = "condition",
    first_delay: float = 0.02,
    max_delay: float = 0.5,
) -> T:
    """Call `check` until it returns something other than None; return that value.

    Raises `WaitCancelledError` once `cancel` is set and `WaitTimeoutError` after `timeout`
    seconds; exceptions from `check` propagate (they decide a terminal failure), except
    transient API failures, after which the wait goes on.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    delay = first_delay
    while True:
        if cancel is not None and cancel.is_set():
            raise WaitCancelledError(f"Cancelled while waiting for {what}.")
        try:
            result = check()
        except errors.ApiUnavailableError as exc:
            logger.warning("Checking %s failed: %s. Still waiting.", what, exc)
            result = None
        if result is not None:
            return result
        pause = delay
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeoutError(f"Timed out after {timeout:g}s waiting for {what}.")
            pause = min(pause, remaining)
        if cancel is not None:
            cancel.wait(pause)
        else:
            threading.Event().wait(pause)
        delay = min(delay * 2, max_delay)
