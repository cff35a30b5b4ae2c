"""Watch plumbing shared by the store and the handlers: events, subscriptions, selectors.

A `Watcher` is one subscriber's queue. The store fills it synchronously in commit order, so a
watcher never misses or reorders an event; the HTTP handler drains it at the client's pace.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

from kes.devcluster import store_errors

ResourceKey = tuple[str, str, str]  # (group, version, plural)
Matcher = Callable[[dict[str, Any]], bool]
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def kind_id(key: ResourceKey) -> str:
    # The version is not part of the identity: one object is served under every version.
    return f"{key[0]}/{key[2]}"


@dataclasses.dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED | BOOKMARK
    object: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Change:
    rv: int
    key: ResourceKey
    namespace: str
    event: WatchEvent
    old: dict[str, Any] | None


class Watcher:
    """One subscription: initial events first, then live changes, filtered by key and matcher."""

    def __init__(
        self,
        *,
        on_close: Callable[[Watcher], None],
        key: ResourceKey | None,
        namespace: str | None,
        matcher: Matcher | None,
    ) -> None:
        self._on_close = on_close
        self.key = key
        self.namespace = namespace
        self.matcher = matcher
        self.queue: asyncio.Queue[WatchEvent] = asyncio.Queue()
        self.closed = False

    def sees(self, change: Change) -> WatchEvent | None:
        """The event this watcher gets for `change`, or None.

        With a selector, a MODIFIED that moves an object into the selection is an ADDED and one
        that moves it out is a DELETED, as the apiserver's filtered watches report them."""
        if self.key is not None and kind_id(self.key) != kind_id(change.key):
            return None
        if self.namespace and change.namespace != self.namespace:
            return None
        if self.matcher is None:
            return change.event
        now = self.matcher(change.event.object)
        before = change.old is not None and self.matcher(change.old)
        if change.event.type != "MODIFIED" or now == before:
            return change.event if now else None
        return WatchEvent("ADDED" if now else "DELETED", change.event.object)

    async def next(self, *, timeout: float | None = None) -> WatchEvent | None:
        """The next event, or None when `timeout` seconds pass without one."""
        if timeout is None:
            return await self.queue.get()
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def drain(self, *, limit: int) -> list[WatchEvent]:
        """Up to `limit` events that are already queued, without waiting."""
        out: list[WatchEvent] = []
        while len(out) < limit and not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out

    def __aiter__(self) -> AsyncIterator[WatchEvent]:
        return self

    async def __anext__(self) -> WatchEvent:
        if self.closed:
            raise StopAsyncIteration
        return await self.queue.get()

    def close(self) -> None:
        self.closed = True
        self._on_close(self)


def make_matcher(
    *, label_selector: str | None, field_selector: str | None, kind: str | None = None
) -> Matcher | None:
    """A predicate for the selectors, or None when both are empty; InvalidError on bad syntax."""
    if not label_selector and not field_selector:
        return None
    from kes.devcluster import selectors

    try:
        labels = selectors.parse_label_selector(label_selector or "")
        fields = selectors.parse_field_selector(field_selector or "", kind=kind)
    except selectors.SelectorError as exc:
        raise store_errors.BadRequestError(str(exc)) from exc

    def match(obj: dict[str, Any]) -> bool:
        return selectors.matches(obj, label_selector=labels, field_selector=fields)

    return match
