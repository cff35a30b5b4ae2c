"""The Blueprint custom resource: named actions, each a list of phases that call Kanister functions.

A Blueprint keeps `actions` at the top level (no `spec`), as Kanister's does.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from kes.domain import resources_common as common


class BlueprintPhase(common.KanisterModel):
    """One unit of execution: a Kanister function called with (templated) arguments."""

    func: str = pydantic.Field(default="", description="Name of a registered Kanister function.")
    name: str = pydantic.Field(default="", description="Phase name, unique in the blueprint.")
    objects: dict[str, common.ObjectReference] = pydantic.Field(
        default_factory=dict,
        description="Objects (Secrets, ConfigMaps) fetched when the phase starts.",
    )
    args: dict[str, Any] = pydantic.Field(
        default_factory=dict,
        description="Arguments passed to the function; string values are templates.",
        json_schema_extra=common.PRESERVE_UNKNOWN,
    )


class BlueprintAction(common.KanisterModel):
    """The phases that make up an action, run in order, and its output artifacts."""

    name: str = ""
    kind: str = ""
    config_map_names: list[str] = pydantic.Field(default_factory=list)
    secret_names: list[str] = pydantic.Field(default_factory=list)
    input_artifact_names: list[str] = pydantic.Field(default_factory=list)
    output_artifacts: dict[str, common.Artifact] = pydantic.Field(default_factory=dict)
    phases: list[BlueprintPhase] = pydantic.Field(default_factory=list)
    defer_phase: BlueprintPhase | None = pydantic.Field(
        default=None, description="Phase run after the others, whether they failed or not."
    )


class Blueprint(common.KanisterModel):
    """Instructions that tell the controller how to perform actions on an application."""

    api_version: str = common.api_version_field()
    kind: Literal["Blueprint"] = common.type_meta_field("Blueprint")
    metadata: common.ObjectMeta = pydantic.Field(default_factory=common.ObjectMeta)
    actions: dict[str, BlueprintAction] = pydantic.Field(
        default_factory=dict, description="Action name to the action's phases."
    )

    def phases_of(self, action: str) -> list[BlueprintPhase]:
        """The main phases of an action followed by its deferPhase, if any."""
        found = self.actions[action]
        return [*found.phases, *([found.defer_phase] if found.defer_phase else [])]
