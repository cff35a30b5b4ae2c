"""Follow the application's notification log from a tracked position.

Every projection is a `Follower`: it reads the events recorded after its last position, hands
each to `apply`, then records the new position in the store's tracking table (eventsourcing's
tracking recorder), so a restarted controller resumes where the projection stopped. Applying an
event twice must be harmless (DESIGN rule 3): positions are recorded after the side effects.
Each projection runs on a thread of its own (`start_each`): a Kubernetes Event write that hangs
until its timeout delays the next Events, never a status write or the metrics.

With several replicas only the leader projects (writes the cluster and records positions; the
positions are shared through the store). A follower *shadows*: it reads the log up to the
position the leader recorded and notes what that means (``observe``: the status projection
learns which run versions have been shown), writing nothing. When it takes over, each projection
``lead``s: it forgets what it buffered in an earlier term and goes on from the recorded
position, so what the old leader applied but had not recorded is applied again (harmlessly).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
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
        # Whether this replica may write (it leads); checked before every write it makes.
        self.leading: Callable[[], bool] = lambda: True

    def apply(self, event: Any, *, notification_id: int) -> None:
        raise NotImplementedError

    def observe(self, event: Any, *, notification_id: int) -> None:
        """A follower's note of an event the leader has projected (default: nothing)."""

    def reset(self) -> None:
        """Forget what an earlier term buffered (default: nothing is kept)."""

    def lead(self) -> None:
        """This replica takes over: go on from the position the leader recorded."""
        self.reset()
        self.position = self.tracking.max_tracking_id(self.name) or 0

    def shadow(self) -> int:
        """A follower's pass: observe every event up to the leader's recorded position."""
        recorded = self.tracking.max_tracking_id(self.name) or 0
        observed = 0
        while self.position < recorded:
            notifications = self.app.recorder.select_notifications(
                start=self.position + 1, limit=BATCH, stop=recorded
            )
            if not notifications:
                break
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                self.observe(event, notification_id=notification.id)
                observed += 1
            self.position = notifications[-1].id
        self.position = max(self.position, recorded)
        return observed

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
        if not self.leading():
            return
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


def start_each(
    followers: list[Follower],
    *,
    stop: threading.Event,
    leading: Callable[[], bool] = lambda: True,
    generation: Callable[[], int] = lambda: 0,
    following: Callable[[], object] = lambda: None,
) -> list[threading.Thread]:
    """One `run_forever` thread per follower (daemons, ended by `stop`); the first one also
    does `following`'s chores while this replica does not lead."""
    threads = []
    for index, follower in enumerate(followers):
        chores = following if index == 0 else (lambda: None)
        thread = threading.Thread(
            target=run_forever, args=([follower],),
            kwargs={"stop": stop, "leading": leading, "generation": generation,
                    "following": chores},
            name=f"projection-{follower.name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def run_forever(
    followers: list[Follower],
    *,
    stop: threading.Event,
    interval_s: float = 0.05,
    leading: Callable[[], bool] = lambda: True,
    generation: Callable[[], int] = lambda: 0,
    following: Callable[[], object] = lambda: None,
) -> None:
    """The projection thread: while leading, catch every follower up; otherwise shadow the
    leader and call ``following`` (the follower's other chores); then wait for a tick."""
    led: int | None = None  # the takeover this thread last led from
    for follower in followers:
        follower.leading = leading
    while not stop.is_set():
        is_leading = leading()
        if is_leading and led != generation():
            led = generation()
            for follower in followers:
                follower.lead()
        elif not is_leading:
            led = None
        for follower in followers:
            try:
                if is_leading:
                    follower.catch_up()
                else:
                    follower.shadow()
            except Exception:
                logger.exception("Projection %s failed; retrying.", follower.name)
        if not is_leading:
            try:
                following()
            except Exception:
                logger.exception("Following the log failed; retrying.")
        stop.wait(interval_s)
