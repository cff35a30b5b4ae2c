"""KubeTask: run a command in a new pod and collect `kando output` markers from its log.

Kanister `pkg/function/kube_task.go` (reference 1.2 #1): pod `kanister-job-*` in `namespace` (the
controller's when empty), podOverride/podLabels/podAnnotations merged with the ActionSet's, the
`kanister.io/JobID` label when the ActionSet has one; output = every marker in the log (`{}` when
there is none). Not idempotent: the command may have side effects.
"""

from __future__ import annotations

from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base, podrunning

NAME = "KubeTask"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()  # whatever the command writes with `kando output`


class Args(args_decoding.ArgsModel):
    image: str
    command: list[str]
    namespace: str = ""
    pod_override: dict[str, Any] | None = pydantic.Field(default=None, alias="podOverride")
    pod_labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")
    pod_annotations: dict[str, str] | None = pydantic.Field(default=None, alias="podAnnotations")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    pod = podrunning.job_pod(
        ctx,
        namespace=parsed.namespace,
        image=parsed.image,
        command=parsed.command,
        pod_override=parsed.pod_override,
        labels=parsed.pod_labels,
        annotations=parsed.pod_annotations,
    )
    return podrunning.run_pod(ctx, pod=pod)


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("image", "command"),
    all_args=("image", "command", "namespace", "podOverride", "podAnnotations", "podLabels"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    creates_pods=True,
)
