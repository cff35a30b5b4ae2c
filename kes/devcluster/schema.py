"""Validation of custom objects against a CRD's ``openAPIV3Schema``.

The apiserver prunes unknown fields, applies defaults, then validates; a failure is a 422
Invalid Status whose ``details.causes`` carry ``reason``/``message``/``field`` worded as
k8s.io/apiextensions-apiserver words them. This module only computes; the handlers build the
Status.
"""

from __future__ import annotations

from typing import Any

Cause = dict[str, str]


def crd_version_schema(crd: dict[str, Any], *, version: str) -> dict[str, Any] | None:
    """The ``openAPIV3Schema`` of ``version`` in a CRD, or None when the version has none."""
    raise NotImplementedError


def prune(obj: Any, schema: dict[str, Any]) -> Any:
    """Drop fields the schema does not declare (apiVersion/kind/metadata are kept at the root)."""
    raise NotImplementedError


def apply_defaults(obj: Any, schema: dict[str, Any]) -> Any:
    """Fill ``default`` values of absent properties, recursively."""
    raise NotImplementedError


def validate(obj: Any, schema: dict[str, Any]) -> list[Cause]:
    """Every violation as a cause ``{"reason", "message", "field"}``; [] when valid."""
    raise NotImplementedError


def admit(
    obj: dict[str, Any], *, schema: dict[str, Any] | None
) -> tuple[dict[str, Any], list[Cause]]:
    """Prune, default and validate a custom object: (new object, causes)."""
    raise NotImplementedError


def invalid_message(*, kind: str, group: str, name: str, causes: list[Cause]) -> str:
    """The Status message: ``Widget.example.com "w1" is invalid: spec.size: Invalid value: ...``."""
    raise NotImplementedError
