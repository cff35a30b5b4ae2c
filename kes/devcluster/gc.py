"""Garbage collection: ownerReferences, foreground deletion and namespace deletion.

The collector listens to committed changes and schedules its work on the loop (never inside the
store's publish), like the kube-controller-manager's garbage collector and namespace controller:
- an owner gone (Background) → its dependents are deleted;
- an owner marked with the `foregroundDeletion` finalizer → its dependents are deleted first,
  then the finalizer is removed, which lets the store remove the owner;
- a namespace marked for deletion → everything in it is deleted, then the namespace;
- a CRD gone → every object of its kind is removed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kes.devcluster import store

logger = logging.getLogger(__name__)

NAMESPACES: store.ResourceKey = ("", "v1", "namespaces")
CRDS: store.ResourceKey = ("apiextensions.k8s.io", "v1", "customresourcedefinitions")


def _key(kind_id: str) -> store.ResourceKey:
    group, plural = kind_id.split("/", 1)
    return (group, "", plural)


class Collector:
    def __init__(self, *, db: store.Store) -> None:
        self._db = db
        self._pending: set[asyncio.Task[None]] = set()

    def attach(self) -> None:
        self._db.add_listener(self._on_change)
        # Finish work a previous run left half done.
        items, _, _ = self._db.list_sync(NAMESPACES)
        for ns in items:
            if ns["metadata"].get("deletionTimestamp"):
                self._schedule(self._finish_namespace(ns["metadata"]["name"]))

    def _schedule(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _on_change(
        self, key: store.ResourceKey, event: store.WatchEvent, old: dict[str, Any] | None
    ) -> None:
        meta = event.object.get("metadata", {})
        if event.type == "DELETED":
            self._schedule(self._delete_dependents(str(meta.get("uid", ""))))
            if (key[0], key[2]) == (CRDS[0], CRDS[2]):
                self._schedule(self._delete_custom_objects(event.object))
            # An owner in foreground deletion may have been waiting for this dependent.
            for ref in meta.get("ownerReferences") or []:
                found = self._db.get_by_uid_sync(str(ref.get("uid", "")))
                if found is not None and "foregroundDeletion" in (
                        found[1]["metadata"].get("finalizers") or []):
                    self._schedule(self._finish_foreground(_key(found[0]), found[1]))
            return
        if not meta.get("deletionTimestamp"):
            return
        if (key[0], key[2]) == (NAMESPACES[0], NAMESPACES[2]):
            self._schedule(self._finish_namespace(meta["name"]))
        elif "foregroundDeletion" in (meta.get("finalizers") or []):
            self._schedule(self._finish_foreground(key, event.object))

    async def _delete_dependents(self, uid: str) -> None:
        for kind_id, obj in self._db.dependents_sync(uid):
            meta = obj["metadata"]
            refs = [r for r in meta.get("ownerReferences") or [] if r.get("uid") != uid]
            # A dependent that still has a live owner stays (as the real collector decides).
            if any(self._alive(r) for r in refs):
                continue
            try:
                self._db.delete_sync(_key(kind_id), namespace=meta.get("namespace"),
                                     name=meta["name"], propagation_policy="Background")
            except store.NotFoundError:
                continue

    def _alive(self, ref: dict[str, Any]) -> bool:
        uid = ref.get("uid")
        return bool(uid) and self._db.uid_exists_sync(str(uid))

    async def _finish_foreground(self, key: store.ResourceKey, owner: dict[str, Any]) -> None:
        uid = owner["metadata"]["uid"]
        for kind_id, obj in self._db.dependents_sync(uid):
            meta = obj["metadata"]
            try:
                self._db.delete_sync(_key(kind_id), namespace=meta.get("namespace"),
                                     name=meta["name"], propagation_policy="Background")
            except store.NotFoundError:
                continue
        # Dependents held by their own finalizers keep the owner until they are gone; the
        # DELETED of each brings us back here (see _on_change).
        if self._db.dependents_sync(uid):
            return
        try:
            current = self._db.get_sync(key, namespace=owner["metadata"].get("namespace"),
                                        name=owner["metadata"]["name"])
        except store.NotFoundError:
            return
        finalizers = [f for f in current["metadata"].get("finalizers") or []
                      if f != "foregroundDeletion"]
        current["metadata"]["finalizers"] = finalizers
        self._db.update_sync(key, current)

    async def _delete_custom_objects(self, crd: dict[str, Any]) -> None:
        """A deleted CRD takes its objects with it, as in a real cluster."""
        spec = crd.get("spec", {})
        key = (str(spec.get("group", "")), "", str(spec.get("names", {}).get("plural", "")))
        items, _, _ = self._db.list_sync(key)
        for obj in items:
            self._db.remove_now(key, namespace=obj["metadata"].get("namespace"),
                                name=obj["metadata"]["name"])

    async def _finish_namespace(self, name: str) -> None:
        for kind_id, obj in self._db.namespace_contents_sync(name):
            meta = obj["metadata"]
            try:
                self._db.delete_sync(_key(kind_id), namespace=name, name=meta["name"])
            except store.NotFoundError:
                continue
        if self._db.namespace_contents_sync(name):
            # Objects held by finalizers: retry when their controllers release them.
            await asyncio.sleep(1.0)
            try:
                self._db.get_sync(NAMESPACES, namespace=None, name=name)
            except store.NotFoundError:
                return
            self._schedule(self._finish_namespace(name))
            return
        self._db.remove_now(NAMESPACES, namespace=None, name=name)

    async def stop(self) -> None:
        for task in list(self._pending):
            task.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
