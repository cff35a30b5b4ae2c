"""meta.k8s.io/v1 Table responses, with the columns kubectl shows for each kind.

``kubectl get`` asks for a Table and prints the cells as given, so the server computes ages,
READY counts and statuses the way kubectl's own printers do. Custom resources use their CRD's
``additionalPrinterColumns`` (evaluated with :mod:`jsonpath`).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from kes.devcluster import jsonpath, table_cells, table_printers

Row = table_cells.Row

# The apiserver's descriptions of the two standard columns.
_NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some"
    " resources may allow a client to request the generation of an appropriate name"
    " automatically. Name is primarily intended for creation idempotence and configuration"
    " definition. Cannot be updated. More info:"
    " https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was"
    " created. It is not guaranteed to be set in happens-before order across separate"
    " operations. Clients may not set this value. It is represented in RFC3339 form and is in"
    " UTC.\n\nPopulated by the system. Read-only. Null for lists. More info:"
    " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)


def age(timestamp: str | None, *, now: datetime.datetime) -> str:
    """kubectl's human duration (``5s``, ``3m20s``, ``2d3h``) since an RFC 3339 timestamp."""
    return table_cells.age(timestamp, now=now)


def _column(name: str, *, type_: str = "string", fmt: str = "", description: str = "",
            priority: int = 0) -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": description,
            "priority": priority}


def _name_column() -> dict[str, Any]:
    return _column("Name", fmt="name", description=_NAME_DESCRIPTION)


def _age_column() -> dict[str, Any]:
    return _column("Age", description=_AGE_DESCRIPTION)


def _builtin_columns(kind: str) -> tuple[list[dict[str, Any]], Row] | None:
    spec = table_printers.PRINTERS.get(kind)
    if spec is None:
        return None
    columns: list[dict[str, Any]] = []
    for name, type_, priority in spec.columns:
        if name == "Name" and priority == 0:
            columns.append(_name_column())
        elif name == "Age" and priority == 0:
            columns.append(_age_column())
        else:
            columns.append(_column(name, type_=type_, priority=priority))
    return columns, spec.row


def _default_columns() -> tuple[list[dict[str, Any]], Row]:
    def row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
        metadata = obj.get("metadata") or {}
        return [metadata.get("name", ""), age(metadata.get("creationTimestamp"), now=now)]

    # A custom resource's Age column is typed `date`, as the CRD handler types it.
    return [_name_column(), {**_age_column(), "type": "date"}], row


def _cell(values: list[Any], *, type_: str, now: datetime.datetime) -> Any:
    if not values:
        return None
    if type_ == "date":
        value = values[0]
        return age(value, now=now) if isinstance(value, str) else None
    if len(values) == 1:
        value = values[0]
        if type_ == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
        if type_ == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if type_ == "boolean" and isinstance(value, bool):
            return value
        if isinstance(value, str):
            return value
        return json.dumps(value, separators=(",", ":"))
    rendered = [v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
                for v in values]
    return ",".join(rendered)


def _crd_columns(printer_columns: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Row]:
    columns = [_name_column()]
    for column in printer_columns:
        declared = column.get("type", "string")
        columns.append(_column(
            str(column.get("name", "")),
            # "date" stays declared as such; the cell already holds the age kubectl prints.
            type_=declared,
            fmt=str(column.get("format", "")),
            description=str(column.get("description", "")),
            priority=int(column.get("priority", 0)),
        ))

    def row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
        cells: list[Any] = [(obj.get("metadata") or {}).get("name", "")]
        for column in printer_columns:
            try:
                found = jsonpath.find(obj=obj, expression=str(column.get("jsonPath", "")))
            except jsonpath.JSONPathError:
                found = []
            cells.append(_cell(found, type_=str(column.get("type", "string")), now=now))
        return cells

    return columns, row


def _safe_cells(row: Row, obj: dict[str, Any], *, now: datetime.datetime,
                width: int) -> list[Any]:
    """The row's cells; a malformed object (the stand-in stores built-ins without checking
    their schema) gets its name and empty cells instead of failing the whole listing."""
    try:
        return row(obj, now)
    except (AttributeError, TypeError, ValueError, KeyError):
        metadata = obj.get("metadata")
        name = metadata.get("name", "") if isinstance(metadata, dict) else ""
        return [name] + [None] * (width - 1)


def _partial_object(obj: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {}}


def table(
    objects: list[dict[str, Any]],
    *,
    kind: str,
    resource_version: str,
    printer_columns: list[dict[str, Any]] | None = None,
    now: datetime.datetime | None = None,
    include_column_definitions: bool = True,
    continue_token: str | None = None,
) -> dict[str, Any]:
    """A Table of ``objects`` (all of ``kind``).

    ``printer_columns`` is the CRD version's ``additionalPrinterColumns`` (None for built-ins;
    unknown kinds without columns get NAME and AGE). ``include_column_definitions=False``
    sends ``columnDefinitions: null`` (watch events after the first). Rows carry the object
    as PartialObjectMetadata.
    """
    moment = now or datetime.datetime.now(tz=datetime.UTC)
    if printer_columns:
        columns, row = _crd_columns(printer_columns)
    else:
        columns, row = _builtin_columns(kind) or _default_columns()
    metadata: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        metadata["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns if include_column_definitions else None,
        "rows": [_row(row, obj, now=moment, width=len(columns), kind=kind) for obj in objects],
    }


# What kube-apiserver's pod printer says of a finished pod (kubectl reads it as "Completed").
_FINISHED = {
    "Succeeded": "The pod has completed successfully.",
    "Failed": "The pod failed.",
}


def _row(row: Row, obj: dict[str, Any], *, now: datetime.datetime, width: int,
         kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"cells": _safe_cells(row, obj, now=now, width=width)}
    phase = (obj.get("status") or {}).get("phase")
    if kind == "Pod" and phase in _FINISHED:
        out["conditions"] = [{"type": "Completed", "status": "True", "reason": phase,
                              "message": _FINISHED[phase]}]
    out["object"] = _partial_object(obj)
    return out
