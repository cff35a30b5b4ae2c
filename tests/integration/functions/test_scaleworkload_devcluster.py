"""ScaleWorkload against the devcluster's Deployment and StatefulSet controllers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kes.adapters.k8s import objects, workloads
from kes.functions import base, registry

ScaleWorkload = registry.lookup("ScaleWorkload")


def _workload(ctx: base.PhaseContext, *, kind: str, namespace: str, name: str) -> None:
    spec: dict[str, Any] = {
        "replicas": 2,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "600"]}]
            },
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    objects.request(
        ctx.api,
        method="POST",
        url_path=objects.path(
            group="apps", version="v1", resource=workloads.KINDS[kind.lower()], namespace=namespace
        ),
        body={"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec},
    )
    workloads.wait_ready(
        ctx.api, kind=kind, namespace=namespace, name=name, cancel=None, timeout=60
    )


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet"])
def test_scale_down_and_up_with_the_target_as_default(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, kind: str
) -> None:
    ctx = make_ctx(template_params={kind: {"Name": "web", "Namespace": namespace}})
    _workload(ctx, kind=kind, namespace=namespace, name="web")
    assert ScaleWorkload.run is not None
    assert ScaleWorkload.run(ctx, {"replicas": 0}) == {"originalReplicaCount": 2}
    assert workloads.pods(ctx.api, kind=kind, namespace=namespace, name="web") == []
    assert ScaleWorkload.run(ctx, {"replicas": "3"}) == {"originalReplicaCount": 0}
    running = workloads.running_pods(ctx.api, kind=kind, namespace=namespace, name="web")
    assert len(running) == 3


def test_explicit_args_and_no_wait(
    make_ctx: Callable[..., base.PhaseContext], namespace: str
) -> None:
    ctx = make_ctx()
    _workload(ctx, kind="Deployment", namespace=namespace, name="api")
    assert ScaleWorkload.run is not None
    out = ScaleWorkload.run(
        ctx,
        {"replicas": 1, "namespace": namespace, "name": "api", "kind": "deployment",
         "waitForReady": "false"},
    )  # fmt: skip
    assert out == {"originalReplicaCount": 2}
    obj = workloads.get(ctx.api, kind="deployment", namespace=namespace, name="api")
    assert workloads.spec_replicas(obj) == 1


def test_missing_workload_fails(make_ctx: Callable[..., base.PhaseContext], namespace: str) -> None:
    assert ScaleWorkload.run is not None
    with pytest.raises(base.FunctionError, match=r"^Failed to get statefulset .*/ghost"):
        ScaleWorkload.run(
            make_ctx(),
            {"replicas": 1, "namespace": namespace, "name": "ghost", "kind": "statefulset"},
        )


def test_unsupported_kind(make_ctx: Callable[..., base.PhaseContext], namespace: str) -> None:
    assert ScaleWorkload.run is not None
    with pytest.raises(base.FunctionError, match=r"^Workload type not supported daemonset$"):
        ScaleWorkload.run(
            make_ctx(), {"replicas": 1, "namespace": namespace, "name": "x", "kind": "daemonset"}
        )


def test_workload_params_name_the_running_pods_and_their_claims(
    make_ctx: Callable[..., base.PhaseContext], namespace: str
) -> None:
    ctx = make_ctx()
    objects.request(
        ctx.api,
        method="POST",
        url_path=objects.path(
            group="", version="v1", resource="persistentvolumeclaims", namespace=namespace
        ),
        body={
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}},
        },
    )  # fmt: skip
    spec: dict[str, Any] = {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "db"}},
        "template": {
            "metadata": {"labels": {"app": "db"}},
            "spec": {
                "containers": [
                    {"name": "db", "image": "busybox", "command": ["sleep", "600"],
                     "volumeMounts": [{"name": "v", "mountPath": "/var/lib/db"}]}
                ],
                "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}],
            },
        },
    }  # fmt: skip
    objects.request(
        ctx.api,
        method="POST",
        url_path=objects.path(
            group="apps", version="v1", resource="deployments", namespace=namespace
        ),
        body={"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "db"},
              "spec": spec},
    )  # fmt: skip
    workloads.wait_ready(
        ctx.api, kind="deployment", namespace=namespace, name="db", cancel=None, timeout=60
    )
    found = workloads.params(ctx.api, kind="deployment", namespace=namespace, name="db")
    assert found["Name"] == "db" and found["Namespace"] == namespace
    assert len(found["Pods"]) == 1 and found["Pods"][0].startswith("db-")
    assert found["Containers"] == [["db"]]
    assert found["PersistentVolumeClaims"] == {found["Pods"][0]: {"data": "/var/lib/db"}}
