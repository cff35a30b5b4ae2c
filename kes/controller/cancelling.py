"""Cancellation scopes: one per run, one per phase, with the reason that ended them.

A phase's function watches one `threading.Event`. It must fire when the ActionSet is deleted
(the run scope) and when the phase or the whole ActionSet runs out of time, and the executor has
to know which of those happened to record the right event. A scope is that event plus its reason.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

DELETED = "deleted"
TIMED_OUT = "phase timed out"
ACTIONSET_TIMED_OUT = "actionset timed out"
STOPPING = "controller stopping"  # nothing is recorded: a restart resumes from the log
# This replica lost the Lease: it records nothing more; the new leader's restart recovery
# resolves what it left running (decide, then act: the start is already in the log).
LOST_LEADERSHIP = "leadership lost"
UNRECORDED = frozenset({STOPPING, LOST_LEADERSHIP})  # reasons that end a phase unrecorded


@dataclass
class CancelScope:
    event: threading.Event = field(default_factory=threading.Event)
    reason: str = ""
    children: list[CancelScope] = field(default_factory=list)
    # Reasons this scope takes from its parent; None = every reason.
    follows: frozenset[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _timers: list[threading.Timer] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def cancel(self, reason: str) -> None:
        with self._lock:
            if not self.event.is_set():
                self.reason = reason
                self.event.set()
            children = list(self.children)
        for child in children:
            if child.follows is None or reason in child.follows:
                child.cancel(reason)

    def child(
        self, *, timeout_s: float | None = None, timeout_reason: str = TIMED_OUT
    ) -> CancelScope:
        """A scope cancelled with this one, or on its own after `timeout_s` seconds."""
        scope = CancelScope()
        with self._lock:
            self.children.append(scope)
            already = self.event.is_set()
        if already:
            scope.cancel(self.reason)
        if timeout_s is not None and timeout_s > 0:
            timer = threading.Timer(timeout_s, scope.cancel, args=(timeout_reason,))
            timer.daemon = True
            timer.start()
            scope._timers.append(timer)
        return scope

    def detached(self, *, follows: frozenset[str] = UNRECORDED) -> CancelScope:
        """A scope cancelled with this one only for `follows` reasons (the deferPhase runs after
        a cancellation or a timeout, but stops with the controller or its leadership)."""
        scope = CancelScope(follows=follows)
        with self._lock:
            self.children.append(scope)
            reason = self.reason if self.event.is_set() else None
        if reason is not None and reason in follows:
            scope.cancel(reason)
        return scope

    def close(self) -> None:
        """Stop the timers of this scope (the phase ended); detach it from nothing else."""
        for timer in self._timers:
            timer.cancel()
