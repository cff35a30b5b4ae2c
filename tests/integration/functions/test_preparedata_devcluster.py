"""PrepareData on the devcluster: PVCs mounted, outputs from the whole log, failOnError."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from kes.adapters.k8s import objects
from kes.functions import base, registry

PrepareData = registry.lookup("PrepareData")
Ctx = Callable[..., base.PhaseContext]


def _run(ctx: base.PhaseContext, args: dict[str, Any]) -> Any:
    assert PrepareData.run is not None
    return PrepareData.run(ctx, args)


def _pvc(ctx: base.PhaseContext, namespace: str, name: str) -> None:
    objects.request(
        ctx.api, method="POST", url_path=f"/api/v1/namespaces/{namespace}/persistentvolumeclaims",
        body={"metadata": {"name": name}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}}},
    )  # fmt: skip


def _pods(ctx: base.PhaseContext, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(
        ctx.api, group="", version="v1", resource="pods", namespace=namespace,
        label_selector="createdBy=kanister",
    )  # fmt: skip


def test_data_written_to_a_pvc_is_seen_by_the_next_pod(
    make_ctx: Ctx, namespace: str, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    _pvc(ctx, namespace, "data")
    first = _run(
        ctx,
        {
            "namespace": namespace,
            "image": "busybox",
            "volumes": {"data": "/mnt/data"},
            "command": ["sh", "-c", "echo 42 > /mnt/data/answer; kando output w ok"],
        },
    )
    assert first == {"w": "ok"}
    # The default mount path comes from the target StatefulSet's PVCs in the TemplateParams.
    params = {"StatefulSet": {"PersistentVolumeClaims": {"pod-0": {"data": "vol"}}}}
    second = _run(make_ctx(template_params=params), {
        "namespace": namespace, "image": "busybox",
        "command": ["sh", "-c", "kando output answer \"$(cat /mnt/prepare_data/data/answer)\""],
    })  # fmt: skip
    assert second == {"answer": "42"}
    wait_until(lambda: not _pods(ctx, namespace), what="the pods to be deleted")


def test_a_failing_pod_fails_the_phase_only_with_fail_on_error(
    make_ctx: Ctx, namespace: str
) -> None:
    ctx = make_ctx()
    _pvc(ctx, namespace, "data")
    args = {
        "namespace": namespace,
        "image": "busybox",
        "volumes": {"data": "/mnt/data"},
        "command": ["sh", "-c", "kando output before fail; echo oops; exit 2"],
    }
    assert _run(ctx, args) == {"before": "fail"}
    with pytest.raises(base.FunctionError) as caught:
        _run(ctx, {**args, "failOnError": "true"})
    assert str(caught.value).startswith("Failed while waiting for Pod prepare-data-job-")
    assert "oops" in str(caught.value)


def test_a_missing_pvc_is_reported_before_any_pod(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx()
    with pytest.raises(base.FunctionError) as caught:
        _run(ctx, {"namespace": namespace, "image": "busybox", "command": ["true"],
                   "volumes": {"nope": "/mnt/x"}})  # fmt: skip
    assert str(caught.value).startswith(
        f"Failed to retrieve PVC. Namespace {namespace}, Name nope: "
    )
    assert not _pods(ctx, namespace)


@pytest.mark.parametrize(
    ("params", "message"),
    [({}, "Failed to get volumes"),
     ({"Deployment": {"PersistentVolumeClaims": {"pod": {}}}}, "No volumes found")],
)  # fmt: skip
def test_default_volumes_need_a_workload_with_pvcs(
    make_ctx: Ctx, namespace: str, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(base.FunctionError) as caught:
        _run(make_ctx(template_params=params),
             {"namespace": namespace, "image": "busybox", "command": ["true"]})  # fmt: skip
    assert str(caught.value) == message


def test_cancel_while_the_pod_runs_deletes_it(
    make_ctx: Ctx, namespace: str, recorder: Any, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    _pvc(ctx, namespace, "data")
    raised: list[BaseException] = []

    def work() -> None:
        try:
            _run(ctx, {"namespace": namespace, "image": "busybox", "command": ["sleep", "3600"],
                       "volumes": {"data": "/mnt/data"}})  # fmt: skip
        except base.FunctionError as exc:
            raised.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    wait_until(lambda: _pods(ctx, namespace), what="the job pod to exist")
    recorder.cancel.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert [type(e) for e in raised] == [base.FunctionCancelledError]
    wait_until(lambda: not _pods(ctx, namespace), what="the cancelled pod to be deleted")
