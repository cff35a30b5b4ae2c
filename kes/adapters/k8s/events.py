"""Kubernetes Events (core/v1) written with deterministic names.

The events projection derives each name from the log position that caused it, so writing the same
Event twice (a replay after a crash) finds it already there and changes nothing.
"""

from __future__ import annotations

from typing import Any

from kes.adapters.k8s import client, errors, objects

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
) -> bool:
    """Create the Event unless one with this name exists; True when it was created."""
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
    try:
        objects.request(
            api,
            method="POST",
            url_path=objects.path(group="", version="v1", resource="events", namespace=namespace),
            body=body,
        )
    except errors.ApiConflictError:
        return False
    return True
