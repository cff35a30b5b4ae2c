"""ScaleWorkload: set a Deployment's or StatefulSet's replicas and (by default) wait until ready.

Kanister `pkg/function/scale_workload.go` (reference 1.2 #6): `replicas` is an int or a numeric
string; `namespace`, `name` and `kind` default to the action's target workload (TemplateParams
`.StatefulSet` / `.Deployment`), otherwise all three are required; `waitForReady` defaults to
true. Output `originalReplicaCount`, also returned when the scale itself fails. Idempotent: scaling
to the same count again is harmless, so restart recovery may re-run it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import waiting, workloads
from kes.functions import args as args_decoding
from kes.functions import base

NAME = "ScaleWorkload"
IDEMPOTENT = True
OUTPUTS = ("originalReplicaCount",)
_INT32 = (-(2**31), 2**31 - 1)


class Args(args_decoding.ArgsModel):
    replicas: Any
    namespace: str | None = None
    name: str | None = None
    kind: str | None = None
    wait_for_ready: bool = pydantic.Field(default=True, alias="waitForReady")


def replica_count(value: Any) -> int:
    """Kanister's switch on the replicas type: ints pass, strings go through Atoi, else error."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        type_name = args_decoding.go_type(value)
        raise base.ArgumentError(f"Invalid arg type {type_name} for Arg replicas ")
    if isinstance(value, str):
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise base.ArgumentError(
                f'Cannot convert {value} to int : strconv.Atoi: parsing "{value}": invalid syntax'
            )
        number = int(value)
    else:
        number = value
    # Go converts with int32(v): out-of-range values wrap around.
    number = (number - _INT32[0]) % 2**32 + _INT32[0]
    return number


def target(template_params: Mapping[str, Any], parsed: Args) -> tuple[str, str, str]:
    """(kind, namespace, name): explicit args win over the action's target workload."""
    kind = namespace = name = ""
    for key, default_kind in (
        ("StatefulSet", "statefulset"),
        ("Deployment", "deployment"),
        ("DeploymentConfig", "deploymentconfig"),
    ):
        workload = template_params.get(key)
        if workload:
            kind = default_kind
            name = str(workload.get("Name", ""))
            namespace = str(workload.get("Namespace", ""))
            break
    else:
        if parsed.namespace is None or parsed.name is None or parsed.kind is None:
            raise base.ArgumentError(
                "Workload information not available via defaults or namespace/name/kind parameters"
            )
    return (
        parsed.kind if parsed.kind is not None else kind,
        parsed.namespace if parsed.namespace is not None else namespace,
        parsed.name if parsed.name is not None else name,
    )


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    replicas = replica_count(parsed.replicas)
    kind, namespace, name = target(ctx.template_params, parsed)
    lowered = kind.lower()
    if lowered not in workloads.KINDS:
        raise base.FunctionError(f"Workload type not supported {kind}")
    try:
        current = workloads.get(ctx.api, kind=lowered, namespace=namespace, name=name)
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to get {kind} {namespace}/{name}: {exc}") from exc
    output: dict[str, Any] = {"originalReplicaCount": workloads.spec_replicas(current)}
    try:
        workloads.scale(ctx.api, kind=lowered, namespace=namespace, name=name, replicas=replicas)
        if parsed.wait_for_ready:
            workloads.wait_ready(
                ctx.api, kind=lowered, namespace=namespace, name=name, cancel=ctx.cancel
            )
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(
            f"Failed to scale {kind} {namespace}/{name} to {replicas} replicas: {exc}",
            output=output,
        ) from exc
    return output


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("replicas",),
    all_args=("replicas", "namespace", "name", "kind", "waitForReady"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
