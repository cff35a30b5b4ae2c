"""Progress of a running phase, recorded as ``PhaseProgressed`` events on Kanister's ticker.

Kanister copies each function's ``ExecutionProgress()`` into the phase's status every 5 s while
it runs (reference/kanister.md 3.2). kes does the same through the log: a function reports its
percentage through ``ctx.on_progress``, and a ticker records the latest value as an event when
it changed since the last one. A function that reports nothing counts as 0, as every Kanister
function sets 0 when it starts, so the status shows a running phase at 0 after the first tick.
The ticker is stopped (and joined) before the phase's end is recorded, so a progress event
never follows the end.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from uuid import UUID

from kes import application
from kes.domain import events

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 5.0  # Kanister's pollDuration


class PhaseProgress:
    def __init__(
        self,
        *,
        app: application.KesApplication,
        run_id: UUID,
        action_index: int,
        phase_name: str,
        attempt: int | None = None,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self.app = app
        self.attempt = attempt
        self.run_id = run_id
        self.action_index = action_index
        self.phase_name = phase_name
        self.interval_s = interval_s
        self._latest: int | None = None
        self._recorded: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._tick, name=f"progress-{phase_name}", daemon=True
        )

    def report(self, percent: int) -> None:
        """`ctx.on_progress`: the function's own progress, 0..100."""
        self._latest = max(0, min(100, int(percent)))

    def start(self) -> None:
        if self.interval_s > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval_s):
            value = self._latest if self._latest is not None else 0
            if value == self._recorded:
                continue
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            try:
                self.app.progress_phase(
                    self.run_id, action_index=self.action_index, phase_name=self.phase_name,
                    progress={"progressPercent": str(value), "lastTransitionTime": now},
                    attempt=self.attempt,
                )
            except (events.DomainError, application.KesApplicationError) as exc:
                logger.debug("Progress of phase %s not recorded: %s", self.phase_name, exc)
                return
            self._recorded = value
