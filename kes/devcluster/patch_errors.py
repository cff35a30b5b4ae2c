"""The error every patch flavour raises (patching.py, json_patch.py), with its HTTP answer."""

from __future__ import annotations

from typing import Any


class PatchError(ValueError):
    """A patch that cannot be applied. ``code`` is the HTTP status the apiserver answers
    (400 BadRequest for a malformed patch, 422 Invalid for a failed operation, 415 for an
    unsupported type); ``reason`` is the Status reason."""

    def __init__(
        self, message: str, *, code: int = 422, reason: str = "Invalid", detail: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.detail = detail or message


# kube-apiserver 1.37 answers every JSON patch operation that fails with this one message (the
# library's reason is not passed on); `PatchError.detail` keeps ours, for logs and tests.
JSON_PATCH_FAILED = "the server rejected our request due to an error in our request"


def go_type(value: Any) -> str:
    """What encoding/json calls a JSON value in "cannot unmarshal <type> into ..."."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "null"


def bad_request(message: str) -> PatchError:
    return PatchError(message, code=400, reason="BadRequest")
