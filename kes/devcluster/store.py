"""Object storage and watch fan-out for the local API stand-in.

One SQLite file (WAL) holds every object as JSON, keyed by (group, plural, namespace, name), and
one global, monotonically increasing resourceVersion that survives restarts. Every write is
published, in commit order, to the watchers of this process; a bounded in-memory history lets a
watch resume from an older resourceVersion, and anything older than that history is `Gone`.

All SQLite calls are synchronous and run on the event loop thread: a write commits and fans out
in the same loop tick, so a watcher that lists and subscribes in one tick sees every event once.
"""

from __future__ import annotations

import base64
import collections
import copy
import datetime
import json
import pathlib
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from kes.devcluster import rows, store_errors, watching

# The names other parts use, re-exported so `store.X` stays the one interface.
ResourceKey = watching.ResourceKey
Matcher = watching.Matcher
WatchEvent = watching.WatchEvent
Watcher = watching.Watcher
make_matcher = watching.make_matcher
INITIAL_EVENTS_END = watching.INITIAL_EVENTS_END
StoreError = store_errors.StoreError
NotFoundError = store_errors.NotFoundError
AlreadyExistsError = store_errors.AlreadyExistsError
ConflictError = store_errors.ConflictError
GoneError = store_errors.GoneError
InvalidError = store_errors.InvalidError
BadRequestError = store_errors.BadRequestError

_OMITTED_WHEN_EMPTY = ("labels", "annotations", "finalizers", "ownerReferences", "managedFields")
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_kind_id = watching.kind_id


def now_rfc3339() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod_grace(pod: dict[str, Any], grace: int | None) -> int:
    if grace is not None:
        return max(0, int(grace))
    return int((pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))


def _omit_empty(meta: dict[str, Any]) -> None:
    for field in _OMITTED_WHEN_EMPTY:
        if field in meta and not meta[field]:
            del meta[field]


