"""Pods that must go, whatever happened: deleted by label now, and again until none is left.

A phase's pods carry `kes.io/run` and `kes.io/phase`. When the phase ends (completed, failed,
cancelled, timed out, or found interrupted after a crash) the controller sweeps them by that
selector. A sweep that fails (the API is down, every retry answered 5xx) is not forgotten: a
background thread repeats it until the selector matches nothing, so no pod runs on unwatched.
"""

from __future__ import annotations

import logging
import threading

from kes.adapters.k8s import client, errors, pods

logger = logging.getLogger(__name__)

RETRY_INTERVAL_S = 2.0


class PodSweeper:
    def __init__(self, api: client.Api, *, interval_s: float = RETRY_INTERVAL_S) -> None:
        self.api = api
        self.interval_s = interval_s
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def sweep(self, selector: str) -> list[str]:
        """Delete the pods matching `selector`; their namespace/names. On failure the sweep is
        repeated in the background and nothing is raised."""
        try:
            return pods.delete_labelled(self.api, label_selector=selector)
        except errors.ApiError as exc:
            logger.warning("Deleting the pods %s failed: %s. Retrying in the background.",
                           selector, exc)
            self._later(selector)
            return []

    def pending(self) -> set[str]:
        with self._lock:
            return set(self._pending)

    def stop(self) -> None:
        self._stop.set()

    def _later(self, selector: str) -> None:
        with self._lock:
            self._pending.add(selector)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pod-sweeper",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            with self._lock:
                selectors = sorted(self._pending)
                if not selectors:
                    self._thread = None  # under the lock: `_later` starts a new one
                    return
            for selector in selectors:
                try:
                    deleted = pods.delete_labelled(self.api, label_selector=selector)
                except errors.ApiError as exc:
                    logger.warning("Deleting the pods %s failed again: %s.", selector, exc)
                    continue
                logger.info("Deleted the pods %s left behind: %s.", selector,
                            ", ".join(deleted) or "none were left")
                with self._lock:
                    self._pending.discard(selector)
