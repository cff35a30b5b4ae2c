"""Shapes shared by every Kanister custom resource: the model base, object references, artifacts.

Field names follow Kanister's JSON tags exactly (camelCase aliases), so a document written for
Kanister parses unchanged and dumps back to the same document. Fields default to Go's zero value,
because Kanister's CRDs require almost nothing and report missing values later, in its own words.
"""

from __future__ import annotations

from typing import Any

import pydantic
from pydantic import alias_generators
from pydantic import config as pydantic_config

API_GROUP = "cr.kanister.io"
API_VERSION = "v1alpha1"
GROUP_VERSION = f"{API_GROUP}/{API_VERSION}"

# The CRD generator reads these markers from a field's json_schema_extra.
PRESERVE_UNKNOWN: pydantic_config.JsonDict = {"x-kubernetes-preserve-unknown-fields": True}
DATE_TIME: pydantic_config.JsonDict = {"format": "date-time"}


class KanisterModel(pydantic.BaseModel):
    """Base of every resource shape: camelCase on the wire, snake_case in Python.

    Unknown fields are dropped, as the API server prunes fields a structural schema does not
    declare; models that Kanister's CRDs mark as free-form override `extra`.
    """

    model_config = pydantic.ConfigDict(
        alias_generator=alias_generators.to_camel,
        populate_by_name=True,
        extra="ignore",
        validate_assignment=False,
    )

    @pydantic.model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        # Go writes nil maps and pointers as `null` (kanctl's YAML has `options: null`); the API
        # server prunes nulls of non-nullable fields, so a null reads as an unset field here too.
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class FreeFormModel(KanisterModel):
    """A shape whose unknown fields survive a round trip (Kanister marks them preserved)."""

    model_config = pydantic.ConfigDict(extra="allow")


class ObjectReference(KanisterModel):
    """A reference to a Kubernetes object (Kanister's `ObjectReference`)."""

    api_version: str = pydantic.Field(default="", description="API version of the referent.")
    group: str = pydantic.Field(default="", description="API Group of the referent.")
    resource: str = pydantic.Field(default="", description="Resource name of the referent.")
    kind: str = pydantic.Field(default="", description="Kind of the referent.")
    name: str = pydantic.Field(default="", description="Name of the referent.")
    namespace: str = pydantic.Field(default="", description="Namespace of the referent.")


class SecretReference(KanisterModel):
    """A reference to a Secret by name and namespace (core/v1 `SecretReference`)."""

    name: str = pydantic.Field(default="", description="Name of the Secret.")
    namespace: str = pydantic.Field(default="", description="Namespace of the Secret.")


class Artifact(KanisterModel):
    """Values an action hands to a later one: key/value pairs or a Kopia snapshot."""

    key_value: dict[str, str] = pydantic.Field(default_factory=dict)
    kopia_snapshot: str = ""


class ObjectMeta(FreeFormModel):
    """The fields of `metadata` the controller reads; every other field is kept as given."""

    name: str = ""
    generate_name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    labels: dict[str, str] = pydantic.Field(default_factory=dict)
    annotations: dict[str, str] = pydantic.Field(default_factory=dict)
    finalizers: list[str] = pydantic.Field(default_factory=list)
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    owner_references: list[dict[str, Any]] = pydantic.Field(default_factory=list)


def type_meta_field(kind: str) -> Any:
    """The `kind` field of a top-level resource, fixed to the resource's kind."""
    return pydantic.Field(default=kind, description="Kind of this resource.")


def api_version_field() -> Any:
    """The `apiVersion` field of a top-level resource."""
    return pydantic.Field(
        default=GROUP_VERSION, description=f"API version of this resource: {GROUP_VERSION}."
    )
