"""The tests' one way to wait: poll a predicate until it answers, or fail saying what for.

Tests never sleep a fixed time to let something happen; they wait for it with a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], Any], *, timeout: float = 60, what: str = "condition",
             interval: float = 0.1) -> Any:
    """Poll `predicate` until it returns something truthy (returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:g} s waiting for {what}.")
        time.sleep(interval)
