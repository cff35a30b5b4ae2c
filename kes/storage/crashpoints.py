"""Crash points: kill this process with SIGKILL at one named event boundary (the crash matrix).

Every state change of kes crosses a few boundaries: an event appended to the log (before and
after the commit), a status written to a custom resource, a Kubernetes Event written. The writers
call `reach(boundary, subject)` at each; a boundary is named `<boundary>:<subject>#<n>`, the n-th
time this process reached that boundary for that subject, e.g. `append-after:PhaseStarted#2`
(the second PhaseStarted committed) or `event-before:Started Phase#1`.

- `KES_CRASH_TRACE=FILE` appends each boundary reached to FILE, one per line: a run without a
  crash lists the boundaries a harness can then crash at, one run each.
- `KES_CRASH_AT=NAME` kills the process (SIGKILL: no cleanup, no flush, as a power cut of the
  process) when it reaches boundary NAME, after adding `CRASH NAME` to the trace file.

This is the lowest layer that does I/O and every writer reaches it (storage for appends, the
projections for status and Events). With neither variable set, `reach` returns at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

AT_ENV = "KES_CRASH_AT"
TRACE_ENV = "KES_CRASH_TRACE"

_at = os.environ.get(AT_ENV, "")
_trace = os.environ.get(TRACE_ENV, "")
_counts: Counter[str] = Counter()
_lock = threading.Lock()


def active() -> bool:
    return bool(_at or _trace)


def reach(boundary: str, subject: str) -> None:
    """Mark one crossing of `boundary` for `subject`; crash here when told to."""
    if not (_at or _trace):
        return
    key = f"{boundary}:{subject.replace('#', '_')}"
    with _lock:
        _counts[key] += 1
        name = f"{key}#{_counts[key]}"
        if _trace:
            with open(_trace, "a", encoding="utf-8") as trace:
                trace.write(name + "\n")
                if name == _at:
                    trace.write(f"CRASH {name}\n")
        if name == _at:
            os.kill(os.getpid(), signal.SIGKILL)


def topic_subject(topics: list[str]) -> str:
    """The event class names of one append (`module:Class` topics), joined with `+`."""
    return "+".join(topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1] for topic in topics)
