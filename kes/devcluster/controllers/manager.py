"""Runs the in-cluster controllers: watches, a de-duplicating work queue, one worker.

Each watch maps an event to the object that must be reconciled (a pod event wakes its
ReplicaSet or StatefulSet, a ReplicaSet event its Deployment). One worker reconciles one key at
a time, so controllers never race each other; a failed reconcile is retried after a short delay,
which also covers 409 conflicts with users' writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from kes.devcluster import store as store_mod
from kes.devcluster.controllers import claims, deployments, objects, replicasets, statefulsets

logger = logging.getLogger(__name__)
Reconciler = Callable[..., Awaitable[None]]
Item = tuple[str, str, str]  # (controller, namespace, name)
_RETRY_SECONDS = 0.5
_MAX_RETRY_SECONDS = 30.0

RECONCILERS: dict[str, Reconciler] = {
    "deployment": deployments.reconcile,
    "replicaset": replicasets.reconcile,
    "statefulset": statefulsets.reconcile,
    "claim": claims.reconcile,
}


def wakes(key: store_mod.ResourceKey, obj: dict[str, Any]) -> list[Item]:
    """The reconciles that an event on `obj` (of resource `key`) calls for."""
    meta = obj.get("metadata", {})
    namespace, name = meta.get("namespace", ""), meta.get("name", "")
    items: list[Item] = []
    if key == objects.DEPLOYMENTS:
        items.append(("deployment", namespace, name))
    elif key == objects.REPLICASETS:
        items.append(("replicaset", namespace, name))
        owner = objects.controller_of(obj, kind="Deployment")
        if owner:
            items.append(("deployment", namespace, owner))
    elif key == objects.STATEFULSETS:
        items.append(("statefulset", namespace, name))
    elif key == objects.PVCS:
        items.append(("claim", namespace, name))
    elif key == objects.PODS:
        for kind, controller in (("ReplicaSet", "replicaset"), ("StatefulSet", "statefulset")):
            owner = objects.controller_of(obj, kind=kind)
            if owner:
                items.append((controller, namespace, owner))
    return items


class WorkQueue:
    """Items waiting to be reconciled; an item already waiting is not added twice."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._waiting: set[Item] = set()

    def add(self, item: Item) -> None:
        if item not in self._waiting:
            self._waiting.add(item)
            self._queue.put_nowait(item)

    async def take(self) -> Item:
        item = await self._queue.get()
        self._waiting.discard(item)
        return item


async def _follow(store: store_mod.Store, key: store_mod.ResourceKey, queue: WorkQueue) -> None:
    # A watch without resourceVersion starts with the current objects, so a restart of the
    # server reconciles everything once.
    watcher = store.watch(key)
    try:
        async for event in watcher:
            if event.type != "BOOKMARK":
                for item in wakes(key, event.object):
                    queue.add(item)
    finally:
        watcher.close()


async def _work(store: store_mod.Store, queue: WorkQueue) -> None:
    failures: dict[Item, int] = {}
    while True:
        item = await queue.take()
        controller, namespace, name = item
        try:
            await RECONCILERS[controller](store, namespace=namespace, name=name)
        except (store_mod.ConflictError, store_mod.AlreadyExistsError, store_mod.NotFoundError):
            # A race with another writer: the next look sees the newer state.
            _retry_later(queue, item, delay=_RETRY_SECONDS)
        except Exception:
            failures[item] = failures.get(item, 0) + 1
            delay = min(_MAX_RETRY_SECONDS, _RETRY_SECONDS * 2 ** failures[item])
            logger.exception("Reconciling %s %s/%s failed; retrying in %.1f s.", controller,
                             namespace, name, delay)
            _retry_later(queue, item, delay=delay)
        else:
            failures.pop(item, None)


def _retry_later(queue: WorkQueue, item: Item, *, delay: float) -> None:
    asyncio.get_running_loop().call_later(delay, queue.add, item)


async def run_controllers(*, store: store_mod.Store) -> None:
    """Until cancelled: keep deployments, replica sets, stateful sets and claims converged."""
    queue = WorkQueue()
    keys = [objects.DEPLOYMENTS, objects.REPLICASETS, objects.STATEFULSETS, objects.PVCS,
            objects.PODS]
    tasks = [asyncio.create_task(_follow(store, key, queue)) for key in keys]
    tasks.append(asyncio.create_task(_work(store, queue)))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
