"""A pod that idles while restic is exec'd into it: Kanister's `PrepareAndRunPod` + `PodRunner`.

RestoreData, DeleteData, CopyVolumeData, BackupDataStats and CheckRepository create a pod named
`<prefix>-<random>` running `sh -c "tail -f /dev/null"` (the PVCs it needs mounted), wait until
it runs, exec their restic commands in it and delete it (grace 0) whatever happened, also on
cancellation. The pod carries the labels every phase pod carries (podrunning.job_pod).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import objects, pods, waiting
from kes.adapters.restic import locations
from kes.functions import base, podrunning
from kes.functions.datamover import arguments, repositories, running

IDLE_COMMAND = ["sh", "-c", "tail -f /dev/null"]


def check_claims(ctx: base.PhaseContext, *, namespace: str, claims: Mapping[str, str]) -> None:
    """Every PVC must exist before the pod is made (`Failed to retrieve PVC.`)."""
    for pvc in claims:
        try:
            objects.get(
                ctx.api, group="", version="v1", resource="persistentvolumeclaims",
                namespace=namespace, name=pvc,
            )  # fmt: skip
        except k8s_errors.ApiError as exc:
            raise base.FunctionError(
                f"Failed to retrieve PVC. Namespace {namespace}, Name {pvc}: {exc}"
            ) from None


@contextlib.contextmanager
def tool_pod(
    ctx: base.PhaseContext,
    *,
    namespace: str,
    image: str,
    generate_name: str,
    parsed: arguments.PodArgs,
    volumes: Mapping[str, str] | None = None,
) -> Iterator[running.Target]:
    """Create the idle pod, wait until it runs, yield where to exec; always delete it."""
    body: dict[str, Any] = podrunning.job_pod(
        ctx,
        namespace=namespace,
        image=image,
        command=list(IDLE_COMMAND),
        pod_override=parsed.pod_override,
        labels=parsed.pod_labels,
        annotations=parsed.pod_annotations,
        generate_name=generate_name,
        volumes=volumes,
    )
    if ctx.cancel.is_set():
        raise base.FunctionCancelledError()
    try:
        created = pods.create(ctx.api, body=body, cancel=ctx.cancel)
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to create pod: {exc}") from None
    name = created["metadata"]["name"]
    pod_namespace = created["metadata"]["namespace"]
    container = created["spec"]["containers"][0]["name"]
    try:
        _wait_running(ctx, namespace=pod_namespace, name=name, container=container)
        yield running.Target(namespace=pod_namespace, pod=name, container=container)
    finally:
        podrunning.delete_pod(ctx, namespace=pod_namespace, name=name)


@contextlib.contextmanager
def restic_session(
    ctx: base.PhaseContext,
    *,
    namespace: str,
    image: str,
    generate_name: str,
    parsed: arguments.PodArgs,
    repository: locations.Repository,
    password: str,
    volumes: Mapping[str, str] | None = None,
) -> Iterator[repositories.Session]:
    """`tool_pod` with the repository opened in it: what most restic functions run in."""
    with tool_pod(
        ctx, namespace=namespace, image=image, generate_name=generate_name, parsed=parsed,
        volumes=volumes,
    ) as target:  # fmt: skip
        yield repositories.Session(
            ctx=ctx,
            target=target,
            repository=repository,
            password=password,
            insecure_tls=arguments.insecure_tls(parsed, repository),
        )


def _wait_running(ctx: base.PhaseContext, *, namespace: str, name: str, container: str) -> None:
    timeout = podrunning.ready_timeout()
    try:
        pod = pods.wait_until_not_pending(
            ctx.api, namespace=namespace, name=name, cancel=ctx.cancel, timeout=timeout
        )
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(
            f"Failed while waiting for Pod to be ready: Pod {name} did not transition into "
            f"running state. Timeout:{podrunning.go_duration(timeout)}  Namespace:{namespace}, "
            f"Name:{name}: {exc}"
        ) from None
    if pods.phase(pod) != "Running":
        tail = ""
        with contextlib.suppress(k8s_errors.ApiError):
            tail = pods.tail_text(
                pods.read_logs(ctx.api, namespace=namespace, name=name, container=container)
            )
        raise base.FunctionError(
            f"Failed while waiting for Pod to be ready: Pod {name} is {pods.phase(pod)}, "
            f"not Running: {pods.describe(pod)} {tail}".rstrip()
        )
