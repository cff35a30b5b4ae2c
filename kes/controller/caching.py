"""Watched copies of Blueprints and Profiles, so a run reads them without a round trip.

The controller lists and watches them as it does ActionSets. A read that misses the cache asks
the API server: an ActionSet applied right after its Blueprint may be seen before the
Blueprint's own watch event arrives.
"""

from __future__ import annotations

import threading
from typing import Any

from kes.adapters.k8s import client, customresources, watching


class ObjectCache:
    def __init__(self, *, api: client.Api, resource: str) -> None:
        self.api = api
        self.resource = resource
        self._objects: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def apply(self, event: watching.WatchEvent, *, namespace: str) -> None:
        """Take one event of the watch on `namespace` ("" = all); RELISTED replaces its part."""
        with self._lock:
            if event.type == watching.RELISTED:
                self._objects = {
                    key: obj
                    for key, obj in self._objects.items()
                    if namespace and key[0] != namespace
                }
                self._objects.update({_key(obj): obj for obj in event.objects})
            elif event.type == "DELETED":
                self._objects.pop(_key(event.object), None)
            else:
                self._objects[_key(event.object)] = event.object

    def get(self, *, namespace: str, name: str) -> dict[str, Any]:
        """The object; `ApiNotFoundError` (or another ApiError) when the server has none."""
        with self._lock:
            found = self._objects.get((namespace, name))
        if found is not None:
            return found
        return customresources.get(self.api, resource=self.resource, namespace=namespace, name=name)

    def __len__(self) -> int:
        with self._lock:
            return len(self._objects)


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))
