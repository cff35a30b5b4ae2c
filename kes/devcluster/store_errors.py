"""The store's errors; handlers translate each into the Status the apiserver would send."""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's errors; `name` and `plural` feed the Status details."""

    def __init__(self, message: str, *, plural: str = "", name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.plural = plural
        self.name = name


class NotFoundError(StoreError):
    pass


class AlreadyExistsError(StoreError):
    pass


class ConflictError(StoreError):
    pass


class GoneError(StoreError):
    pass


class InvalidError(StoreError):
    pass


class BadRequestError(StoreError):
    pass


class ForbiddenError(StoreError):
    """Refused by an API server's authorization or admission (the HTTP client only)."""


class UnavailableError(StoreError):
    """The API server could not be reached or did not answer in time (the HTTP client only)."""
