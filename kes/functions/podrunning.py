"""Running a function's pod to completion: Kanister's `PodRunner` + `kubeTaskPodFunc` (ref. 1.1).

Create the pod → wait until it leaves Pending (15 min default) → follow its log, parsing output
markers and passing every line to `ctx.on_log` → wait for Succeeded → delete it (grace 0), always,
also on failure and cancellation. Failures carry the last 10 log lines as Kanister's do. The
adapter retries transient API failures; a delete that still fails is logged, and the phase's
pods are deleted by their labels when the phase ends (`kes.controller.phases`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from typing import Any

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import pods, waiting
from kes.domain import outputs
from kes.functions import base, podspec

logger = logging.getLogger(__name__)

READY_TIMEOUT_ENV = "KANISTER_POD_READY_WAIT_TIMEOUT"


def ready_timeout() -> float:
    """Seconds to wait for a pod to leave Pending (env value in minutes, as Kanister)."""
    raw = os.environ.get(READY_TIMEOUT_ENV, "")
    try:
        minutes = float(raw) if raw else 15.0
    except ValueError:
        minutes = 15.0
    return minutes * 60.0


def go_duration(seconds: float) -> str:
    """Go's `time.Duration.String` (`15m0s`, `1h0m0s`, `1.5s`, `500ms`) for non-negative values."""
    if seconds < 1:
        millis = round(seconds * 1000, 6)
        return f"{millis:g}ms" if millis else "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{round(secs, 9):.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text


def job_pod(
    ctx: base.PhaseContext,
    *,
    namespace: str,
    image: str,
    command: list[str],
    pod_override: Mapping[str, Any] | None,
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None,
    generate_name: str = podspec.JOB_PREFIX,
    volumes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The pod body for a pod-creating function, with the ActionSet's overrides and labels."""
    target_namespace = namespace or ctx.namespace
    merged_labels = dict(labels or {})
    if ctx.pod_labels:
        merged_labels = podspec.merge_blueprint_wins(ctx.pod_labels, labels) or {}
    merged_annotations = dict(annotations) if annotations is not None else None
    if ctx.pod_annotations:
        merged_annotations = podspec.merge_blueprint_wins(ctx.pod_annotations, annotations)
    if ctx.action_set.uid and ctx.phase:
        merged_labels[podspec.RUN_LABEL] = ctx.action_set.uid
        merged_labels[podspec.PHASE_LABEL] = podspec.phase_label_value(ctx.phase)
    job_id = ctx.action_set.labels.get(podspec.JOB_ID_LABEL)
    if job_id is not None:
        merged_labels[podspec.JOB_ID_LABEL] = job_id
    try:
        override = podspec.merge_override(pod_override, ctx.pod_override)
        return podspec.build_pod(
            namespace=target_namespace,
            image=image,
            command=command,
            generate_name=generate_name,
            pod_override=override,
            labels=merged_labels,
            annotations=merged_annotations,
            service_account=podspec.controller_service_account(
                namespace=target_namespace, controller_namespace=ctx.namespace
            ),
            volumes=volumes,
        )
    except podspec.PodSpecError as exc:
        raise base.FunctionError(
            f"Failed to create pod. Failed to override pod specs.: {exc}"
        ) from None


def _log_tail(ctx: base.PhaseContext, *, namespace: str, name: str, container: str) -> str:
    with contextlib.suppress(k8s_errors.ApiError):
        return pods.tail_text(
            pods.read_logs(ctx.api, namespace=namespace, name=name, container=container)
        )
    return ""


def run_pod(ctx: base.PhaseContext, *, pod: Mapping[str, Any]) -> dict[str, Any]:
    """Run the pod to completion and return the outputs parsed from its log (`{}` if none)."""
    if ctx.cancel.is_set():
        raise base.FunctionCancelledError()
    try:
        created = pods.create(ctx.api, body=dict(pod), cancel=ctx.cancel)
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to create pod: {exc}") from exc
    name = created["metadata"]["name"]
    namespace = created["metadata"]["namespace"]
    container = created["spec"]["containers"][0]["name"]
    try:
        return _follow(ctx, namespace=namespace, name=name, container=container)
    except (waiting.WaitCancelledError, base.FunctionCancelledError):
        raise base.FunctionCancelledError() from None
    finally:
        delete_pod(ctx, namespace=namespace, name=name)


def delete_pod(ctx: base.PhaseContext, *, namespace: str, name: str) -> None:
    """Delete a pod of the phase (retried by the adapter); a failure is logged, not raised: the
    phase's end deletes what is left by its labels."""
    try:
        pods.delete(ctx.api, namespace=namespace, name=name)
    except k8s_errors.ApiError as exc:
        logger.warning("Deleting pod %s/%s failed: %s. It is deleted when the phase ends.",
                       namespace, name, exc)


def _follow(ctx: base.PhaseContext, *, namespace: str, name: str, container: str) -> dict[str, Any]:
    timeout = ready_timeout()
    try:
        pods.wait_until_not_pending(
            ctx.api, namespace=namespace, name=name, cancel=ctx.cancel, timeout=timeout
        )
    except waiting.WaitCancelledError:
        raise
    except k8s_errors.ApiError as exc:
        tail = _log_tail(ctx, namespace=namespace, name=name, container=container)
        raise base.FunctionError(
            f"Failed while waiting for Pod {name} to be ready: Pod did not transition into "
            f"running state. Timeout:{go_duration(timeout)}  Namespace:{namespace}, "
            f"Name:{name}: {tail}: {exc}"
        ) from exc
    scanner = outputs.OutputScanner(on_log=ctx.on_log)
    stream = pods.follow_logs(
        ctx.api, namespace=namespace, name=name, container=container, cancel=ctx.cancel
    )
    try:
        with contextlib.closing(stream):
            for chunk in stream:
                scanner.feed(chunk)
        result = scanner.close()
    except outputs.OutputError as exc:
        raise base.FunctionError(str(exc)) from exc
    except waiting.WaitCancelledError:
        raise
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to fetch logs from the pod: {exc}") from exc
    try:
        pods.wait_for_completion(ctx.api, namespace=namespace, name=name, cancel=ctx.cancel)
    except waiting.WaitCancelledError:
        raise
    except k8s_errors.ApiError as exc:
        tail = _log_tail(ctx, namespace=namespace, name=name, container=container)
        raise base.FunctionError(
            f"Failed while waiting for Pod {name} to complete: Pod failed or did not transition "
            f"into complete state: {tail}: {exc}"
        ) from exc
    return result
