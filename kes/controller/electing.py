"""Leader election on a `coordination.k8s.io/v1` Lease: client-go's algorithm, in kes's terms.

Why not the `kubernetes` package's own `leaderelection` module: it locks a ConfigMap annotation
(no Lease lock), uses the library's global client, calls `sys.exit` on a bad setting, sleeps
without a way to stop, never releases, and measures the renew deadline from the start of each
renew round rather than from the last renewal. kes keeps client-go's rules instead, on its own
Lease adapter (``kes.adapters.k8s.leases``: optimistic concurrency on the Lease's
``resourceVersion``, a deadline on every call):

* a candidate takes the Lease when it does not exist, has no holder, or has not changed for
  ``leaseDurationSeconds`` as *this* replica observed it (local monotonic time, so clock skew
  between nodes does not matter); a 409 means another candidate won the race;
* the leader renews every retry period and stops leading the moment ``renew_deadline`` has
  passed since its last successful renewal, which is shorter than the lease duration the others
  wait: it has stopped before anyone else can start;
* a leader that shuts down releases the Lease (no holder, 1 s), so a follower takes over at
  once instead of after the lease duration.

The callbacks run on the election thread, so starting and stopping never overlap: ``on_started``
(return False when the takeover failed: the replica then steps down) and ``on_stopped(reason)``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable

from kes.adapters.k8s import client, errors, leases

logger = logging.getLogger(__name__)

DEFAULT_NAME = "kes-controller"
JITTER_FACTOR = 1.2  # client-go's: retries wait up to 1.2 retry periods
SHUTDOWN = "the controller is shutting down"


@dataclasses.dataclass(frozen=True)
class Settings:
    """The Lease and its timing (Kubernetes' defaults: 15 s, 10 s, 2 s)."""

    name: str = DEFAULT_NAME
    namespace: str = "default"
    duration_s: float = 15.0
    renew_deadline_s: float = 10.0
    retry_period_s: float = 2.0
    identity: str = ""

    @property
    def lease(self) -> str:
        return f"{self.namespace}/{self.name}"

    def problems(self) -> list[str]:
        """What is wrong with these settings (client-go's rules), one sentence each."""
        found = []
        if self.duration_s <= self.renew_deadline_s:
            found.append(
                f"the lease duration ({self.duration_s:g}s) must be greater than the renew "
                f"deadline ({self.renew_deadline_s:g}s)"
            )
        if self.renew_deadline_s <= JITTER_FACTOR * self.retry_period_s:
            found.append(
                f"the renew deadline ({self.renew_deadline_s:g}s) must be greater than "
                f"{JITTER_FACTOR:g} × the retry period ({self.retry_period_s:g}s)"
            )
        if self.duration_s < 1:
            found.append("the lease duration must be at least 1s (a Lease counts seconds)")
        if self.retry_period_s <= 0:
            found.append("the retry period must be greater than 0")
        if not self.name or not self.namespace:
            found.append("the Lease needs a name and a namespace")
        return found


def new_identity() -> str:
    """This replica's holder identity: the host (a pod's name) and a suffix unique per start."""
    return f"{socket.gethostname()}_{uuid.uuid4()}"


class Elector:
    """Campaigns for the Lease, leads while it renews it, and says when it starts and stops."""

    def __init__(
        self,
        *,
        api: client.Api,
        settings: Settings,
        on_started: Callable[[leases.LeaseRecord], bool],
        on_stopped: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Its own client, without retries: every Lease call must end by its deadline.
        self.api = api.without_retries()
        self.settings = settings
        self.identity = settings.identity or new_identity()
        self.on_started = on_started
        self.on_stopped = on_stopped
        self.clock = clock
        self.holder = ""  # the holder last observed ("" unknown or none)
        self._observed: leases.LeaseRecord | None = None
        self._observed_at = 0.0
        self._renewed_at = -math.inf
        self._leading = False
        self._resign_reason = ""
        self._resign = threading.Event()

    # --- what the rest of the controller asks ---------------------------------------------

    def leading(self) -> bool:
        """True while this replica leads and its last renewal is within the renew deadline
        (False at once when the deadline passes, even before the election thread notices)."""
        return self._leading and not self._resign.is_set() and (
            self.clock() < self._renewed_at + self.settings.renew_deadline_s
        )

    def resign(self, reason: str) -> None:
        """Stop leading as soon as possible (the event log refused this replica's term)."""
        self._resign_reason = reason
        self._resign.set()

    # --- the election thread ---------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Campaign, lead, campaign again…, until ``stop``; leading at stop, release."""
        logger.info(
            "Campaigning for Lease %s as %s (lease %gs, renew deadline %gs, retry %gs).",
            self.settings.lease, self.identity, self.settings.duration_s,
            self.settings.renew_deadline_s, self.settings.retry_period_s,
        )
        try:
            while self._acquire(stop):
                if self._term(stop) == SHUTDOWN:
                    self._release()
                    return
                if self._resign.is_set():
                    # The log has a newer term than the Lease showed: wait a whole lease before
                    # campaigning again, so two installations sharing a log cannot ping-pong.
                    self._resign.clear()
                    stop.wait(self.settings.duration_s)
        finally:
            self.api.close()

    def _term(self, stop: threading.Event) -> str:
        """One term: start, lead until it ends, stop; why it ended."""
        self._leading = True
        logger.info("Leading: took Lease %s as %s.", self.settings.lease, self.identity)
        try:
            started = self.on_started(self._observed or self._empty())
        except Exception:
            logger.exception("Taking over as leader failed.")
            started = False
        if started:
            reason = self._lead(stop)
        else:
            reason = "the takeover failed (see the log above)"
            self._resign.set()
        self._leading = False
        logger.info("Stopped leading Lease %s: %s.", self.settings.lease, reason)
        self.on_stopped(reason)
        return reason

    def _acquire(self, stop: threading.Event) -> bool:
        """Until this replica holds the Lease (True) or ``stop`` (False)."""
        while not stop.is_set():
            if self._try_acquire_or_renew(deadline=None):
                return True
            stop.wait(self._jittered())
        return False

    def _lead(self, stop: threading.Event) -> str:
        """Renew until the deadline passes, another holder appears, a resign, or ``stop``."""
        settings = self.settings
        while True:
            if self._pause(stop, settings.retry_period_s):
                return SHUTDOWN
            while True:
                if self._resign.is_set():
                    return self._resign_reason
                deadline = self._renewed_at + settings.renew_deadline_s
                if self.clock() >= deadline:
                    return (
                        f"the Lease was not renewed within the renew deadline "
                        f"({settings.renew_deadline_s:g}s)"
                    )
                if self._try_acquire_or_renew(deadline=deadline):
                    break
                if self.holder and self.holder != self.identity:
                    return f'the Lease is held by "{self.holder}"'
                if self._pause(stop, min(settings.retry_period_s, deadline - self.clock())):
                    return SHUTDOWN

    def _pause(self, stop: threading.Event, seconds: float) -> bool:
        """Wait ``seconds``, less if a resign comes; True when ``stop`` is set."""
        deadline = self.clock() + seconds
        while not stop.is_set():
            left = deadline - self.clock()
            if left <= 0 or self._resign.wait(min(left, 0.1)):
                return stop.is_set()
        return True

    def _jittered(self) -> float:
        period = self.settings.retry_period_s
        return period + random.uniform(0, (JITTER_FACTOR - 1) * period)  # noqa: S311

    def _timeout(self, deadline: float | None) -> float:
        """A call's deadline: the time left until ``deadline`` (a leader's renew deadline), or
        a retry period for a candidate."""
        if deadline is None:
            return max(1.0, self.settings.retry_period_s)
        return max(0.05, deadline - self.clock())

    def _empty(self) -> leases.LeaseRecord:
        return leases.LeaseRecord(
            holder="", duration_s=0, acquire_time=None, renew_time=None, transitions=0
        )

    def _try_acquire_or_renew(self, *, deadline: float | None) -> bool:
        """One round of client-go's tryAcquireOrRenew; True when this replica holds the Lease."""
        settings = self.settings
        # A renewal counts from when it was sent: the others' wait starts no earlier.
        sent = self.clock()
        now = dt.datetime.now(dt.UTC)
        desired = leases.LeaseRecord(
            holder=self.identity, duration_s=math.ceil(settings.duration_s),
            acquire_time=now, renew_time=now, transitions=0,
        )
        try:
            current = leases.get(
                self.api, namespace=settings.namespace, name=settings.name,
                timeout_s=self._timeout(deadline),
            )
            if current is None:
                self._took(leases.create(
                    self.api, namespace=settings.namespace, name=settings.name,
                    record=desired, timeout_s=self._timeout(deadline),
                ), sent=sent)
                return True
            observed_now = self.clock()
            if self._observed is None or current.resource_version != (
                self._observed.resource_version
            ):
                self._observed, self._observed_at = current, observed_now
                self._see_holder(current.holder)
            lease_s = current.duration_s or settings.duration_s
            if current.holder and current.holder != self.identity and (
                self._leading or observed_now < self._observed_at + lease_s
            ):
                return False  # held by another (a leader that sees that has lost it)
            if current.holder == self.identity:
                desired = dataclasses.replace(
                    desired, acquire_time=current.acquire_time or now,
                    transitions=current.transitions,
                )
            else:
                desired = dataclasses.replace(desired, transitions=current.transitions + 1)
            desired = dataclasses.replace(desired, resource_version=current.resource_version)
            self._took(leases.replace(
                self.api, namespace=settings.namespace, name=settings.name, record=desired,
                timeout_s=self._timeout(deadline),
            ), sent=sent)
            return True
        except errors.ApiConflictError:
            return False  # another candidate wrote the Lease first: read it again next round
        except errors.ApiError as exc:
            # A follower's failed try is routine; a refusal by RBAC is not: it can never lead.
            loud = self._leading or isinstance(exc, errors.ApiForbiddenError)
            logger.log(logging.WARNING if loud else logging.DEBUG,
                       "Lease %s not renewed: %s", settings.lease, exc)
            return False
        except Exception as exc:  # the client's own failures (a TLS EOF it cannot decode)
            # The election thread must outlive any one call: it is what stops the work.
            logger.warning("Lease %s not renewed: %s", settings.lease, type(exc).__name__)
            return False

    def _took(self, record: leases.LeaseRecord, *, sent: float) -> None:
        self._observed, self._observed_at = record, self.clock()
        self._renewed_at = sent
        self._see_holder(record.holder)

    def _see_holder(self, holder: str) -> None:
        if holder != self.holder and holder != self.identity:
            logger.info(
                "Lease %s is held by %s; following.", self.settings.lease, holder or "nobody"
            )
        self.holder = holder

    def _release(self) -> None:
        """Give the Lease up (no holder, 1 s) so a follower need not wait for it to expire."""
        settings = self.settings
        try:
            current = leases.get(
                self.api, namespace=settings.namespace, name=settings.name,
                timeout_s=self._timeout(None),
            )
            if current is None or current.holder != self.identity:
                return
            now = dt.datetime.now(dt.UTC)
            leases.replace(
                self.api, namespace=settings.namespace, name=settings.name,
                record=dataclasses.replace(
                    current, holder="", duration_s=1, acquire_time=now, renew_time=now
                ),
                timeout_s=self._timeout(None),
            )
            logger.info("Released Lease %s.", settings.lease)
        except errors.ApiError as exc:
            logger.warning("Could not release Lease %s: %s", settings.lease, exc)
        except Exception as exc:  # the client's own failures, as when renewing
            logger.warning("Could not release Lease %s: %s", settings.lease, type(exc).__name__)
