"""A work queue keyed by namespace/name, as client-go's: one key is never handled twice at once.

A key added while it is being handled is handled again afterwards (the newest object wins); a key
added several times while waiting is handled once.
"""

from __future__ import annotations

import threading
from collections import deque


class WorkQueue:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._waiting: deque[str] = deque()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._again: set[str] = set()
        self._closed = False

    def add(self, key: str) -> None:
        with self._condition:
            if key in self._processing:
                self._again.add(key)
                return
            if key not in self._queued:
                self._queued.add(key)
                self._waiting.append(key)
                self._condition.notify()

    def get(self, timeout: float | None = None) -> str | None:
        """The next key to handle (mark it done with `done`), or None when closed or timed out."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._waiting or self._closed, timeout):
                return None
            if self._closed and not self._waiting:
                return None
            key = self._waiting.popleft()
            self._queued.discard(key)
            self._processing.add(key)
            return key

    def done(self, key: str) -> None:
        with self._condition:
            self._processing.discard(key)
            if key in self._again:
                self._again.discard(key)
                if key not in self._queued:
                    self._queued.add(key)
                    self._waiting.append(key)
                    self._condition.notify()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def __len__(self) -> int:
        with self._condition:
            return len(self._waiting)


def key_of(obj: dict[str, object]) -> str:
    meta = obj.get("metadata") or {}
    assert isinstance(meta, dict)
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"
