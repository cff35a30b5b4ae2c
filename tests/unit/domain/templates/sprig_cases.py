"""Shared helpers for the sprig tests: render through the public API with Kanister-like params."""

from __future__ import annotations

import copy
from typing import Any

from kes.domain import templates
from kes.domain.templates import values

PARAMS: dict[str, Any] = {
    "Options": values.TypedMap({"name": "db", "empty": ""}),
    "Secrets": {"s": {"Data": {"password": b"hi"}}},
    "Time": "2026-11-28T15:15:04.123456789Z",
    "I": 3,
    "F": 1e6,
    "L": ["b", "a", "b"],
    "M": {"a": 1, "b": "x"},
    "Bytes": b"hi",
}


def render(template: str, params: dict[str, Any] | None = None) -> str:
    return str(templates.render(template, params if params is not None else copy.deepcopy(PARAMS)))
