"""MultiContainerRun on the devcluster: two containers share a volume, output from `output`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kes.adapters.k8s import objects
from kes.functions import base, registry

MultiContainerRun = registry.lookup("MultiContainerRun")
Ctx = Callable[..., base.PhaseContext]


def _run(ctx: base.PhaseContext, args: dict[str, Any]) -> Any:
    assert MultiContainerRun.run is not None
    return MultiContainerRun.run(ctx, args)


def _pods(ctx: base.PhaseContext, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(
        ctx.api, group="", version="v1", resource="pods", namespace=namespace,
        label_selector="createdBy=kanister",
    )  # fmt: skip


def test_background_writes_output_reads_through_the_shared_volume(
    make_ctx: Ctx, namespace: str, recorder: Any, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    out = _run(ctx, {
        "namespace": namespace,
        "initImage": "busybox",
        "initCommand": ["sh", "-c", "echo seeded > /shared/init"],
        "backgroundImage": "busybox",
        "backgroundCommand": ["sh", "-c", "echo from-background > /shared/data.tmp && "
                              "mv /shared/data.tmp /shared/data"],
        "outputImage": "busybox",
        "outputCommand": ["sh", "-c", "while [ ! -f /shared/data ]; do sleep 0.05; done; "
                          "echo reading; kando output data \"$(cat /shared/data)\"; "
                          "kando output init \"$(cat /shared/init)\""],
        "sharedVolumeDir": "/shared",
        "sharedVolumeMedium": "Memory",
    })  # fmt: skip
    assert out == {"data": "from-background", "init": "seeded"}
    assert "reading" in recorder.lines
    assert recorder.progress == [0, 100]
    wait_until(lambda: not _pods(ctx, namespace), what="the pod to be deleted")


def test_a_failing_background_container_fails_the_phase(
    make_ctx: Ctx, namespace: str, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    with pytest.raises(base.FunctionError, match=r"^Failed while waiting for Pod kanister-job-"):
        _run(ctx, {
            "namespace": namespace,
            "backgroundImage": "busybox", "backgroundCommand": ["sh", "-c", "exit 4"],
            "outputImage": "busybox", "outputCommand": ["sh", "-c", "echo fine"],
        })  # fmt: skip
    wait_until(lambda: not _pods(ctx, namespace), what="the failed pod to be deleted")


def test_cancel_deletes_the_pod(
    make_ctx: Ctx, namespace: str, recorder: Any, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    recorder.cancel_on = "waiting-forever"
    with pytest.raises(base.FunctionCancelledError):
        _run(ctx, {
            "namespace": namespace,
            "backgroundImage": "busybox", "backgroundCommand": ["sleep", "3600"],
            "outputImage": "busybox",
            "outputCommand": ["sh", "-c", "echo waiting-forever; sleep 3600"],
        })  # fmt: skip
    wait_until(lambda: not _pods(ctx, namespace), what="the cancelled pod to be deleted")
