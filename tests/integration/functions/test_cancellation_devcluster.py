"""Setting `ctx.cancel` stops a running function promptly and removes what it created."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kes.adapters.k8s import objects, pods, workloads
from kes.functions import base, registry

# Generous bound: cancellation is checked every poll step (≤ 0.5 s), the command sleeps 60 s.
PROMPT = 15.0


def _job_pods(ctx: base.PhaseContext, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(
        ctx.api, group="", version="v1", resource="pods", namespace=namespace,
        label_selector="createdBy=kanister",
    )  # fmt: skip


def test_kubetask_cancelled_while_running_deletes_its_pod(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, recorder: Any,
    wait_until: Callable[..., Any],
) -> None:  # fmt: skip
    recorder.cancel_on = "started"
    ctx = make_ctx()
    run = registry.lookup("KubeTask").run
    assert run is not None
    began = time.monotonic()
    with pytest.raises(base.FunctionCancelledError, match=r"^context canceled$"):
        run(ctx, {"image": "busybox", "command": ["sh", "-c", "echo started; sleep 60"]})
    assert time.monotonic() - began < PROMPT
    assert recorder.progress == [0, 100]
    wait_until(lambda: not _job_pods(ctx, namespace), what="the cancelled job pod to go")


def test_kubetask_cancelled_before_start_creates_nothing(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, recorder: Any
) -> None:
    recorder.cancel.set()
    ctx = make_ctx()
    run = registry.lookup("KubeTask").run
    assert run is not None
    with pytest.raises(base.FunctionCancelledError):
        run(ctx, {"image": "busybox", "command": ["true"]})
    assert _job_pods(ctx, namespace) == []


def test_kubeexec_cancelled_while_running(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, recorder: Any, tmp_path: Path,
    wait_until: Callable[..., Any],
) -> None:  # fmt: skip
    ctx = make_ctx()
    body = {
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": "busybox", "command": ["sleep", "600"]}]},
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    recorder.cancel_on = "started"
    run = registry.lookup("KubeExec").run
    assert run is not None
    # Like Kanister, cancelling cuts the stream but the process in the container goes on, so
    # the command records its pid for the test to stop it.
    pid_file = tmp_path / "exec.pid"
    command = f"echo $$ > {pid_file}; echo started >&2; exec sleep 60"
    began = time.monotonic()
    try:
        with pytest.raises(base.FunctionCancelledError):
            run(ctx, {"namespace": namespace, "pod": "app", "command": ["sh", "-c", command]})
        assert time.monotonic() - began < PROMPT
    finally:
        pid = int(wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(),
                             what="the exec pid"))  # fmt: skip
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def test_scaleworkload_cancelled_while_waiting_for_ready(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, recorder: Any
) -> None:
    ctx = make_ctx()
    spec = {
        "replicas": 0,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "600"]}]
            },
        },
    }
    objects.request(
        ctx.api, method="POST",
        url_path=objects.path(group="apps", version="v1", resource="deployments",
                              namespace=namespace),
        body={"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": spec},
    )  # fmt: skip
    seen: list[int] = []

    def progress(percent: int) -> None:
        # Cancel as soon as the function starts: the scale is sent, the wait must stop.
        seen.append(percent)
        recorder.cancel.set()

    run = registry.lookup("ScaleWorkload").run
    assert run is not None
    with pytest.raises(base.FunctionCancelledError):
        run(
            make_ctx(on_progress=progress),
            {"replicas": 2, "namespace": namespace, "name": "web", "kind": "deployment"},
        )
    assert seen == [0, 100]
    obj = workloads.get(ctx.api, kind="deployment", namespace=namespace, name="web")
    assert workloads.spec_replicas(obj) == 2
    # Let the scale settle so the namespace cleanup does not race pods still starting.
    workloads.wait_ready(ctx.api, kind="deployment", namespace=namespace, name="web",
                         cancel=None, timeout=60)  # fmt: skip
