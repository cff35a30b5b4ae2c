"""The patch flavours the apiserver accepts, as pure functions on JSON dicts.

JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch with the merge keys
of built-in kinds, and server-side apply approximated as a merge. The handlers choose by the
request's Content-Type via :func:`apply_patch`. Inputs are never mutated.
"""

from __future__ import annotations

from typing import Any

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


class PatchError(ValueError):
    """A patch that cannot be applied. ``code`` is the HTTP status the apiserver answers
    (400 BadRequest for a malformed patch, 422 Invalid for a failed operation, 415 for an
    unsupported type); ``reason`` is the Status reason."""

    def __init__(self, message: str, *, code: int = 422, reason: str = "Invalid") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    raise NotImplementedError


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 add/remove/replace/move/copy/test."""
    raise NotImplementedError


def strategic_merge_patch(target: Any, patch: Any, *, kind: str) -> Any:
    """Strategic merge patch for a built-in ``kind`` (lists merged by their merge keys,
    ``$patch: delete|replace``, ``$retainKeys``, ``$setElementOrder`` ignored)."""
    raise NotImplementedError


def server_side_apply(live: dict[str, Any] | None, applied: dict[str, Any], *, kind: str) -> dict:
    """Approximate server-side apply: the applied config merged (strategically for built-ins)
    into the live object, or the applied config itself when nothing is live."""
    raise NotImplementedError


def apply_patch(
    target: dict[str, Any], patch: Any, *, content_type: str, kind: str, builtin: bool = True
) -> dict[str, Any]:
    """Dispatch on the PATCH Content-Type (parameters after ``;`` are ignored).

    ``builtin=False`` (custom resources) refuses strategic merge with 415 as a real server does.
    """
    raise NotImplementedError
