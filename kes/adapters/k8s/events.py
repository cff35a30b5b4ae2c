"""Kubernetes Events (core/v1) written with deterministic names.

The events projection derives each name from the log position that caused it, so writing the same
Event twice (a replay after a crash) finds it already there and changes nothing. Only a 409 whose
reason is `AlreadyExists` means that: a 409 `Conflict`, a 5xx, a 429 or a timeout is retried. An
Event found under the name that is not this one (another run's, from an earlier event log) does
not hide it: this one is written under the name with the involved object's uid appended.
"""

from __future__ import annotations

import threading
from typing import Any

from kes.adapters.k8s import client, errors, objects, retrying

SOURCE_COMPONENT = "Kanister Controller"


def record(
    api: client.Api,
    *,
    name: str,
    involved: dict[str, Any],
    event_type: str,
    reason: str,
    message: str,
    timestamp: str,
    cancel: threading.Event | None = None,
) -> bool:
    """Create the Event unless it exists already; True when this call created it."""
    namespace = str(involved.get("namespace") or "default")
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": event_type,
        "count": 1,
        "firstTimestamp": timestamp,
        "lastTimestamp": timestamp,
        "source": {"component": SOURCE_COMPONENT},
        "reportingComponent": SOURCE_COMPONENT,
    }
    collection = objects.path(group="", version="v1", resource="events", namespace=namespace)
    uncertain = False

    def attempt() -> bool:
        nonlocal uncertain
        try:
            objects.request(api, method="POST", url_path=collection, body=body, retry=False)
        except errors.ApiConflictError as exc:
            if exc.reason != "AlreadyExists":
                raise  # a Conflict: retried
            # There: ours when an earlier attempt's answer was lost; else from an earlier write.
            return _existing_is(api, collection=collection, body=body, ours=uncertain)
        except errors.ApiUnavailableError:
            uncertain = True
            raise
        return True

    try:
        return retrying.call(attempt, what=f"Creating Event {namespace}/{name}", cancel=cancel,
                             conflicts=True)
    except _Taken:
        uid = str(involved.get("uid") or "")[:8] or "other"
        if name.endswith(f".{uid}"):
            raise errors.ApiConflictError(
                f'Event {namespace}/{name} exists with other content.', status=409,
                reason="AlreadyExists") from None
        return record(api, name=f"{name}.{uid}", involved=involved, event_type=event_type,
                      reason=reason, message=message, timestamp=timestamp, cancel=cancel)


class _Taken(Exception):  # noqa: N818 (a signal between two functions, not an error)
    """The name holds another Event than the one to write."""


def _existing_is(api: client.Api, *, collection: str, body: dict[str, Any], ours: bool) -> bool:
    """Whether the Event already under the name is this one (False: the write was a no-op)."""
    try:
        existing = objects.request(api, method="GET",
                                   url_path=f"{collection}/{body['metadata']['name']}")
    except errors.ApiNotFoundError:
        raise errors.ApiUnavailableError("The Event vanished after AlreadyExists.") from None
    same_object = (existing or {}).get("involvedObject", {}).get("uid") == \
        body["involvedObject"].get("uid")
    same = same_object and all((existing or {}).get(k) == body[k] for k in ("reason", "message"))
    if not same:
        raise _Taken()
    return ours