def _spec_part(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Store:
    def __init__(
        self,
        *,
        path: pathlib.Path,
        history_size: int = 50_000,
        has_status_subresource: Callable[[ResourceKey], bool] | None = None,
    ) -> None:
        self._rows = rows.Rows(path=path)
        self._rv: int = self._rows.resource_version()
        # Events at or before this version are no longer in `_history`.
        self._compacted: int = self._rv
        self._history: collections.deque[watching.Change] = collections.deque(maxlen=history_size)
        self._watchers: set[Watcher] = set()
        self._listeners: list[Callable[[ResourceKey, WatchEvent, dict[str, Any] | None], None]] = []
        self.has_status_subresource = has_status_subresource or (lambda _key: True)

    # -- reads ---------------------------------------------------------------------------------

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def get_sync(self, key: ResourceKey, *, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self._rows.get(_kind_id(key), namespace=namespace or "", name=name)
        if obj is None:
            raise NotFoundError(f'{key[2]} "{name}" not found', plural=key[2], name=name)
        return obj

    async def get(self, key: ResourceKey, *, namespace: str | None, name: str) -> dict[str, Any]:
        return self.get_sync(key, namespace=namespace, name=name)

    async def namespace_accepts(self, namespace: str) -> bool:
        """Whether new objects may go into `namespace`: the apiserver's NamespaceLifecycle
        admission refuses them in a missing or terminating one, and so do the writers of this
        process that mind it (the event recorder)."""
        try:
            found = self.get_sync(("", "v1", "namespaces"), namespace=None, name=namespace)
        except NotFoundError:
            return False
        return not found["metadata"].get("deletionTimestamp")

    def list_sync(
        self,
        key: ResourceKey,
        *,
        namespace: str | None = None,
        matcher: Matcher | None = None,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> tuple[list[dict[str, Any]], str, str | None]:
        """Items, the list resourceVersion and a continue token when `limit` cut the list."""
        after: tuple[str, str] | None = None
        list_rv = self._rv
        if continue_token:
            try:
                token = json.loads(base64.urlsafe_b64decode(continue_token.encode()))
                after = (str(token["ns"]), str(token["name"]))
                list_rv = int(token["rv"])
            except (ValueError, KeyError, TypeError) as exc:
                raise BadRequestError("continue key is not valid: bad token") from exc
        items: list[dict[str, Any]] = []
        next_token: str | None = None
        for obj in self._rows.select(_kind_id(key), namespace=namespace, after=after):
            if matcher is not None and not matcher(obj):
                continue
            if limit and len(items) >= limit:
                raw = json.dumps({"rv": list_rv, "ns": items[-1]["metadata"].get("namespace", ""),
                                  "name": items[-1]["metadata"]["name"]})
                next_token = base64.urlsafe_b64encode(raw.encode()).decode()
                break
            items.append(obj)
        return items, str(list_rv), next_token

    def dependents_sync(self, uid: str) -> list[tuple[str, dict[str, Any]]]:
        """(kind id, object) for every object with an ownerReference to `uid`."""
        return self._rows.dependents(uid)

    def get_by_uid_sync(self, uid: str) -> tuple[str, dict[str, Any]] | None:
        return self._rows.by_uid(uid)

    def uid_exists_sync(self, uid: str) -> bool:
        return self._rows.by_uid(uid) is not None

    def namespace_contents_sync(self, namespace: str) -> list[tuple[str, dict[str, Any]]]:
        return self._rows.in_namespace(namespace)

    # -- writes --------------------------------------------------------------------------------

    def _publish(self, *, key: ResourceKey, event: WatchEvent, old: dict[str, Any] | None) -> None:
        meta = event.object.get("metadata", {})
        change = watching.Change(
            rv=int(meta.get("resourceVersion", self._rv)),
            key=key,
            namespace=meta.get("namespace", "") or "",
            event=event,
            old=old,
        )
        if len(self._history) == self._history.maxlen:
            self._compacted = self._history[0].rv
        self._history.append(change)
        for watcher in list(self._watchers):
            seen = watcher.sees(change)
            if seen is not None:
                watcher.queue.put_nowait(seen)
        for listener in list(self._listeners):
            listener(key, event, old)

    def add_listener(
        self, listener: Callable[[ResourceKey, WatchEvent, dict[str, Any] | None], None]
    ) -> None:
        """Called synchronously after each committed change (registry, garbage collector)."""
        self._listeners.append(listener)

    def _commit(self, key: ResourceKey, obj: dict[str, Any], *, insert: bool) -> None:
        """Give `obj` the next resourceVersion and store it; the counter moves only on success.

        Empty metadata lists and maps are dropped, as Go's `omitempty` drops them: a merge
        patch of `finalizers: []` leaves no `finalizers` key on a real API server either."""
        _omit_empty(obj["metadata"])
        rv = self._rv + 1
        obj["metadata"]["resourceVersion"] = str(rv)
        self._rows.write(_kind_id(key), obj, rv=rv, insert=insert)
        self._rv = rv

    def create_sync(
        self, key: ResourceKey, obj: dict[str, Any], *, dry_run: bool = False
    ) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(
                secrets.choice(_NAME_ALPHABET) for _ in range(5)
            )
        name = meta.get("name")
        if not name:
            raise InvalidError("name or generateName is required", plural=key[2])
        ns = meta.get("namespace") or ""
        if self._rows.get(_kind_id(key), namespace=ns, name=name) is not None:
            raise AlreadyExistsError(f'{key[2]} "{name}" already exists', plural=key[2], name=name)
        meta.pop("resourceVersion", None)
        meta.pop("deletionTimestamp", None)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        meta["generation"] = 1
        if dry_run:
            meta["resourceVersion"] = str(self._rv)
            return obj
        self._commit(key, obj, insert=True)
        self._publish(key=key, event=WatchEvent("ADDED", obj), old=None)
        return copy.deepcopy(obj)

    async def create(self, key: ResourceKey, obj: dict[str, Any]) -> dict[str, Any]:
        return self.create_sync(key, obj)

    def update_sync(
        self,
        key: ResourceKey,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        meta_in = obj.get("metadata") or {}
        name = meta_in.get("name", "")
        ns = meta_in.get("namespace") or None
        current = self.get_sync(key, namespace=ns, name=name)
        cur_meta = current["metadata"]
        wanted_rv = meta_in.get("resourceVersion")
        if wanted_rv and str(wanted_rv) != cur_meta["resourceVersion"]:
            raise ConflictError(
                f'Operation cannot be fulfilled on {key[2]} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again",
                plural=key[2], name=name,
            )
        if subresource == "status":
            new = copy.deepcopy(current)
            if "status" in obj:
                new["status"] = copy.deepcopy(obj["status"])
            else:
                new.pop("status", None)
        else:
            new = copy.deepcopy(obj)
            new_meta = new.setdefault("metadata", {})
            for field in ("uid", "creationTimestamp", "deletionTimestamp", "namespace",
                          "deletionGracePeriodSeconds"):
                if field in cur_meta:
                    new_meta[field] = cur_meta[field]
                else:
                    new_meta.pop(field, None)
            if self.has_status_subresource(key):
                if "status" in current:
                    new["status"] = current["status"]
                else:
                    new.pop("status", None)
        new_meta = new["metadata"]
        # A write that changes nothing else must not look like a change.
        new_meta["resourceVersion"] = cur_meta["resourceVersion"]
        generation = int(cur_meta.get("generation", 1))
        if subresource is None and _spec_part(new) != _spec_part(current):
            generation += 1
        new_meta["generation"] = generation
        if cur_meta.get("deletionTimestamp") and not new_meta.get("finalizers"):
            if dry_run:
                return new
            return self._remove(key, new)
        if new == current or dry_run:
            return current if new == current else new
        self._commit(key, new, insert=False)
        self._publish(key=key, event=WatchEvent("MODIFIED", new), old=current)
        return copy.deepcopy(new)

    async def update(
        self, key: ResourceKey, obj: dict[str, Any], *, subresource: str | None = None
    ) -> dict[str, Any]:
        return self.update_sync(key, obj, subresource=subresource)

    def _remove(
        self, key: ResourceKey, obj: dict[str, Any], *, grace: int | None = None
    ) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        _omit_empty(meta)
        if key[2] == "pods" and key[0] == "":
            # The DELETED pod tells the kubelet how long SIGTERM may take before SIGKILL.
            meta.setdefault("deletionTimestamp", now_rfc3339())
            meta["deletionGracePeriodSeconds"] = _pod_grace(obj, grace)
        rv = self._rv + 1
        self._rows.delete(_kind_id(key), namespace=meta.get("namespace", "") or "",
                          name=meta["name"], rv=rv)
        self._rv = rv
        meta["resourceVersion"] = str(rv)
        self._publish(key=key, event=WatchEvent("DELETED", obj), old=None)
        return obj

    def delete_sync(
        self,
        key: ResourceKey,
        *,
        namespace: str | None,
        name: str,
        propagation_policy: str | None = None,
        dry_run: bool = False,
        uid_precondition: str | None = None,
        grace_period_seconds: int | None = None,
    ) -> dict[str, Any]:
        """Delete now, or mark for deletion when finalizers (or Foreground, namespaces) hold it.

        `grace_period_seconds` (DeleteOptions) overrides a pod's terminationGracePeriodSeconds."""
        current = self.get_sync(key, namespace=namespace, name=name)
        meta = current["metadata"]
        if uid_precondition and uid_precondition != meta.get("uid"):
            raise ConflictError(
                f'Precondition failed: UID in precondition: {uid_precondition}, '
                f'UID in object meta: {meta.get("uid")}', plural=key[2], name=name,
            )
        if dry_run:
            return current
        finalizers = list(meta.get("finalizers") or [])
        if propagation_policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if propagation_policy == "Orphan":
            self._orphan_dependents(meta["uid"])
        is_namespace = key == ("", "v1", "namespaces")
        if not finalizers and not is_namespace:
            return self._remove(key, current, grace=grace_period_seconds)
        if meta.get("deletionTimestamp"):
            return current
        new = copy.deepcopy(current)
        new["metadata"]["deletionTimestamp"] = now_rfc3339()
        new["metadata"]["deletionGracePeriodSeconds"] = (
            _pod_grace(current, grace_period_seconds) if key[2] == "pods" and key[0] == ""
            else 0)
        if finalizers:
            new["metadata"]["finalizers"] = finalizers
        if is_namespace:
            new.setdefault("status", {})["phase"] = "Terminating"
        self._commit(key, new, insert=False)
        self._publish(key=key, event=WatchEvent("MODIFIED", new), old=current)
        return copy.deepcopy(new)

    async def delete(self, key: ResourceKey, *, namespace: str | None, name: str) -> dict[str, Any]:
        return self.delete_sync(key, namespace=namespace, name=name)

    def remove_now(self, key: ResourceKey, *, namespace: str | None, name: str) -> None:
        """Remove regardless of finalizers (namespace finalization by the collector)."""
        try:
            current = self.get_sync(key, namespace=namespace, name=name)
        except NotFoundError:
            return
        self._remove(key, current)

    def _orphan_dependents(self, uid: str) -> None:
        for kind, obj in self.dependents_sync(uid):
            group, plural = kind.split("/", 1)
            refs = obj["metadata"].get("ownerReferences") or []
            obj["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
            if not obj["metadata"]["ownerReferences"]:
                del obj["metadata"]["ownerReferences"]
            obj["metadata"].pop("resourceVersion", None)
            self.update_sync((group, "", plural), obj, subresource=None)

    # -- watch ---------------------------------------------------------------------------------

    def watch(
        self,
        key: ResourceKey | None,
        *,
        namespace: str | None = None,
        resource_version: str | None = None,
        matcher: Matcher | None = None,
        send_initial_events: bool | None = None,
    ) -> Watcher:
        """Subscribe; replays current state (rv ""/"0"/sendInitialEvents) or history after `rv`."""
        watcher = Watcher(
            on_close=self._unsubscribe, key=key, namespace=namespace, matcher=matcher
        )
        initial = send_initial_events or resource_version in (None, "", "0")
        if initial and key is not None:
            items, rv, _ = self.list_sync(key, namespace=namespace, matcher=matcher)
            for item in items:
                watcher.queue.put_nowait(WatchEvent("ADDED", item))
            if send_initial_events:
                watcher.queue.put_nowait(WatchEvent("BOOKMARK", {"metadata": {
                    "resourceVersion": rv, "annotations": {INITIAL_EVENTS_END: "true"}}}))
        elif not initial:
            try:
                since = int(str(resource_version))
            except ValueError as exc:
                raise BadRequestError(f"invalid resource version: {resource_version}") from exc
            if since < self._compacted:
                raise GoneError(f"too old resource version: {since} ({self._rv})")
            for change in self._history:
                seen = watcher.sees(change) if change.rv > since else None
                if seen is not None:
                    watcher.queue.put_nowait(seen)
        self._watchers.add(watcher)
        return watcher

    def _unsubscribe(self, watcher: Watcher) -> None:
        self._watchers.discard(watcher)

    def close(self) -> None:
        self._rows.close()

    # Last in the class body: below this point, `list` would name the method, not the type.
    async def list(
        self,
        key: ResourceKey,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[dict[str, Any]], str]:
        matcher = make_matcher(label_selector=label_selector, field_selector=field_selector)
        items, rv, _ = self.list_sync(key, namespace=namespace, matcher=matcher)
        return items, rv
