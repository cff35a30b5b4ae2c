"""The status projection: each run's Kanister-shaped status, written to its custom resource.

This is the only writer of ActionSet status. The status is recomputed from the aggregate
(`status_of`), never edited incrementally, so writing it twice is harmless. Bursts are
coalesced: a run is written at most once per `interval_s`, and the last state is always written
(the run stays dirty until its write succeeds). The reconciler removes its finalizer only once
this projection has shown the end of the run (`shows`); it may ask for a write it is waiting on
(`request`), and is told (`on_shown_terminal`) when a finished run's status is out.
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
from kes.storage import crashpoints

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
        on_shown_terminal: Callable[[str], None] = lambda _key: None,
    ) -> None:
        super().__init__(app=app)
        self.api = api
        self.interval_s = interval_s
        self.dirty: set[UUID] = set()
        self.last_write: dict[UUID, float] = {}
        self.last_status: dict[UUID, dict[str, Any]] = {}
        self.shown_version: dict[UUID, int] = {}
        self.on_write = on_write
        self.on_shown_terminal = on_shown_terminal
        self._lock = threading.Lock()

    def pending(self) -> int:
        with self._lock:
            return len(self.dirty)

    def apply(self, event: Any, *, notification_id: int) -> None:
        with self._lock:
            self.dirty.add(event.originator_id)

    def observe(self, event: Any, *, notification_id: int) -> None:
        """A follower: the leader recorded this position after writing, so it was shown."""
        with self._lock:
            shown = self.shown_version.get(event.originator_id, 0)
            self.shown_version[event.originator_id] = max(shown, event.originator_version)

    def reset(self) -> None:
        with self._lock:
            self.dirty.clear()
        self.last_status.clear()
        self.last_write.clear()

    def request(self, run_id: UUID) -> None:
        """Write this run's status on the next flush (the reconciler waits for its end)."""
        with self._lock:
            self.dirty.add(run_id)
        self.wakeup.set()

    def shows(self, run_id: UUID, version: int) -> bool:
        """Whether the status written for the run reflects at least this version of it."""
        with self._lock:
            return self.shown_version.get(run_id, 0) >= version

    def flush(self) -> bool:
        now = time.monotonic()
        with self._lock:
            candidates = sorted(self.dirty, key=str)
        for run_id in candidates:
            if now - self.last_write.get(run_id, 0.0) < self.interval_s:
                continue
            if self._write(run_id):
                with self._lock:
                    self.dirty.discard(run_id)
                self.last_write[run_id] = now
        with self._lock:
            return not self.dirty

    def _write(self, run_id: UUID) -> bool:
        if not self.leading():
            return False  # stays dirty; the next leader writes it
        try:
            run = self.app.run(run_id)
        except application.RunNotFoundError:
            return True
        if not isinstance(run, actionset.ActionSetRun):
            return True
        body = status.status_of(run)
        if self.last_status.get(run_id) != body:
            try:
                crashpoints.reach("status-before", "actionset")
                customresources.patch_status(
                    self.api, resource="actionsets", namespace=run.namespace, name=run.name,
                    status=body,
                )
                crashpoints.reach("status-after", "actionset")
            except errors.ApiNotFoundError:
                pass  # the ActionSet is gone; the log keeps its story
            except errors.ApiError as exc:
                logger.warning(
                    "Writing the status of %s/%s failed: %s. Retrying.",
                    run.namespace, run.name, exc,
                )
                return False
            else:
                self.on_write()
            self.last_status[run_id] = body
        with self._lock:
            self.shown_version[run_id] = run.version
        if run.is_terminal:
            self.on_shown_terminal(f"{run.namespace}/{run.name}")
        return True
