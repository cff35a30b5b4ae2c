"""meta.k8s.io/v1 Table responses, with the columns kubectl shows for each kind.

``kubectl get`` asks for a Table and prints the cells as given, so the server computes ages,
READY counts and statuses. Custom resources use their CRD's ``additionalPrinterColumns``.
"""

from __future__ import annotations

import datetime
from typing import Any


def table(
    objects: list[dict[str, Any]],
    *,
    kind: str,
    resource_version: str,
    printer_columns: list[dict[str, Any]] | None = None,
    now: datetime.datetime | None = None,
    include_column_definitions: bool = True,
) -> dict[str, Any]:
    """A Table of ``objects`` (all of ``kind``).

    ``printer_columns`` is the CRD version's ``additionalPrinterColumns`` (None for built-ins
    or CRDs without any: NAME and AGE). ``include_column_definitions=False`` sends
    ``columnDefinitions: null`` (watch events after the first). Rows carry the object as
    PartialObjectMetadata.
    """
    raise NotImplementedError


def age(timestamp: str | None, *, now: datetime.datetime) -> str:
    """kubectl's human duration (``5s``, ``3m20s``, ``2d3h``) since an RFC 3339 timestamp."""
    raise NotImplementedError
