"""The subset of Kubernetes JSONPath that printer columns use.

``.spec.replicas``, ``.metadata.labels.app``, ``.items[0].name``,
``.status.conditions[?(@.type=="Ready")].status``, ``['dotted.key']``.
"""

from __future__ import annotations

from typing import Any


class JSONPathError(ValueError):
    """An expression this subset cannot parse."""


def find(obj: Any, expression: str) -> list[Any]:
    """All values ``expression`` selects in ``obj`` ([] when none)."""
    raise NotImplementedError
