"""The ActionSet custom resource: a request to run blueprint actions now, and its status.

The status shapes mirror Kanister's (`status.actions[].phases[]`, `deferPhase`, `progress`,
`error.message`) so that tools reading a Kanister ActionSet read ours unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic

from kes.domain import resources_common as common

STATE_PENDING = "pending"
STATE_RUNNING = "running"
STATE_COMPLETE = "complete"
STATE_FAILED = "failed"
STATES = (STATE_PENDING, STATE_RUNNING, STATE_COMPLETE, STATE_FAILED)


class ActionSpec(common.KanisterModel):
    """One action to run: which blueprint action, on which object, with which inputs."""

    name: str = pydantic.Field(default="", description="The blueprint action to run.")
    object: common.ObjectReference = pydantic.Field(
        default_factory=common.ObjectReference, description="The object the action runs on."
    )
    blueprint: str = pydantic.Field(default="", description="Name of the Blueprint.")
    artifacts: dict[str, common.Artifact] = pydantic.Field(
        default_factory=dict, description="Input artifacts (ArtifactsIn)."
    )
    config_maps: dict[str, common.ObjectReference] = pydantic.Field(default_factory=dict)
    secrets: dict[str, common.ObjectReference] = pydantic.Field(default_factory=dict)
    options: dict[str, str] = pydantic.Field(default_factory=dict)
    profile: common.ObjectReference | None = None
    repository_server: common.ObjectReference | None = None
    pod_override: dict[str, Any] = pydantic.Field(
        default_factory=dict,
        description="Pod spec fields merged onto the pods that functions create.",
        json_schema_extra=common.PRESERVE_UNKNOWN,
    )
    pod_labels: dict[str, str] = pydantic.Field(default_factory=dict)
    pod_annotations: dict[str, str] = pydantic.Field(default_factory=dict)
    preferred_version: str = pydantic.Field(
        default="", description="Version of the Kanister functions to use for this action."
    )


class ActionSetSpec(common.KanisterModel):
    """The actions requested; they run in parallel."""

    actions: list[ActionSpec] = pydantic.Field(default_factory=list)


class PhaseProgress(common.KanisterModel):
    """How far a phase got, as its function reports it."""

    progress_percent: str = ""
    size_downloaded_b: int = 0
    size_uploaded_b: int = 0
    # Kanister's Go tag is misspelt `estinatedTimeSeconds`, which its own CRD prunes; we keep the
    # CRD's spelling so the field survives the API server.
    estimated_time_seconds: int = 0
    estimated_download_size_b: int = 0
    estimated_upload_size_b: int = 0
    last_transition_time: str | None = pydantic.Field(
        default=None, json_schema_extra=common.DATE_TIME
    )


class Phase(common.KanisterModel):
    """The state of one phase of an action."""

    name: str = ""
    state: str = ""
    reason: str = ""
    output: dict[str, Any] | None = pydantic.Field(
        default=None, json_schema_extra=common.PRESERVE_UNKNOWN
    )
    progress: PhaseProgress | None = None


class ActionStatus(common.KanisterModel):
    """The state of one action: its phases, deferPhase and (rendered) artifacts."""

    name: str = ""
    object: common.ObjectReference = pydantic.Field(default_factory=common.ObjectReference)
    blueprint: str = ""
    phases: list[Phase] = pydantic.Field(default_factory=list)
    artifacts: dict[str, common.Artifact] = pydantic.Field(default_factory=dict)
    defer_phase: Phase | None = None


class ActionProgress(common.KanisterModel):
    """Progress of the whole ActionSet (what `kubectl get actionsets` shows)."""

    running_phase: str = ""
    percent_completed: str = ""
    size_downloaded_b: int = 0
    size_uploaded_b: int = 0
    estimated_download_size_b: int = 0
    estimated_upload_size_b: int = 0
    last_transition_time: str | None = pydantic.Field(
        default=None, json_schema_extra=common.DATE_TIME
    )


class ActionSetError(common.KanisterModel):
    """The error that failed the ActionSet."""

    message: str = ""


class ActionSetStatus(common.KanisterModel):
    """Written by the controller only."""

    state: str = ""
    actions: list[ActionStatus] = pydantic.Field(default_factory=list)
    error: ActionSetError | None = None
    progress: ActionProgress | None = None


class ActionSet(common.KanisterModel):
    """A request to run actions of blueprints now; the controller reports in `status`."""

    api_version: str = common.api_version_field()
    kind: Literal["ActionSet"] = common.type_meta_field("ActionSet")
    metadata: common.ObjectMeta = pydantic.Field(default_factory=common.ObjectMeta)
    spec: ActionSetSpec | None = None
    status: ActionSetStatus | None = None
