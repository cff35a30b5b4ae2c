"""Label and field selectors, parsed and matched the way the apiserver does.

Lists, watches and deletecollection filter with these; controllers turn a workload's
``spec.selector`` (matchLabels/matchExpressions) into the same requirements. Error messages
follow k8s.io/apimachinery so a client sees what a real cluster would say (HTTP 400).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


class SelectorError(ValueError):
    """An unparsable or unsupported selector; ``str(err)`` is the apiserver's message (400)."""


@dataclasses.dataclass(frozen=True)
class Requirement:
    """One label requirement: operator is one of =, ==, !=, in, notin, exists, !."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class FieldRequirement:
    """One field requirement: operator is = (also ==) or !=."""

    field: str
    operator: str
    value: str


LabelSelector = tuple[Requirement, ...]
FieldSelector = tuple[FieldRequirement, ...]


def parse_label_selector(text: str | None) -> LabelSelector:
    """Parse ``labelSelector`` query text; empty/None selects everything."""
    raise NotImplementedError


def label_selector_from_dict(selector: Mapping[str, object] | None) -> LabelSelector:
    """Convert a metav1.LabelSelector dict (matchLabels, matchExpressions) to requirements."""
    raise NotImplementedError


def matches_labels(selector: LabelSelector, labels: Mapping[str, str] | None) -> bool:
    raise NotImplementedError


def parse_field_selector(text: str | None, *, kind: str | None = None) -> FieldSelector:
    """Parse ``fieldSelector`` text; with ``kind`` ("Pod", "Event", ...) reject unsupported
    fields with ``field label not supported: <field>``."""
    raise NotImplementedError


def matches_fields(selector: FieldSelector, obj: Mapping[str, object]) -> bool:
    raise NotImplementedError


def matches(
    obj: Mapping[str, object],
    *,
    label_selector: LabelSelector = (),
    field_selector: FieldSelector = (),
) -> bool:
    """True when ``obj`` satisfies both selectors."""
    raise NotImplementedError
