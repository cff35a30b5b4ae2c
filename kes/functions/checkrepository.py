"""CheckRepository: can the restic repository be opened with this key?

Kanister `pkg/function/checkRepository.go` (reference kanister.md 1.2 #23): a pod
`check-repository-<random>` in the controller's namespace (`image`, default kanister-tools)
opens the repository `<backupArtifactPrefix>`. Outputs `passwordIncorrect` and `repoUnavailable`
(`"true"`/`"false"`) and `version`; the phase fails only for other errors. As in Kanister, an
unreachable endpoint or a missing bucket count as `repoUnavailable` (restic's message for them
asks "Is there a repository at the following location?", which is what Kanister looks for).

Different from Kanister, on purpose: `encryptionKey` is required; credentials reach restic through
its environment only; the probe is `restic cat config` (Kanister lists the latest snapshot, which
reads every snapshot file; both open the repository with the key the same way). Idempotent.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.adapters.restic import classifying
from kes.functions import args as args_decoding
from kes.functions import base
from kes.functions.datamover import arguments, repositories, running, toolpods

NAME = "CheckRepository"
IDEMPOTENT = True
PASSWORD_INCORRECT = "passwordIncorrect"  # noqa: S105 - an output's name
REPO_UNAVAILABLE = "repoUnavailable"
OUTPUTS = (PASSWORD_INCORRECT, REPO_UNAVAILABLE, arguments.OUTPUT_VERSION)
JOB_PREFIX = "check-repository-"
REQUIRED = ("backupArtifactPrefix",)
UNAVAILABLE = frozenset(
    {
        classifying.Kind.REPOSITORY_MISSING,
        classifying.Kind.BUCKET_MISSING,
        classifying.Kind.UNREACHABLE,
    }
)


class Args(arguments.PodArgs):
    backup_artifact_prefix: str = pydantic.Field(alias="backupArtifactPrefix")
    image: str = ""


def _outputs(*, password_incorrect: bool, unavailable: bool) -> dict[str, Any]:
    return {
        PASSWORD_INCORRECT: "true" if password_incorrect else "false",
        REPO_UNAVAILABLE: "true" if unavailable else "false",
        arguments.OUTPUT_VERSION: arguments.DEFAULT_VERSION,
    }


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    key = arguments.encryption_key(parsed, function=NAME)
    repository = arguments.repository(ctx, parsed.backup_artifact_prefix)
    with toolpods.restic_session(
        ctx,
        namespace=ctx.namespace,
        image=parsed.image or arguments.tools_image(),
        generate_name=JOB_PREFIX,
        parsed=parsed,
        repository=repository,
        password=key,
    ) as session:
        try:
            repositories.probe(session)
        except running.ResticError as exc:
            kind = exc.failure.kind
            if kind is classifying.Kind.WRONG_PASSWORD:
                return _outputs(password_incorrect=True, unavailable=False)
            if kind in UNAVAILABLE:
                return _outputs(password_incorrect=False, unavailable=True)
            raise base.FunctionError(f"Failed to list snapshots: {exc}") from None
    return _outputs(password_incorrect=False, unavailable=False)


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=REQUIRED,
    all_args=(
        "image", "backupArtifactPrefix", arguments.ENCRYPTION_KEY, arguments.INSECURE_TLS,
        "podOverride", "podAnnotations", "podLabels",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    category=arguments.CATEGORY,
    creates_pods=True,
    secret_args=arguments.SECRET_ARGS,
)  # fmt: skip
