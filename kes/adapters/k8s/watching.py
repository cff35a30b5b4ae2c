"""List-then-watch of one collection, as an endless iterator of (event type, object) pairs.

The informer pattern without client-go: a list gives the current objects (each yielded as
ADDED) and a resourceVersion; a watch from that version follows. A dropped stream resumes from
the last seen version; a `410 Gone` (history compacted) relists; API errors back off and retry.
Callers consume it in a thread and stop it with the `stop` event.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kes.adapters.k8s import client, errors, objects

logger = logging.getLogger(__name__)

RELISTED = "RELISTED"  # pseudo event: a (re)list finished; carries the list's items as `objects`


@dataclass(frozen=True)
class Collection:
    group: str
    version: str
    resource: str
    namespace: str = ""  # "" = all namespaces

    @property
    def path(self) -> str:
        return objects.path(
            group=self.group, version=self.version, resource=self.resource, namespace=self.namespace
        )


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED | RELISTED
    object: dict[str, Any]
    objects: tuple[dict[str, Any], ...] = ()


def follow(
    api: client.Api,
    *,
    collection: Collection,
    stop: threading.Event,
    timeout_seconds: int = 60,
    max_backoff: float = 10.0,
) -> Iterator[WatchEvent]:
    """Yield every change of the collection until `stop` is set."""
    resource_version = ""
    backoff = 0.1
    while not stop.is_set():
        try:
            if not resource_version:
                listing = objects.request(api, method="GET", url_path=collection.path)
                resource_version = str(listing["metadata"].get("resourceVersion", ""))
                items = tuple(listing.get("items") or [])
                for item in items:
                    yield WatchEvent(type="ADDED", object=item)
                yield WatchEvent(type=RELISTED, object={}, objects=items)
            for event_type, obj in _watch(
                api, collection=collection, since=resource_version, timeout=timeout_seconds
            ):
                if stop.is_set():
                    return
                version = obj.get("metadata", {}).get("resourceVersion")
                if version:
                    resource_version = str(version)
                if event_type == "BOOKMARK":
                    continue
                if event_type == "ERROR":
                    if obj.get("code") == 410:
                        logger.info("Watch of %s expired. Relisting.", collection.path)
                        resource_version = ""
                        break
                    raise errors.ApiError(str(obj.get("message", "watch error")))
                yield WatchEvent(type=event_type, object=obj)
            backoff = 0.1
        except errors.ApiGoneError:
            resource_version = ""
        except errors.ApiError as exc:
            logger.warning(
                "Watch of %s failed: %s. Retrying in %.1f s.", collection.path, exc, backoff
            )
            stop.wait(backoff)
            backoff = min(backoff * 2, max_backoff)


def _watch(
    api: client.Api, *, collection: Collection, since: str, timeout: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    query = [
        ("watch", "1"),
        ("resourceVersion", since),
        ("allowWatchBookmarks", "true"),
        ("timeoutSeconds", str(timeout)),
    ]
    with errors.translated():
        response = api.client.call_api(
            collection.path,
            "GET",
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _return_http_data_only=True,
            _request_timeout=(10, timeout + 10),
        )
    try:
        buffer = b""
        with errors.translated():
            for chunk in response.stream(4096, decode_content=True):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        event = json.loads(line)
                        yield str(event.get("type", "")), dict(event.get("object") or {})
    finally:
        response.release_conn()
