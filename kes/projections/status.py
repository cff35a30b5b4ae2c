"""The status projection: each run's Kanister-shaped status, written to its custom resource.

The status is recomputed from the aggregate (`status_of`), never edited incrementally, so writing
it twice is harmless. Bursts are coalesced: a run is written at most once per `interval_s`, and
the last state is always written (the run stays dirty until its write succeeds).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, customresources, errors
from kes.domain import actionset, status
from kes.projections import following

logger = logging.getLogger(__name__)


class StatusProjection(following.Follower):
    name = "status"

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        interval_s: float = 0.2,
        on_write: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(app=app)
        self.api = api
        self.interval_s = interval_s
        self.dirty: set[UUID] = set()
        self.last_write: dict[UUID, float] = {}
        self.last_status: dict[UUID, dict[str, Any]] = {}
        self.on_write = on_write
        self._lock = threading.Lock()

    def pending(self) -> int:
        return len(self.dirty)

    def apply(self, event: Any, *, notification_id: int) -> None:
        self.dirty.add(event.originator_id)

    def flush(self) -> bool:
        now = time.monotonic()
        for run_id in sorted(self.dirty, key=str):
            if now - self.last_write.get(run_id, 0.0) < self.interval_s:
                continue
            if self._write(run_id):
                self.dirty.discard(run_id)
                self.last_write[run_id] = now
        return not self.dirty

    def write_now(self, run_id: UUID) -> bool:
        """Write the run's status at once (before its finalizer goes); False if it failed."""
        if self._write(run_id):
            self.dirty.discard(run_id)
            return True
        return False

    def _write(self, run_id: UUID) -> bool:
        with self._lock:
            return self._write_locked(run_id)

    def _write_locked(self, run_id: UUID) -> bool:
        try:
            run = self.app.run(run_id)
        except application.RunNotFoundError:
            return True
        if not isinstance(run, actionset.ActionSetRun):
            return True
        body = status.status_of(run)
        if self.last_status.get(run_id) == body:
            return True
        try:
            customresources.patch_status(
                self.api, resource="actionsets", namespace=run.namespace, name=run.name, status=body
            )
        except errors.ApiNotFoundError:
            return True  # the ActionSet is gone; the log keeps its story
        except errors.ApiError as exc:
            logger.warning(
                "Writing the status of %s/%s failed: %s. Retrying.", run.namespace, run.name, exc
            )
            return False
        self.on_write()
        self.last_status[run_id] = body
        return True
