"""A follower's warm cache: the runs in memory, kept current from the log the leader writes.

When this replica takes over it resumes every unfinished run; if those runs are already in
memory at their newest version, the takeover costs no replay. So a follower loads the runs that
are not finished, then follows the notification log (``KesApplication.keep_up``). A replica
that steps down forgets its cache first: what it holds may be older than what the new leader
writes, and a stale cache is never trusted (a write from it would conflict anyway).
"""

from __future__ import annotations

from kes import application


class Warmer:
    def __init__(self, *, app: application.KesApplication) -> None:
        self.app = app
        self.position = 0
        self.warm = False  # caught up with the log at least once since the last reset
        self.stale = False  # reset on the next step (this replica just stepped down)

    def reset(self) -> None:
        """Forget the cache and load the unfinished runs again (becoming a follower)."""
        self.warm = self.stale = False
        self.position = self.app.head()  # first: nothing recorded after it is missed
        self.app.forget_all()
        self.app.list_runs(terminal=False)  # loads (and keeps) every run it looks at

    def step(self) -> None:
        """Apply what was recorded since the last step (the projection thread calls it)."""
        if self.stale:
            self.reset()
        head = self.app.head()
        while self.position < head:
            reached = self.app.keep_up(after=self.position)
            if reached == self.position:
                break
            self.position = reached
        self.warm = True
