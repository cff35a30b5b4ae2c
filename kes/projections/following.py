"""Follow the application's notification log from a tracked position.

Every projection is a `Follower`: it reads the events recorded after its last position, hands
each to `apply`, then records the new position in the store's tracking table (eventsourcing's
tracking recorder), so a restarted controller resumes where the projection stopped. Applying an
event twice must be harmless (DESIGN rule 3): positions are recorded after the side effects.
Each projection runs on a thread of its own (`start_each`): a Kubernetes Event write that hangs
until its timeout delays the next Events, never a status write or the metrics.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from eventsourcing import persistence as es_persistence

from kes import application

logger = logging.getLogger(__name__)

BATCH = 500


class Follower:
    """Base class: subclasses set `name` and implement `apply` (and optionally `flush`)."""

    name = "projection"

    def __init__(self, *, app: application.KesApplication) -> None:
        self.app = app
        self.tracking = app.factory.tracking_recorder()
        self.position = self.tracking.max_tracking_id(self.name) or 0
        self.wakeup = threading.Event()

    def apply(self, event: Any, *, notification_id: int) -> None:
        raise NotImplementedError

    def flush(self) -> bool:
        """Write out what `apply` buffered; True when nothing is left pending."""
        return True

    def catch_up(self) -> int:
        """Apply every event recorded since the position; the number applied."""
        applied = 0
        while True:
            notifications = self.app.recorder.select_notifications(
                start=self.position + 1, limit=BATCH
            )
            if not notifications:
                break
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                self.apply(event, notification_id=notification.id)
                applied += 1
            self.position = notifications[-1].id
        if self.flush():
            self._record(self.position)
        return applied

    def _record(self, notification_id: int) -> None:
        if notification_id <= 0 or notification_id <= (
            self.tracking.max_tracking_id(self.name) or 0
        ):
            return
        try:
            self.tracking.insert_tracking(
                es_persistence.Tracking(application_name=self.name, notification_id=notification_id)
            )
        except es_persistence.IntegrityError:
            logger.debug("Position %d of %s was already recorded.", notification_id, self.name)

    def pending(self) -> int:
        """Writes applied but not done yet (coalesced, or waiting for a retry)."""
        return 0

    def lag(self) -> int:
        """How many recorded events (or buffered writes) this projection has not finished."""
        last = self.app.recorder.max_notification_id() or 0
        return max(0, last - self.position) + self.pending()


def start_each(followers: list[Follower], *, stop: threading.Event) -> list[threading.Thread]:
    """One `run_forever` thread per follower (daemons, ended by `stop`)."""
    threads = []
    for follower in followers:
        thread = threading.Thread(target=run_forever, args=([follower],), kwargs={"stop": stop},
                                  name=f"projection-{follower.name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def run_forever(
    followers: list[Follower], *, stop: threading.Event, interval_s: float = 0.05
) -> None:
    """The projection thread: catch every follower up, then wait for new events or a tick."""
    while not stop.is_set():
        for follower in followers:
            try:
                follower.catch_up()
            except Exception:
                logger.exception("Projection %s failed; retrying.", follower.name)
        stop.wait(interval_s)
