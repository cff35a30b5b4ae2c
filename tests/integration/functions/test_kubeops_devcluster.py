"""KubeOps on the devcluster: create/patch/delete of built-in objects and custom resources."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from kes.adapters.k8s import errors, objects
from kes.functions import base, registry

KubeOps = registry.lookup("KubeOps")
Ctx = Callable[..., base.PhaseContext]

_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.kes.io"},
    "spec": {
        "group": "example.kes.io",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {
                "type": "object", "x-kubernetes-preserve-unknown-fields": True,
            }},
        }],
    },
}  # fmt: skip


def _run(ctx: base.PhaseContext, args: dict[str, Any]) -> Any:
    assert KubeOps.run is not None
    return KubeOps.run(ctx, args)


@pytest.fixture
def widgets(make_ctx: Ctx, wait_until: Callable[..., Any]) -> Iterator[None]:
    api = make_ctx().api
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    with contextlib.suppress(errors.ApiConflictError):
        objects.request(api, method="POST", url_path=path, body=_CRD)

    def served() -> bool:
        try:
            objects.request(api, method="GET", url_path="/apis/example.kes.io/v1")
        except errors.ApiNotFoundError:
            return False
        return True

    wait_until(served, what="the Widget CRD to be served")
    yield


def _configmap(name: str, namespace: str = "") -> str:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"a": "1"}}
    )


def test_create_returns_the_reference_and_uses_the_namespace_arg(
    make_ctx: Ctx, namespace: str
) -> None:
    ctx = make_ctx()
    out = _run(ctx, {"operation": "create", "namespace": namespace, "spec": _configmap("cm1")})
    assert out == {
        "apiVersion": "v1", "group": "", "resource": "configmaps", "kind": "",
        "name": "cm1", "namespace": namespace,
    }  # fmt: skip
    got = objects.get(ctx.api, group="", version="v1", resource="configmaps",
                      namespace=namespace, name="cm1")  # fmt: skip
    assert got["data"] == {"a": "1"}


def test_the_manifest_namespace_wins_and_generate_name_is_reported(
    make_ctx: Ctx, namespace: str
) -> None:
    spec = yaml.safe_dump({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"generateName": "gen-", "namespace": namespace},
    })  # fmt: skip
    out = _run(make_ctx(), {"operation": "create", "namespace": "elsewhere", "spec": spec})
    assert out["namespace"] == namespace
    assert out["name"].startswith("gen-") and len(out["name"]) > len("gen-")


def test_create_delete_and_patch_a_custom_resource(
    make_ctx: Ctx, namespace: str, widgets: None
) -> None:
    ctx = make_ctx()
    spec = yaml.safe_dump({
        "apiVersion": "example.kes.io/v1", "kind": "Widget",
        "metadata": {"name": "w1"}, "spec": {"size": 3},
    })  # fmt: skip
    out = _run(ctx, {"operation": "create", "namespace": namespace, "spec": spec})
    ref = {"apiVersion": "v1", "group": "example.kes.io", "resource": "widgets", "name": "w1",
           "namespace": namespace}  # fmt: skip
    assert out == {**ref, "kind": ""}
    _run(ctx, {"operation": "patch", "objectReference": ref,
               "spec": "spec:\n  size: 5\n  color: red\n"})  # fmt: skip
    got = objects.get(ctx.api, group="example.kes.io", version="v1", resource="widgets",
                      namespace=namespace, name="w1")  # fmt: skip
    assert got["spec"] == {"size": 5, "color": "red"}
    deleted = _run(ctx, {"operation": "delete", "objectReference": ref})
    assert deleted["name"] == "w1"
    with pytest.raises(errors.ApiNotFoundError):
        objects.get(ctx.api, group="example.kes.io", version="v1", resource="widgets",
                    namespace=namespace, name="w1")  # fmt: skip


def test_strategic_merge_patch_keeps_other_containers(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx()
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d1"},
        "spec": {
            "replicas": 0, "selector": {"matchLabels": {"app": "d1"}},
            "template": {"metadata": {"labels": {"app": "d1"}}, "spec": {"containers": [
                {"name": "a", "image": "busybox", "command": ["sleep", "1000"]},
                {"name": "b", "image": "busybox", "command": ["sleep", "1000"]},
            ]}},
        },
    }  # fmt: skip
    _run(ctx, {"operation": "create", "namespace": namespace, "spec": yaml.safe_dump(deployment)})
    patch = "spec:\n  template:\n    spec:\n      containers:\n      - name: b\n        image: x\n"
    ref = {"apiVersion": "v1", "group": "apps", "resource": "deployments", "name": "d1"}
    out = _run(ctx, {"operation": "patch", "namespace": namespace, "objectReference": ref,
                     "spec": patch})  # fmt: skip
    assert out["namespace"] == namespace
    got = objects.get(ctx.api, group="apps", version="v1", resource="deployments",
                      namespace=namespace, name="d1")  # fmt: skip
    images = {c["name"]: c["image"] for c in got["spec"]["template"]["spec"]["containers"]}
    assert images == {"a": "busybox", "b": "x"}


def test_delete_of_a_missing_object_fails_with_the_api_message(
    make_ctx: Ctx, namespace: str
) -> None:
    ref = {"apiVersion": "v1", "resource": "configmaps", "name": "nope", "namespace": namespace}
    with pytest.raises(base.FunctionError, match=r'configmaps "nope" not found'):
        _run(make_ctx(), {"operation": "delete", "objectReference": ref})


def test_create_of_an_unknown_kind_fails(make_ctx: Ctx, namespace: str) -> None:
    spec = "apiVersion: example.kes.io/v9\nkind: Gadget\nmetadata:\n  name: g\n"
    with pytest.raises(base.FunctionError, match=r'no matches for kind "Gadget"'):
        _run(make_ctx(), {"operation": "create", "namespace": namespace, "spec": spec})


def test_create_of_an_existing_object_fails(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx()
    args = {"operation": "create", "namespace": namespace, "spec": _configmap("dup")}
    _run(ctx, args)
    with pytest.raises(base.FunctionError, match="already exists"):
        _run(ctx, args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"operation": "create"}, "spec cannot be empty for create operation"),
        ({"operation": "patch", "objectReference": {"name": "x", "apiVersion": "v1",
                                                    "resource": "configmaps"}},
         "spec cannot be empty for patch operation"),
        ({"operation": "delete", "objectReference": {"name": "x"}},
         "missing one or more required fields name/namespace/group/apiVersion/resource in "
         "objectReference for delete operation"),
        ({"operation": "scale"}, "invalid operation 'scale'"),
    ],
)  # fmt: skip
def test_argument_errors_use_kanister_messages(
    make_ctx: Ctx, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(base.FunctionError) as caught:
        _run(make_ctx(), args)
    assert str(caught.value) == message


def test_cluster_scoped_objects_ignore_the_namespace(make_ctx: Ctx) -> None:
    ctx = make_ctx()
    name = f"kubeops-{uuid.uuid4().hex[:8]}"
    spec = yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    out = _run(ctx, {"operation": "create", "namespace": "ignored", "spec": spec})
    assert (out["resource"], out["name"], out["namespace"]) == ("namespaces", name, "")
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": name}
    _run(ctx, {"operation": "patch", "objectReference": ref,
               "spec": "metadata:\n  labels:\n    patched: 'yes'\n"})  # fmt: skip
    got = objects.get(ctx.api, group="", version="v1", resource="namespaces", namespace="",
                      name=name)  # fmt: skip
    assert got["metadata"]["labels"]["patched"] == "yes"
    _run(ctx, {"operation": "delete", "objectReference": ref})
    with pytest.raises(errors.ApiNotFoundError):
        objects.get(ctx.api, group="", version="v1", resource="namespaces", namespace="",
                    name=name)  # fmt: skip


def test_a_malformed_spec_does_not_echo_its_content(make_ctx: Ctx, namespace: str) -> None:
    spec = "apiVersion: v1\nkind: Secret\nstringData:\n  password: hunter2-secret\n : [\n"
    with pytest.raises(base.FunctionError) as caught:
        _run(make_ctx(), {"operation": "create", "namespace": namespace, "spec": spec})
    assert str(caught.value).startswith("error converting YAML to JSON: line ")
    assert "hunter2" not in str(caught.value)


def _held_configmap(ctx: base.PhaseContext, namespace: str) -> dict[str, str]:
    objects.request(
        ctx.api, method="POST", url_path=f"/api/v1/namespaces/{namespace}/configmaps",
        body={"metadata": {"name": "held", "finalizers": ["kes.io/hold"]}},
    )  # fmt: skip
    return {"apiVersion": "v1", "resource": "configmaps", "name": "held", "namespace": namespace}


def _deleting(ctx: base.PhaseContext, namespace: str) -> bool:
    got = objects.get(ctx.api, group="", version="v1", resource="configmaps",
                      namespace=namespace, name="held")  # fmt: skip
    return bool(got["metadata"].get("deletionTimestamp"))


def _release(ctx: base.PhaseContext, namespace: str) -> None:
    objects.request(
        ctx.api, method="PATCH", url_path=f"/api/v1/namespaces/{namespace}/configmaps/held",
        body={"metadata": {"finalizers": None}}, content_type="application/merge-patch+json",
    )  # fmt: skip


def test_delete_returns_only_once_the_object_is_gone(
    make_ctx: Ctx, namespace: str, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    ref = _held_configmap(ctx, namespace)
    outcome: list[Any] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_run(ctx, {"operation": "delete", "objectReference": ref}))
    )
    worker.start()
    wait_until(lambda: _deleting(ctx, namespace), what="the delete to be requested")
    assert worker.is_alive() and outcome == []
    _release(ctx, namespace)
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert outcome == [{**ref, "group": "", "kind": ""}]


def test_cancel_stops_a_delete_that_waits_for_finalizers(
    make_ctx: Ctx, namespace: str, recorder: Any, wait_until: Callable[..., Any]
) -> None:
    ctx = make_ctx()
    ref = _held_configmap(ctx, namespace)
    errors_seen: list[BaseException] = []

    def delete() -> None:
        try:
            _run(ctx, {"operation": "delete", "objectReference": ref})
        except base.FunctionError as exc:
            errors_seen.append(exc)

    worker = threading.Thread(target=delete)
    worker.start()
    wait_until(lambda: _deleting(ctx, namespace), what="the delete to be requested")
    recorder.cancel.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert len(errors_seen) == 1
    assert isinstance(errors_seen[0], base.FunctionCancelledError)
    _release(ctx, namespace)
