"""Arguments and rules every restic-based function shares, and where kes departs from Kanister.

- `encryptionKey` has no default. Kanister falls back to `hex(sha256("testpassword"))`, the same
  public key for every repository of every user; kes fails the phase instead and says what to
  set. A repository Kanister created with that default stays readable: pass the key explicitly.
- `encryptionKey` is declared a secret argument, so the controller masks its value out of the
  recorded args, status and history even when a Blueprint writes it literally.
- The Profile is required and validated as Kanister's `ValidateProfile` does (plus filestore).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pydantic

from kes.adapters.restic import locations
from kes.domain import profiles
from kes.functions import args as args_decoding
from kes.functions import base

ENCRYPTION_KEY = "encryptionKey"
INSECURE_TLS = "insecureTLS"
SECRET_ARGS = (ENCRYPTION_KEY,)
POD_ARGS = ("podOverride", "podAnnotations", "podLabels")
CATEGORY = "data-mover"
OUTPUT_VERSION = "version"
DEFAULT_VERSION = base.DEFAULT_VERSION
TOOLS_IMAGE_ENV = "KANISTER_TOOLS"
DEFAULT_TOOLS_IMAGE = "ghcr.io/kanisterio/kanister-tools:0.119.0"


def tools_image() -> str:
    """Kanister's `consts.GetKanisterToolsImage`: `$KANISTER_TOOLS` or the release's image."""
    return os.environ.get(TOOLS_IMAGE_ENV) or DEFAULT_TOOLS_IMAGE


class ResticArgs(args_decoding.ArgsModel):
    """The two arguments of every restic function."""

    encryption_key: str | None = pydantic.Field(default=None, alias=ENCRYPTION_KEY)
    insecure_tls: bool = pydantic.Field(default=False, alias=INSECURE_TLS)


class PodArgs(ResticArgs):
    """…and those of the functions that run restic in a pod of their own."""

    pod_override: dict[str, Any] | None = pydantic.Field(default=None, alias="podOverride")
    pod_labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")
    pod_annotations: dict[str, str] | None = pydantic.Field(default=None, alias="podAnnotations")


def encryption_key(parsed: ResticArgs, *, function: str) -> str:
    """The key to open the repository with; a phase without one fails, saying what to set."""
    if parsed.encryption_key:
        return parsed.encryption_key
    raise base.ArgumentError(
        f"{function} needs the argument {ENCRYPTION_KEY}: kes has no default restic encryption "
        "key (Kanister's default is the same public key for everyone). Set encryptionKey, for "
        "example to '{{ .Secrets.<name>.Data.<key> | toString }}' from a Secret named in the "
        "ActionSet; for a repository Kanister created with its default, set Kanister's default "
        "key explicitly."
    )


def profile(ctx: base.PhaseContext) -> profiles.ResolvedProfile | None:
    """The phase's Profile, credentials resolved, as the domain reads it for every data mover."""
    value = ctx.template_params.get("Profile")
    return profiles.from_params(value if isinstance(value, Mapping) else None)


def check_profile(ctx: base.PhaseContext, *, wrap: str = "") -> profiles.ResolvedProfile:
    """The phase's Profile, validated as Kanister's `ValidateProfile` (messages prefixed by
    `wrap` where Kanister wraps them: `Failed to validate Profile`)."""
    found = profile(ctx)
    try:
        locations.validate_profile(found)
    except locations.LocationError as exc:
        message = str(exc)
        if found is None:
            message += (
                ": name a Profile in the ActionSet (spec.actions[].profile, or "
                "`kes actionset create --profile`)"
            )
        raise base.FunctionError(f"{wrap}: {message}" if wrap else message) from None
    assert found is not None
    return found


def repository(
    ctx: base.PhaseContext, prefix: str, *, wrap: str = "", resolve: bool = True
) -> locations.Repository:
    """The repository at `prefix` (Kanister's `ResolveArtifactPrefix` applied when `resolve`)."""
    found = check_profile(ctx, wrap=wrap)
    resolved = locations.resolve_artifact_prefix(prefix, found) if resolve else prefix
    try:
        return locations.repository(found, resolved)
    except locations.LocationError as exc:
        raise base.FunctionError(f"{wrap}: {exc}" if wrap else str(exc)) from None


def resolved_prefix(ctx: base.PhaseContext, prefix: str) -> str:
    found = profile(ctx)
    return locations.resolve_artifact_prefix(prefix, found) if found else prefix


def insecure_tls(parsed: ResticArgs, repository: locations.Repository) -> bool:
    """`--insecure-tls` when the argument asks for it or the Profile skips SSL verification."""
    return parsed.insecure_tls or repository.skip_ssl_verify


def workload_pods(template_params: Mapping[str, Any], *, error: str) -> list[str]:
    """The running pods of the target Deployment or StatefulSet (Kanister's `tp.*.Pods`)."""
    for key in ("Deployment", "StatefulSet"):
        workload = template_params.get(key)
        if isinstance(workload, Mapping):
            return [str(p) for p in workload.get("Pods") or []]
    raise base.FunctionError(error)


def pod_volumes(template_params: Mapping[str, Any], pod: str) -> dict[str, str]:
    """Kanister's `FetchPodVolumes`: the pod's PVC → mount path map from the TemplateParams."""
    for key in ("Deployment", "StatefulSet"):
        workload = template_params.get(key)
        if isinstance(workload, Mapping):
            claims = (workload.get("PersistentVolumeClaims") or {}).get(pod)
            if claims is None:
                raise base.FunctionError(f"Failed to find volumes for the Pod: {pod}")
            return {str(k): str(v) for k, v in claims.items()}
    raise base.FunctionError("Invalid Template Params")
