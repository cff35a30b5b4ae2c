"""KubeTask on the devcluster: outputs from the pod log, failures with the log tail, cleanup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kes.adapters.k8s import objects
from kes.functions import base, registry

KubeTask = registry.lookup("KubeTask")


def _pods(ctx: base.PhaseContext, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(
        ctx.api, group="", version="v1", resource="pods", namespace=namespace,
        label_selector="createdBy=kanister",
    )  # fmt: skip


def test_outputs_come_from_kando_markers_in_the_log(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, recorder: Any,
    wait_until: Callable[..., Any],
) -> None:  # fmt: skip
    ctx = make_ctx()
    assert KubeTask.run is not None
    command = "echo hello; kando output version 0.119.0; echo -n 'mid '; kando output k 'a<b>'"
    out = KubeTask.run(ctx, {"image": "busybox", "command": ["sh", "-c", command]})
    assert out == {"version": "0.119.0", "k": "a<b>"}
    assert "hello" in recorder.lines
    assert "mid " in recorder.lines
    assert recorder.progress == [0, 100]
    wait_until(lambda: not _pods(ctx, namespace), what="the job pod to be deleted")


def test_no_marker_gives_an_empty_map(make_ctx: Callable[..., base.PhaseContext]) -> None:
    assert KubeTask.run is not None
    assert KubeTask.run(make_ctx(), {"image": "busybox", "command": ["true"]}) == {}


def test_a_big_output_value_survives(make_ctx: Callable[..., base.PhaseContext]) -> None:
    assert KubeTask.run is not None
    command = ["sh", "-c", 'kando output big "$(head -c 100000 /dev/zero | tr "\\000" a)"']
    out = KubeTask.run(make_ctx(), {"image": "busybox", "command": command})
    assert out == {"big": "a" * 100_000}


def test_failure_carries_the_last_ten_log_lines_and_deletes_the_pod(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    assert KubeTask.run is not None
    command = "for i in $(seq 1 15); do echo line$i; done; exit 3"
    with pytest.raises(base.FunctionError) as caught:
        KubeTask.run(ctx, {"image": "busybox", "command": ["sh", "-c", command]})
    message = str(caught.value)
    assert message.startswith("Failed while waiting for Pod kanister-job-")
    tail = "\r\n".join(f"line{i}" for i in range(6, 16))
    assert message.endswith(
        f" to complete: Pod failed or did not transition into complete state: {tail}: Pod failed"
    )
    wait_until(lambda: not _pods(ctx, namespace), what="the failed job pod to be deleted")


def test_bad_marker_json_fails_the_phase(make_ctx: Callable[..., base.PhaseContext]) -> None:
    assert KubeTask.run is not None
    command = ["sh", "-c", "echo '###Phase-output###: not json'"]
    with pytest.raises(base.FunctionError, match=r"^Failed to unmarshal key-value pair$"):
        KubeTask.run(make_ctx(), {"image": "busybox", "command": command})


def test_pod_override_labels_and_job_id_reach_the_pod(
    make_ctx: Callable[..., base.PhaseContext], namespace: str
) -> None:
    ctx = make_ctx(
        action_set=base.ActionSetRef(
            name="b", namespace=namespace, labels={"kanister.io/JobID": "job-7"}
        ),
        pod_override={
            "containers": [{"name": "container", "env": [{"name": "WHO", "value": "as"}]}]
        },
        pod_labels={"team": "from-actionset", "tier": "from-actionset"},
    )  # fmt: skip
    seen: list[dict[str, Any]] = []

    def on_log(line: str) -> None:
        if line == "started" and not seen:
            seen.extend(_pods(ctx, namespace))

    ctx = make_ctx(**{**ctx.__dict__, "on_log": on_log})
    assert KubeTask.run is not None
    out = KubeTask.run(
        ctx,
        {
            "image": "busybox",
            "command": ["sh", "-c", 'echo started; kando output who "$WHO"'],
            "podLabels": {"tier": "from-blueprint"},
            "podAnnotations": {"note": "bp"},
        },
    )
    assert out == {"who": "as"}
    assert len(seen) == 1
    meta = seen[0]["metadata"]
    # kes's create token (a retried create finds its pod by it) is a fresh value per pod.
    assert meta["labels"].pop("kes.io/create-token")
    assert meta["labels"] == {
        "createdBy": "kanister",
        "team": "from-actionset",
        "tier": "from-blueprint",
        "kanister.io/JobID": "job-7",
    }
    assert meta["annotations"] == {"note": "bp"}
    assert seen[0]["spec"]["restartPolicy"] == "Never"


def test_missing_args_fail_before_any_pod(make_ctx: Callable[..., base.PhaseContext]) -> None:
    assert KubeTask.run is not None
    with pytest.raises(base.ArgumentError) as caught:
        KubeTask.run(make_ctx(), {"image": "busybox"})
    assert str(caught.value) == (
        "Required args missing for function KubeTask: Required arg missing: command"
    )


def test_pod_in_the_namespace_argument(
    make_ctx: Callable[..., base.PhaseContext], cluster: Any, namespace: str
) -> None:
    other = f"{namespace}-other"
    objects.request(
        cluster.api,
        method="POST",
        url_path="/api/v1/namespaces",
        body={"metadata": {"name": other}},
    )
    assert KubeTask.run is not None
    command = ["sh", "-c", "kando output ok yes"]
    try:
        out = KubeTask.run(make_ctx(), {"image": "busybox", "command": command, "namespace": other})
        assert out == {"ok": "yes"}
    finally:
        objects.request(cluster.api, method="DELETE", url_path=f"/api/v1/namespaces/{other}")


def test_a_pod_that_stays_pending_fails_after_the_ready_timeout(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, monkeypatch: pytest.MonkeyPatch,
    wait_until: Callable[..., Any],
) -> None:  # fmt: skip
    # An env var from a missing Secret keeps the container waiting, so the pod stays Pending.
    monkeypatch.setenv("KANISTER_POD_READY_WAIT_TIMEOUT", "0.02")  # minutes
    env = [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "missing", "key": "k"}}}]
    ctx = make_ctx()
    assert KubeTask.run is not None
    with pytest.raises(base.FunctionError) as caught:
        KubeTask.run(
            ctx,
            {"image": "busybox", "command": ["true"],
             "podOverride": {"containers": [{"name": "container", "env": env}]}},
        )  # fmt: skip
    message = str(caught.value)
    assert message.startswith("Failed while waiting for Pod kanister-job-")
    assert (
        " to be ready: Pod did not transition into running state. Timeout:1.2s  "
        f"Namespace:{namespace}, Name:kanister-job-"
    ) in message
    assert f": Timed out after 1.2s waiting for pod {namespace}/kanister-job-" in message
    wait_until(lambda: not _pods(ctx, namespace), what="the pending job pod to be deleted")


def test_a_job_pod_deleted_by_someone_else_fails_the_phase(
    make_ctx: Callable[..., base.PhaseContext], namespace: str
) -> None:
    holder: dict[str, base.PhaseContext] = {}

    def on_log(line: str) -> None:
        if line == "started":
            ctx = holder["ctx"]
            for pod in _pods(ctx, namespace):
                objects.request(
                    ctx.api, method="DELETE",
                    url_path=f"/api/v1/namespaces/{namespace}/pods/{pod['metadata']['name']}",
                )  # fmt: skip

    holder["ctx"] = make_ctx(on_log=on_log)
    assert KubeTask.run is not None
    with pytest.raises(base.FunctionError) as caught:
        KubeTask.run(
            holder["ctx"], {"image": "busybox", "command": ["sh", "-c", "echo started; sleep 60"]}
        )
    assert "Pod failed or did not transition into complete state" in str(caught.value)
    assert not isinstance(caught.value, base.FunctionCancelledError)
