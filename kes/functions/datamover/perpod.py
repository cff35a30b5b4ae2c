"""Doing one thing per pod in parallel, as BackupDataAll and RestoreDataAll do (a goroutine each).

Every pod's work runs to its end; the errors are then joined with newlines, each naming its pod
(Kanister wraps them with `Failed to … for pod` and the pod as a field only its logs show).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from kes.functions import base

T = TypeVar("T")


def run(pods: Sequence[str], work: Callable[[str], T], *, failure: str) -> dict[str, T]:
    """`work(pod)` for every pod at once; the results by pod, or one error listing each failure.

    A cancellation wins over other failures, so a cancelled phase is reported as cancelled.
    """
    if not pods:
        return {}
    results: dict[str, T] = {}
    errors: list[str] = []
    cancelled = False
    with ThreadPoolExecutor(max_workers=len(pods), thread_name_prefix="perpod") as pool:
        futures = {pod: pool.submit(work, pod) for pod in pods}
        for pod, future in futures.items():
            try:
                results[pod] = future.result()
            except base.FunctionCancelledError:
                cancelled = True
            except base.FunctionError as exc:
                errors.append(f"{failure} for pod {pod}: {exc}")
    if cancelled:
        raise base.FunctionCancelledError()
    if errors:
        raise base.FunctionError("\n".join(errors))
    return results
