"""The CustomResourceDefinitions of Kanister's four kinds, generated from the pydantic models.

Generating them keeps the schema the API server enforces and the models the controller parses
with in step: a field added to a model appears in the CRD with `kes crds`, and a test keeps the
checked-in `deploy/crds/*.yaml` equal to this output. The schemas are structural (every node
typed, free-form parts marked `x-kubernetes-preserve-unknown-fields`), ActionSet and
RepositoryServer have the `status` subresource, and ActionSet keeps Kanister's printer columns.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any

import pydantic
import yaml

from kes.domain import resources
from kes.domain import resources_common as common

PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"

# Kanister's own `kubectl get actionsets` columns (pkg/customresource/actionset.yaml).
ACTIONSET_COLUMNS: list[dict[str, Any]] = [
    {
        "name": "Progress",
        "type": "string",
        "description": "Progress of completion in percentage",
        "jsonPath": ".status.progress.percentCompleted",
    },
    {
        "name": "SizeDownloadedB",
        "type": "integer",
        "description": "Amount of data that has been downloaded",
        "jsonPath": ".status.progress.sizeDownloadedB",
    },
    {
        "name": "SizeUploadedB",
        "type": "integer",
        "description": "Amount of data that has been uploaded",
        "jsonPath": ".status.progress.sizeUploadedB",
    },
    {
        "name": "EstimatedDownloadSizeB",
        "type": "integer",
        "description": "Estimated amount of data to be downloaded",
        "jsonPath": ".status.progress.estimatedDownloadSizeB",
    },
    {
        "name": "EstimatedUploadSizeB",
        "type": "integer",
        "description": "Estimated amount of data to be uploaded",
        "jsonPath": ".status.progress.estimatedUploadSizeB",
    },
    {
        "name": "Running Phase",
        "type": "string",
        "description": (
            'The phase that is being run. If the actionset is completed, it is set to ""'
        ),
        "jsonPath": ".status.progress.runningPhase",
    },
    {
        "name": "Last Transition Time",
        "type": "string",
        "format": "date-time",
        "description": "Progress last transition time",
        "jsonPath": ".status.progress.lastTransitionTime",
    },
    {
        "name": "State",
        "type": "string",
        "description": "State of the actionset",
        "jsonPath": ".status.state",
    },
]

# Kanister defines no short names; these are kes additions (`kubectl get as,bp`), and the
# `kanister` category lists all four kinds at once (`kubectl get kanister`).
_KINDS: list[tuple[type[pydantic.BaseModel], str, list[str], list[dict[str, Any]]]] = [
    (resources.ActionSet, "actionsets", ["as"], ACTIONSET_COLUMNS),
    (resources.Blueprint, "blueprints", ["bp"], []),
    (resources.Profile, "profiles", ["prof"], []),
    (resources.RepositoryServer, "repositoryservers", ["reposerver"], []),
]
CATEGORY = "kanister"


def crd_documents() -> list[dict[str, Any]]:
    """The four CRDs, in the order ActionSet, Blueprint, Profile, RepositoryServer."""
    return [
        _crd(model=model, plural=plural, short_names=short, columns=columns)
        for model, plural, short, columns in _KINDS
    ]


def file_name(crd: dict[str, Any]) -> str:
    """The file a CRD is checked in as under deploy/crds/ (`<plural>.yaml`)."""
    return f"{crd['spec']['names']['plural']}.yaml"


def render(crd: dict[str, Any]) -> str:
    """One CRD as YAML text, byte-stable for the checked-in copies."""
    text: str = yaml.safe_dump(crd, sort_keys=False, default_flow_style=False, width=100)
    return text


def render_all() -> str:
    """All four CRDs as one multi-document YAML stream (what `kes crds` prints)."""
    return "---\n".join(render(crd) for crd in crd_documents())


def _crd(
    *,
    model: type[pydantic.BaseModel],
    plural: str,
    short_names: list[str],
    columns: list[dict[str, Any]],
) -> dict[str, Any]:
    kind = model.model_fields["kind"].default
    version: dict[str, Any] = {
        "name": common.API_VERSION,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": schema_of_model(model, top_level=True)},
    }
    if "status" in model.model_fields:
        version["subresources"] = {"status": {}}
    if columns:
        version["additionalPrinterColumns"] = columns
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{common.API_GROUP}"},
        "spec": {
            "group": common.API_GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": short_names,
                "categories": [CATEGORY],
            },
            "scope": "Namespaced",
            "versions": [version],
        },
    }


def schema_of_model(model: type[pydantic.BaseModel], *, top_level: bool = False) -> dict[str, Any]:
    """The structural schema of a model: its fields under their aliases, required ones listed."""
    schema: dict[str, Any] = {"type": "object"}
    if model.__doc__:
        schema["description"] = inspect.cleandoc(model.__doc__).split("\n\n")[0].replace("\n", " ")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if top_level and name == "metadata":
            # The API server owns metadata's schema; a CRD may only say it is an object.
            properties[alias] = {"type": "object"}
            continue
        prop = schema_of_annotation(field.annotation)
        if field.description:
            # The field's own description says more than its type's docstring.
            rest = {key: value for key, value in prop.items() if key != "description"}
            prop = {"description": field.description, **rest}
        if isinstance(field.json_schema_extra, dict):
            prop.update(field.json_schema_extra)
        properties[alias] = prop
        if field.is_required():
            required.append(alias)
    schema["properties"] = properties
    if required:
        schema["required"] = required
    model_extra = model.model_config.get("json_schema_extra")
    if isinstance(model_extra, dict):
        schema.update(model_extra)
    if model.model_config.get("extra") == "allow":
        schema[PRESERVE_UNKNOWN] = True
    return schema


def schema_of_annotation(annotation: Any) -> dict[str, Any]:
    """The structural schema of one field type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1:
            raise TypeError(f"unions other than Optional have no structural schema: {annotation}")
        return schema_of_annotation(present[0])
    if annotation is Any:
        return {PRESERVE_UNKNOWN: True}
    if origin is typing.Literal:
        return {"type": "string"}
    if origin is dict:
        if args[1] is Any:
            return {"type": "object", PRESERVE_UNKNOWN: True}
        return {"type": "object", "additionalProperties": schema_of_annotation(args[1])}
    if origin is list:
        return {"type": "array", "items": schema_of_annotation(args[0])}
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return schema_of_model(annotation)
    scalars = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in scalars:
        return {"type": scalars[annotation]}
    raise TypeError(f"no structural schema for {annotation!r}")
