"""`coordination.k8s.io/v1` Leases, read and written with optimistic concurrency.

Leader election (``kes.controller.electing``) is client-go's algorithm on a Lease; this module
is its lock: read the Lease, create it, or replace it carrying the ``resourceVersion`` that was
read, so two replicas that both saw an expired Lease cannot both take it (the second gets a
409, ``ApiConflictError``). Every call has a deadline: a replica cut off from the API server
must learn it within its renew deadline, not after a TCP timeout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from kes.adapters.k8s import client, errors, objects

GROUP, VERSION = "coordination.k8s.io", "v1"


@dataclasses.dataclass(frozen=True)
class LeaseRecord:
    """What a Lease says about its holder (``spec``), and the version it was read at."""

    holder: str
    duration_s: int
    acquire_time: dt.datetime | None
    renew_time: dt.datetime | None
    transitions: int
    resource_version: str = ""


def _path(namespace: str, name: str = "") -> str:
    return objects.path(
        group=GROUP, version=VERSION, resource="leases", namespace=namespace, name=name
    )


def micro_time(value: dt.datetime) -> str:
    """Kubernetes' MicroTime: RFC 3339 in UTC with microseconds."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: Any) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _record(obj: dict[str, Any]) -> LeaseRecord:
    spec = obj.get("spec") or {}
    return LeaseRecord(
        holder=str(spec.get("holderIdentity") or ""),
        duration_s=int(spec.get("leaseDurationSeconds") or 0),
        acquire_time=_parse_time(spec.get("acquireTime")),
        renew_time=_parse_time(spec.get("renewTime")),
        transitions=int(spec.get("leaseTransitions") or 0),
        resource_version=str((obj.get("metadata") or {}).get("resourceVersion") or ""),
    )


def _spec(record: LeaseRecord) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "holderIdentity": record.holder,
        "leaseDurationSeconds": record.duration_s,
        "leaseTransitions": record.transitions,
    }
    if record.acquire_time is not None:
        spec["acquireTime"] = micro_time(record.acquire_time)
    if record.renew_time is not None:
        spec["renewTime"] = micro_time(record.renew_time)
    return spec


def get(api: client.Api, *, namespace: str, name: str, timeout_s: float) -> LeaseRecord | None:
    """The Lease, or None when it does not exist."""
    try:
        obj = objects.request(
            api, method="GET", url_path=_path(namespace, name), timeout_s=timeout_s
        )
    except errors.ApiNotFoundError:
        return None
    if not isinstance(obj, dict):
        raise errors.ApiError(f"Unexpected response reading Lease {namespace}/{name}")
    return _record(obj)


def create(
    api: client.Api, *, namespace: str, name: str, record: LeaseRecord, timeout_s: float
) -> LeaseRecord:
    """Create the Lease; ``ApiConflictError`` when another replica created it first."""
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": namespace},
        "spec": _spec(record),
    }
    obj = objects.request(
        api, method="POST", url_path=_path(namespace), body=body, timeout_s=timeout_s
    )
    return _record(obj)


def replace(
    api: client.Api, *, namespace: str, name: str, record: LeaseRecord, timeout_s: float
) -> LeaseRecord:
    """Replace the Lease's spec if it is still at ``record.resource_version``;
    ``ApiConflictError`` when someone wrote it since."""
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Lease",
        "metadata": {
            "name": name, "namespace": namespace, "resourceVersion": record.resource_version,
        },
        "spec": _spec(record),
    }
    obj = objects.request(
        api, method="PUT", url_path=_path(namespace, name), body=body, timeout_s=timeout_s
    )
    return _record(obj)
