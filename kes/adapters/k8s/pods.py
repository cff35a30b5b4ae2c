"""Pods: create, wait until scheduled/running, follow logs, wait for completion, delete.

This is the pod lifecycle of Kanister's `pkg/kube/pod.go` and `pod_runner.go` (reference 1.1) on
the official client. Pods are plain dicts (camelCase JSON) in and out. Every wait takes a cancel
event and returns within one poll step of it being set. Transient API failures are retried: a
create cannot make a twin (`objects.create_once`), a delete is repeated until the pod is gone,
and a log stream that breaks is reopened where it stopped (`follow_logs`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Generator
from typing import Any

from kes.adapters.k8s import client, errors, objects, retrying, waiting

logger = logging.getLogger(__name__)

# Kanister's default for TIMEOUT_WORKER_POD_READY / KANISTER_POD_READY_WAIT_TIMEOUT (15 minutes).
DEFAULT_READY_TIMEOUT = 15 * 60.0
TAIL_LINES = 10
# A followed log may be silent for long (a pod that sleeps): its read timeout is longer than a
# request's, and on expiry the stream is reopened, not failed.
LOG_READ_TIMEOUT_S = 120.0
# How many times one followed log is reopened after breaking before the failure is reported.
LOG_REOPENS = 20


class PodFailedError(errors.ApiError):
    """The pod reached phase Failed (or disappeared) before succeeding."""

    def __init__(self, message: str, *, pod: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.pod = pod


class PodStuckError(errors.ApiError):
    """The pod cannot leave Pending (OutOfmemory/OutOfcpu, a lost PVC)."""


def _path(namespace: str, name: str = "") -> str:
    return objects.path(group="", version="v1", resource="pods", namespace=namespace, name=name)


def create(
    api: client.Api, *, body: dict[str, Any], cancel: threading.Event | None = None
) -> dict[str, Any]:
    """Create the pod (generateName allowed) in `metadata.namespace`; the created object.

    Retried after transient failures without making a twin; when it fails for good, a pod that
    a lost answer created is deleted (`objects.create_once`)."""
    namespace = body["metadata"]["namespace"]
    return objects.create_once(api, url_path=_path(namespace), body=body, cancel=cancel)


def get(api: client.Api, *, namespace: str, name: str) -> dict[str, Any]:
    result = objects.request(api, method="GET", url_path=_path(namespace, name))
    if not isinstance(result, dict):
        raise errors.ApiError(f"Unexpected response reading pod {namespace}/{name}")
    return result


def delete(api: client.Api, *, namespace: str, name: str) -> None:
    """Delete with grace period 0, retried after transient failures; a pod already gone is fine."""
    body = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}
    with contextlib.suppress(errors.ApiNotFoundError):
        objects.request(
            api,
            method="DELETE",
            url_path=_path(namespace, name),
            body=body,
            query=[("gracePeriodSeconds", 0)],
            retry=True,
        )


def delete_labelled(api: client.Api, *, label_selector: str) -> list[str]:
    """Delete every pod, in any namespace, that matches the selector; their namespace/names."""
    found = objects.list_objects(
        api, group="", version="v1", resource="pods", label_selector=label_selector
    )
    deleted = []
    for pod in found:
        meta = pod["metadata"]
        delete(api, namespace=meta["namespace"], name=meta["name"])
        deleted.append(f"{meta['namespace']}/{meta['name']}")
    return deleted


def phase(pod: dict[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def wait_until_not_pending(
    api: client.Api,
    *,
    namespace: str,
    name: str,
    cancel: threading.Event | None,
    timeout: float = DEFAULT_READY_TIMEOUT,
) -> dict[str, Any]:
    """Wait until the pod's phase is set and not Pending (Kanister's WaitForPodReady)."""

    def check() -> dict[str, Any] | None:
        pod = get(api, namespace=namespace, name=name)
        status = pod.get("status") or {}
        current = phase(pod)
        if current == "Pending" and status.get("reason") in ("OutOfmemory", "OutOfcpu"):
            raise PodStuckError(f"Pod stuck in pending state: reason {status.get('reason')}")
        return pod if current not in ("", "Pending") else None

    return waiting.poll(check, cancel=cancel, timeout=timeout, what=f"pod {namespace}/{name}")


def wait_for_completion(
    api: client.Api, *, namespace: str, name: str, cancel: threading.Event | None
) -> dict[str, Any]:
    """Wait (no timeout, as Kanister) until Succeeded; `PodFailedError` when it Failed."""

    def check() -> dict[str, Any] | None:
        try:
            pod = get(api, namespace=namespace, name=name)
        except errors.ApiNotFoundError as exc:
            raise PodFailedError(f"Pod {name} was deleted before it completed") from exc
        current = phase(pod)
        if current == "Failed":
            raise PodFailedError("Pod failed", pod=pod)
        return pod if current == "Succeeded" else None

    return waiting.poll(check, cancel=cancel, what=f"pod {namespace}/{name} to complete")


def _log_query(container: str, *, follow: bool, tail: int | None) -> list[tuple[str, Any]]:
    query: list[tuple[str, Any]] = []
    if container:
        query.append(("container", container))
    if follow:
        query.append(("follow", "true"))
    if tail is not None:
        query.append(("tailLines", tail))
    return query


def _open_log(
    api: client.Api, *, namespace: str, name: str, query: list[tuple[str, Any]],
    read_timeout_s: float | None = None,
) -> Any:
    with errors.translated():
        return api.client.call_api(
            _path(namespace, name) + "/log",
            "GET",
            query_params=query,
            header_params={"Accept": "*/*"},
            auth_settings=["BearerToken"],
            _preload_content=False,
            _return_http_data_only=True,
            _request_timeout=api.request_timeout(read_timeout_s),
        )


def read_logs(
    api: client.Api, *, namespace: str, name: str, container: str = "", tail: int | None = None
) -> bytes:
    """The pod's log so far (or its last `tail` lines), retried after transient failures."""

    def attempt() -> bytes:
        response = _open_log(
            api, namespace=namespace, name=name,
            query=_log_query(container, follow=False, tail=tail),
        )
        with errors.translated():
            return bytes(response.data)

    return retrying.call(attempt, what=f"reading the log of pod {namespace}/{name}")


