"""PrepareData: run a command in a pod that mounts PVCs, e.g. to seed or wipe application data.

Kanister `prepare_data.go` (reference 1.2 #5): pod `prepare-data-job-*` in `namespace` mounting
`volumes` (PVC → mount path; by default every PVC of the target Deployment/StatefulSet at
`/mnt/prepare_data/<pvc>`, none → `No volumes found`); each PVC must exist. The phase waits for
the pod to finish, then reads its whole log for `kando output` markers. A failed pod fails the
phase only when `failOnError` is true. Not idempotent: the command may have side effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import objects, pods, waiting
from kes.domain import outputs
from kes.functions import args as args_decoding
from kes.functions import base, podrunning

NAME = "PrepareData"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()
JOB_PREFIX = "prepare-data-job-"
MOUNT_ROOT = "/mnt/prepare_data"


class Args(args_decoding.ArgsModel):
    namespace: str
    image: str
    command: list[str]
    volumes: dict[str, str] | None = None
    service_account: str = pydantic.Field(default="", alias="serviceaccount")
    pod_override: dict[str, Any] | None = pydantic.Field(default=None, alias="podOverride")
    pod_labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")
    pod_annotations: dict[str, str] | None = pydantic.Field(default=None, alias="podAnnotations")
    fail_on_error: bool = pydantic.Field(default=False, alias="failOnError")


def default_volumes(template_params: Mapping[str, Any]) -> dict[str, str]:
    """Every PVC of the target workload's pods, mounted under /mnt/prepare_data/<pvc>."""
    workload = template_params.get("Deployment") or template_params.get("StatefulSet")
    if not isinstance(workload, Mapping):
        raise base.FunctionError("Failed to get volumes")
    volumes: dict[str, str] = {}
    for claims in (workload.get("PersistentVolumeClaims") or {}).values():
        for pvc in claims or {}:
            volumes[str(pvc)] = f"{MOUNT_ROOT}/{pvc}"
    if not volumes:
        raise base.FunctionError("No volumes found")
    return volumes


def _check_claims(ctx: base.PhaseContext, *, namespace: str, volumes: Mapping[str, str]) -> None:
    for pvc in volumes:
        try:
            objects.get(
                ctx.api, group="", version="v1", resource="persistentvolumeclaims",
                namespace=namespace, name=pvc,
            )  # fmt: skip
        except k8s_errors.ApiError as exc:
            raise base.FunctionError(
                f"Failed to retrieve PVC. Namespace {namespace}, Name {pvc}: {exc}"
            ) from None


def _collect(
    ctx: base.PhaseContext, *, namespace: str, name: str, container: str, fail_on_error: bool
) -> dict[str, Any]:
    try:
        pods.wait_for_completion(ctx.api, namespace=namespace, name=name, cancel=ctx.cancel)
    except pods.PodFailedError as exc:
        if fail_on_error:
            tail = pods.tail_text(
                pods.read_logs(ctx.api, namespace=namespace, name=name, container=container)
            )
            raise base.FunctionError(
                f"Failed while waiting for Pod {name} to complete: Pod failed or did not "
                f"transition into complete state: {tail}: {exc}"
            ) from None
    scanner = outputs.OutputScanner(on_log=ctx.on_log)
    try:
        scanner.feed(pods.read_logs(ctx.api, namespace=namespace, name=name, container=container))
        return scanner.close()
    except outputs.OutputError as exc:
        raise base.FunctionError(str(exc)) from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to fetch logs from the pod: {exc}") from None


def build(ctx: base.PhaseContext, parsed: Args, *, volumes: Mapping[str, str]) -> dict[str, Any]:
    """The pod body: `prepare-data-job-*`, the PVCs mounted, the service account if given."""
    pod = podrunning.job_pod(
        ctx,
        namespace=parsed.namespace,
        image=parsed.image,
        command=parsed.command,
        pod_override=parsed.pod_override,
        labels=parsed.pod_labels,
        annotations=parsed.pod_annotations,
        generate_name=JOB_PREFIX,
        volumes=volumes,
    )
    # Kanister sets the service account before applying podOverride, so an override wins.
    overridden = {**dict(parsed.pod_override or {}), **dict(ctx.pod_override or {})}
    if parsed.service_account and "serviceAccountName" not in overridden:
        pod["spec"]["serviceAccountName"] = parsed.service_account
    return pod


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    volumes = parsed.volumes or default_volumes(ctx.template_params)
    _check_claims(ctx, namespace=parsed.namespace, volumes=volumes)
    pod = build(ctx, parsed, volumes=volumes)
    if ctx.cancel.is_set():
        raise base.FunctionCancelledError()
    try:
        created = pods.create(ctx.api, body=pod, cancel=ctx.cancel)
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to create pod: {exc}") from None
    name = created["metadata"]["name"]
    namespace = created["metadata"]["namespace"]
    container = created["spec"]["containers"][0]["name"]
    try:
        return _collect(
            ctx, namespace=namespace, name=name, container=container,
            fail_on_error=parsed.fail_on_error,
        )  # fmt: skip
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(
            f"Failed while waiting for Pod {name} to complete: {exc}"
        ) from None
    finally:
        podrunning.delete_pod(ctx, namespace=namespace, name=name)


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("namespace", "image", "command"),
    all_args=(
        "namespace", "image", "command", "volumes", "serviceaccount", "podOverride",
        "podLabels", "podAnnotations", "failOnError",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    creates_pods=True,
)  # fmt: skip
