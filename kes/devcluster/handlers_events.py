"""One Event store, two APIs: core/v1 Events and events.k8s.io/v1 Events.

As in a real cluster, both groups serve the same objects; they are stored in the core/v1 shape
and converted on the way in and out (`involvedObject` ↔ `regarding`, `message` ↔ `note`,
`source` ↔ `reportingController`/`deprecatedSource`, timestamps and counts ↔ `deprecated*`).
"""

from __future__ import annotations

from typing import Any

NEW_API_VERSION = "events.k8s.io/v1"

# (core/v1 field, events.k8s.io/v1 field) that only change their name.
_RENAMED = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("related", "related"),
    ("reason", "reason"),
    ("type", "type"),
    ("action", "action"),
    ("eventTime", "eventTime"),
    ("series", "series"),
    ("reportingComponent", "reportingController"),
    ("reportingInstance", "reportingInstance"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
)
_COMMON = ("metadata",)


def is_new_api(group: str, plural: str) -> bool:
    return (group, plural) == ("events.k8s.io", "events")


def to_new(core: dict[str, Any]) -> dict[str, Any]:
    """A stored core/v1 Event as events.k8s.io/v1 shows it."""
    out: dict[str, Any] = {"apiVersion": NEW_API_VERSION, "kind": "Event"}
    for field in _COMMON:
        if field in core:
            out[field] = core[field]
    for old, new in _RENAMED:
        if core.get(old) not in (None, "", {}):
            out[new] = core[old]
    if "eventTime" not in out:
        # A real server sends null here, which the Python client cannot read (its model
        # requires eventTime); the event's first sighting is the honest value.
        stamp = core.get("firstTimestamp") or core.get("metadata", {}).get("creationTimestamp")
        if isinstance(stamp, str) and stamp.endswith("Z") and "." not in stamp:
            out["eventTime"] = stamp[:-1] + ".000000Z"
    return out


def to_core(new: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 Event in the stored core/v1 shape."""
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "Event"}
    for field in _COMMON:
        if field in new:
            out[field] = new[field]
    for old, renamed in _RENAMED:
        if new.get(renamed) not in (None, "", {}):
            out[old] = new[renamed]
    out.setdefault("involvedObject", {})
    return out


def field_selector(text: str | None) -> str | None:
    """An events.k8s.io field selector in core/v1 field names (`regarding.name` → ...)."""
    if not text:
        return text
    return text.replace("regarding.", "involvedObject.")
