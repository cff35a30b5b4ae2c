"""Errors of the Kubernetes adapter: one small hierarchy that chains the library's exception.

Upper layers (functions, controller, projections) catch these, never a `kubernetes` type. Messages
name the object and the API's own message; they never include request bodies (which may carry
secret values).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import urllib3.exceptions
from kubernetes.client import exceptions as client_exceptions
from kubernetes.config import config_exception


class ApiError(Exception):
    """A Kubernetes API call failed; `status` is the HTTP status (0 when none was received)."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class ApiNotFoundError(ApiError):
    """404: the object (or its namespace, or its resource type) does not exist."""


class ApiConflictError(ApiError):
    """409: a resourceVersion conflict or an object that already exists."""


class ApiForbiddenError(ApiError):
    """403: RBAC denied the request."""


class ApiUnauthorizedError(ApiError):
    """401: the credentials were rejected."""


class ApiGoneError(ApiError):
    """410: a watch or list resourceVersion is too old."""


class ApiInvalidError(ApiError):
    """422: the object failed validation."""


class ApiUnavailableError(ApiError):
    """The API server could not be reached, or answered 5xx / 429."""


class ApiConfigError(ApiError):
    """No usable kubeconfig or in-cluster configuration."""


_BY_STATUS: dict[int, type[ApiError]] = {
    401: ApiUnauthorizedError,
    403: ApiForbiddenError,
    404: ApiNotFoundError,
    409: ApiConflictError,
    410: ApiGoneError,
    422: ApiInvalidError,
    429: ApiUnavailableError,
}


def status_message(body: Any) -> tuple[str, str]:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str) or not body:
        return "", ""
    try:
        decoded = json.loads(body)
    except ValueError:
        return body.strip()[:500], ""
    if not isinstance(decoded, dict):
        return "", ""
    return str(decoded.get("message") or ""), str(decoded.get("reason") or "")


def from_library(exc: BaseException) -> ApiError:
    """Map a `kubernetes`/urllib3 exception onto the hierarchy (the caller chains it)."""
    if isinstance(exc, client_exceptions.ApiException):
        status = int(exc.status or 0)
        message, reason = status_message(exc.body)
        text = message or f"{status} {exc.reason or ''}".strip()
        cls = _BY_STATUS.get(status, ApiUnavailableError if status >= 500 else ApiError)
        return cls(text, status=status, reason=reason or str(exc.reason or ""))
    if isinstance(exc, config_exception.ConfigException):
        return ApiConfigError(str(exc))
    if _timed_out(exc):
        return ApiUnavailableError(f"Kubernetes API request timed out: {exc}")
    return ApiUnavailableError(f"Kubernetes API unreachable: {exc}")


def _timed_out(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError | urllib3.exceptions.TimeoutError):
        return True
    reason = getattr(exc, "reason", None)  # MaxRetryError wraps the timeout
    return isinstance(reason, TimeoutError | urllib3.exceptions.TimeoutError)


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise library and connection errors as `ApiError` subclasses, chained."""
    try:
        yield
    except ApiError:
        raise
    except (
        client_exceptions.OpenApiException,
        config_exception.ConfigException,
        urllib3.exceptions.HTTPError,
        ConnectionError,
        TimeoutError,
    ) as exc:
        raise from_library(exc) from exc