def follow_logs(
    api: client.Api,
    *,
    namespace: str,
    name: str,
    container: str = "",
    cancel: threading.Event | None,
    reopens: int = LOG_REOPENS,
) -> Generator[bytes, None, None]:
    """Follow the log until the container ends, reopening the stream wherever it breaks.

    A stream that fails (a 5xx, a cut connection, a read timeout) or ends while the container
    still runs is opened again after a backoff, and the bytes already passed on are skipped, so
    the caller sees every byte of the log once, in order. After `reopens` reopenings in a row
    without progress the last failure is raised.
    """
    consumed = 0
    failures = 0
    while True:
        skip = consumed
        problem: errors.ApiError | None = None
        try:
            for chunk in stream_logs(api, namespace=namespace, name=name, container=container,
                                     cancel=cancel):
                if skip:
                    if len(chunk) <= skip:
                        skip -= len(chunk)
                        continue
                    chunk, skip = chunk[skip:], 0
                consumed += len(chunk)
                failures = 0
                yield chunk
        except waiting.WaitCancelledError:
            raise
        except errors.ApiError as exc:
            if not retrying.is_transient(exc, conflicts=True):
                raise
            problem = exc
        if problem is None and _container_ended(api, namespace=namespace, name=name,
                                                container=container):
            return
        failures += 1
        if failures > reopens:
            raise problem or errors.ApiUnavailableError(
                f"The log stream of pod {namespace}/{name} kept ending while it ran.")
        pause = retrying.DEFAULT.delay(min(failures, 6))
        logger.warning("The log stream of pod %s/%s broke (%s). Reopening it in %.2f s.",
                       namespace, name, problem or "ended early", pause)
        if cancel is not None and cancel.wait(pause):
            raise waiting.WaitCancelledError(f"Cancelled while following the log of pod {name}.")
        if cancel is None:
            threading.Event().wait(pause)


def _container_ended(api: client.Api, *, namespace: str, name: str, container: str) -> bool:
    """Whether the container has terminated (or its pod is gone): a log stream that ended then
    is complete. Unknown (the read failed) counts as not ended: the stream is reopened."""
    try:
        pod = get(api, namespace=namespace, name=name)
    except errors.ApiNotFoundError:
        return True
    except errors.ApiError:
        return False
    if phase(pod) in ("Succeeded", "Failed"):
        return True
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    for status in statuses:
        if not container or status.get("name") == container:
            return bool((status.get("state") or {}).get("terminated"))
    return False


def stream_logs(
    api: client.Api,
    *,
    namespace: str,
    name: str,
    container: str = "",
    cancel: threading.Event | None,
) -> Generator[bytes, None, None]:
    """Follow the log once, yielding bytes as they arrive, until the stream ends or `cancel`.

    A helper thread shuts the connection down when `cancel` is set, so a blocked read returns at
    once; the generator then raises `WaitCancelledError`. `follow_logs` is the one that survives
    a broken stream.
    """
    response = _open_log(
        api, namespace=namespace, name=name, query=_log_query(container, follow=True, tail=None),
        read_timeout_s=max(api.timeout_s, LOG_READ_TIMEOUT_S),
    )
    raw = getattr(response, "urllib3_response", response)
    finished = threading.Event()

    def watch_cancel() -> None:
        while cancel is not None and not finished.wait(0.05):
            if cancel.is_set():
                with contextlib.suppress(Exception):
                    raw.shutdown()
                return

    watcher = threading.Thread(target=watch_cancel, name=f"logs-{name}", daemon=True)
    watcher.start()
    at_eof = False
    try:
        while True:
            try:
                with errors.translated():
                    chunk = raw.read1(65536)
            except errors.ApiError:
                if cancel is not None and cancel.is_set():
                    break
                raise
            if not chunk:
                at_eof = True
                break
            yield chunk
    finally:
        finished.set()
        # A connection with unread data must not go back to the pool: close it instead.
        with contextlib.suppress(Exception):
            if at_eof:
                raw.release_conn()
            else:
                raw.close()
        watcher.join()
    if cancel is not None and cancel.is_set():
        raise waiting.WaitCancelledError(f"Cancelled while following the log of pod {name}.")


def tail_text(data: bytes, *, lines: int = TAIL_LINES) -> str:
    """Kanister's LogTail: the last non-empty trimmed lines joined with CRLF."""
    # Split on "\n" only, as Go's bufio.Scanner does (str.splitlines also splits on \x0c, ...).
    kept = [line.decode("utf-8", errors="replace").strip() for line in data.split(b"\n")]
    return "\r\n".join([line for line in kept if line][-lines:])


def describe(pod: dict[str, Any]) -> str:
    """A short JSON summary of the pod status for error messages (no spec, so no env values)."""
    status = pod.get("status") or {}
    summary = {k: status.get(k) for k in ("phase", "reason", "message") if status.get(k)}
    return json.dumps(summary, sort_keys=True)
