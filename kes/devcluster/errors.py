"""Kubernetes `Status` objects: every non-2xx answer of the stand-in is one of these.

kubectl prints `Error from server (<reason>): <message>` from them and the Python client puts
them in `ApiException.body`, so reason, code and message wording follow the real apiserver.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
}


def status(
    *,
    code: int,
    message: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, ""),
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return body


def response(
    *,
    code: int,
    message: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> web.Response:
    body = status(code=code, message=message, reason=reason, details=details)
    return web.Response(status=code, text=json.dumps(body), content_type="application/json")


class ApiError(Exception):
    """Raised inside handlers; the middleware turns it into a Status response."""

    def __init__(
        self,
        *,
        code: int,
        message: str,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.details = details

    def response(self) -> web.Response:
        return response(
            code=self.code, message=self.message, reason=self.reason, details=self.details
        )


def not_found(*, plural: str, name: str, group: str = "") -> ApiError:
    resource = f"{plural}.{group}" if group else plural
    return ApiError(
        code=404,
        message=f'{resource} "{name}" not found',
        details={"name": name, "group": group, "kind": plural} if group else
        {"name": name, "kind": plural},
    )


def already_exists(*, plural: str, name: str, group: str = "") -> ApiError:
    resource = f"{plural}.{group}" if group else plural
    return ApiError(
        code=409,
        reason="AlreadyExists",
        message=f'{resource} "{name}" already exists',
        details={"name": name, "group": group, "kind": plural} if group else
        {"name": name, "kind": plural},
    )


def conflict(*, plural: str, name: str, message: str, group: str = "") -> ApiError:
    return ApiError(
        code=409, reason="Conflict", message=message,
        details={"name": name, "group": group, "kind": plural} if group else
        {"name": name, "kind": plural},
    )


def invalid(
    *, kind: str, name: str, message: str, causes: list[dict[str, str]], group: str = ""
) -> ApiError:
    details: dict[str, Any] = {"name": name, "kind": kind, "causes": causes}
    if group:
        details["group"] = group
    return ApiError(code=422, reason="Invalid", message=message, details=details)


def bad_request(message: str) -> ApiError:
    return ApiError(code=400, reason="BadRequest", message=message)
