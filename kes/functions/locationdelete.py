"""LocationDelete: delete an artifact's objects from the action's Profile location.

Kanister `pkg/function/location_delete.go` (0.119.0; reference 1.2 #24): one required arg,
`artifact`; the Profile is required and checked with `ValidateProfile` (failures read
`Failed to validate Profile: <why>`); a leading bucket name is trimmed from the artifact with a
plain string prefix trim, then every object under `<profile prefix>/<artifact>` is deleted from
the controller process (`location.Delete`). No output. Idempotent: deleting what is already
gone deletes nothing and succeeds, so restart recovery may re-run it.
"""

from __future__ import annotations

from typing import Any

from kes.adapters.objectstore import errors as store_errors
from kes.adapters.objectstore import locations
from kes.domain import credentials, masking, profiles
from kes.functions import args as args_decoding
from kes.functions import base

NAME = "LocationDelete"
IDEMPOTENT = True
OUTPUTS: tuple[str, ...] = ()
ARTIFACT_ARG = "artifact"


class Args(args_decoding.ArgsModel):
    artifact: str


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> None:
    parsed = args_decoding.load(Args, args)
    profile = profiles.from_params(ctx.template_params.get("Profile"))
    try:
        credentials.validate_for_function(profile)
    except credentials.CredentialError as exc:
        raise base.FunctionError(f"Failed to validate Profile: {exc}") from None
    assert profile is not None  # validate_for_function refuses None
    suffix = parsed.artifact.removeprefix(profile.location.bucket)
    try:
        locations.delete(profile, suffix)
    except (store_errors.ObjectStoreError, profiles.ProfileError) as exc:
        # Store messages hold no credentials; masking is the second line of defence.
        raise base.FunctionError(
            masking.mask(str(exc), secrets=profile.secret_values())
        ) from None
    return None


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=(ARTIFACT_ARG,),
    all_args=(ARTIFACT_ARG,),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category="objstore",
)
