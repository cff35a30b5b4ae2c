"""The leadership use cases: record a replica's term, fence its appends to it, end it.

The Lease decides who leads (``kes.controller.electing``); these use cases make the shared log
the second guard. :meth:`LeadershipUseCases.take_leadership` records a new term unfenced (a new
term overrides whatever was before it) and fences every later append of this process to it;
:meth:`LeadershipUseCases.end_leadership` records, under that same fence, that the replica has
stopped, so a stale replica cannot record even that once another has taken over. In between, a
replica that stepped down refuses its own appends (``refuse_writes``) before the store would.
"""

from __future__ import annotations

import datetime as dt

from kes import storage
from kes.application import errors, log
from kes.domain import leadership


class LeadershipUseCases(log.EventLog):
    """Terms of the replicas sharing this log (one chain per log)."""

    def take_leadership(self, *, lease: str, holder: str, lease_transitions: int) -> int:
        """Record a new term for ``holder`` and fence every later append to it; its number."""
        leadership_id = leadership.Leadership.id_for()
        self.create(leadership.Leadership.open(), fence=None)
        taken: leadership.Leadership = self.execute(
            leadership_id,
            lambda chain: chain.take(
                holder=holder, lease=lease, lease_transitions=lease_transitions
            ),
            fence=None,
        )
        self.fence_to(
            storage.Fence(aggregate_id=leadership_id, version=taken.term_version),
            writer=f'holder "{holder}", term {taken.terms} of Lease {lease}',
        )
        return int(taken.terms)

    def end_leadership(
        self, *, holder: str, reason: str, stopped_at: dt.datetime | None = None
    ) -> bool:
        """Record that ``holder`` stopped leading (at ``stopped_at``, default now), under its
        own term's fence, and refuse every later append; False when a newer term was recorded
        first (nothing recorded then)."""
        stopped = stopped_at or dt.datetime.now(dt.UTC)
        fence = self._fence
        self.refuse_writes(reason)
        if fence is None:
            return False
        self._fence = None
        try:
            self.execute(
                leadership.Leadership.id_for(),
                lambda chain: chain.end(holder=holder, reason=reason, stopped_at=stopped),
                fence=fence,
            )
        except (errors.NotLeaderError, leadership.NotHolderError):
            return False
        return True

    def leadership(self) -> leadership.Leadership | None:
        """The chain of terms as recorded (a copy), None before the first term."""
        try:
            chain: leadership.Leadership = self.copy_of(leadership.Leadership.id_for())
        except errors.RunNotFoundError:
            return None
        return chain
