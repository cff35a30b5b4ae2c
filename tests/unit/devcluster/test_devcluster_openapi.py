"""OpenAPI v3 index and group-version documents as kubectl apply and explain read them."""

from __future__ import annotations

from typing import Any

import pytest

from kes.devcluster import openapi

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "versions": [
            {"name": "v1", "served": True, "storage": True,
             "subresources": {"status": {}},
             "schema": {"openAPIV3Schema": {
                 "type": "object", "description": "A widget.",
                 "properties": {"spec": {"type": "object", "description": "What it is.",
                                         "properties": {"size": {"type": "integer"}}}}}}},
            {"name": "v0", "served": False, "storage": False},
        ],
    },
}


def _all() -> list[openapi.Resource]:
    return openapi.builtin_resources() + openapi.crd_resources(WIDGET_CRD)


def test_index_lists_every_group_version_with_a_hash() -> None:
    index = openapi.v3_index(_all())
    keys = set(index["paths"])
    assert {"api/v1", "apis/apps/v1", "apis/coordination.k8s.io/v1",
            "apis/apiextensions.k8s.io/v1", "apis/example.com/v1"} <= keys
    url = index["paths"]["api/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/api/v1?hash=")
    assert len(url.split("hash=")[1]) == 128


def test_hash_changes_when_a_crd_changes() -> None:
    before = openapi.v3_index(_all())["paths"]["apis/example.com/v1"]["serverRelativeURL"]
    changed = {**WIDGET_CRD, "spec": {**WIDGET_CRD["spec"], "scope": "Cluster"}}
    after_resources = openapi.builtin_resources() + openapi.crd_resources(changed)
    after = openapi.v3_index(after_resources)["paths"]["apis/example.com/v1"]["serverRelativeURL"]
    assert before != after
    core = openapi.v3_index(_all())["paths"]["api/v1"]["serverRelativeURL"]
    assert core == openapi.v3_index(after_resources)["paths"]["api/v1"]["serverRelativeURL"]


@pytest.mark.parametrize(
    ("group", "version", "path", "kind"),
    [
        pytest.param("", "v1", "/api/v1/namespaces/{namespace}/configmaps/{name}", "ConfigMap",
                     id="configmap"),
        pytest.param("", "v1", "/api/v1/namespaces/{name}", "Namespace",
                     id="namespace-for-cr-fallback"),
        pytest.param("apps", "v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
                     "Deployment", id="deployment"),
        pytest.param("example.com", "v1", "/apis/example.com/v1/namespaces/{namespace}/widgets/"
                     "{name}", "Widget", id="custom-resource"),
        pytest.param("rbac.authorization.k8s.io", "v1",
                     "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}", "ClusterRole",
                     id="cluster-scoped"),
    ],
)
def test_patch_operation_advertises_field_validation(group: str, version: str, path: str,
                                                     kind: str) -> None:
    document = openapi.v3_document(_all(), group=group, version=version)
    assert document is not None
    patch = document["paths"][path]["patch"]
    assert {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}} in patch[
        "parameters"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": group, "version": version,
                                                         "kind": kind}


def test_unknown_or_unserved_group_version_has_no_document() -> None:
    assert openapi.v3_document(_all(), group="example.com", version="v0") is None
    assert openapi.v3_document(_all(), group="nope.io", version="v1") is None


def test_crd_component_schema_for_explain() -> None:
    document = openapi.v3_document(_all(), group="example.com", version="v1")
    assert document is not None
    schemas = document["components"]["schemas"]
    widget = schemas["com.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [
        {"group": "example.com", "version": "v1", "kind": "Widget"}]
    assert widget["description"] == "A widget."
    assert widget["properties"]["spec"]["properties"]["size"] == {"type": "integer"}
    assert set(widget["properties"]) == {"apiVersion", "kind", "metadata", "spec"}
    ref = widget["properties"]["metadata"]["allOf"][0]["$ref"]
    assert ref == f"#/components/schemas/{openapi.OBJECT_META}"
    assert "name" in schemas[openapi.OBJECT_META]["properties"]
    status_path = "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status"
    assert "patch" in document["paths"][status_path]
    # The CRD itself is not changed by building the component.
    assert "apiVersion" not in WIDGET_CRD["spec"]["versions"][0]["schema"]["openAPIV3Schema"][
        "properties"]


def _refs(value: object) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        for item in value.values():
            found |= _refs(item)
        return found
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value)) if value else set()
    return set()


@pytest.mark.parametrize(
    ("group", "kind", "name"),
    [
        pytest.param("", "Pod", "io.k8s.api.core.v1.Pod", id="pod"),
        pytest.param("", "ConfigMap", "io.k8s.api.core.v1.ConfigMap", id="configmap"),
        pytest.param("apps", "Deployment", "io.k8s.api.apps.v1.Deployment", id="deployment"),
        pytest.param("coordination.k8s.io", "Lease", "io.k8s.api.coordination.v1.Lease",
                     id="lease"),
    ],
)
def test_builtin_schemas_for_explain_resolve_every_ref(group: str, kind: str,
                                                       name: str) -> None:
    document = openapi.v3_document(_all(), group=group, version="v1")
    assert document is not None
    schemas = document["components"]["schemas"]
    assert schemas[name]["x-kubernetes-group-version-kind"] == [
        {"group": group, "version": "v1", "kind": kind}]
    for ref in _refs(schemas):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_pod_schema_reaches_container_env() -> None:
    document = openapi.v3_document(_all(), group="", version="v1")
    assert document is not None
    schemas = document["components"]["schemas"]
    pod_spec = schemas["io.k8s.api.core.v1.PodSpec"]
    assert pod_spec["properties"]["containers"]["items"]["allOf"][0]["$ref"].endswith(
        "io.k8s.api.core.v1.Container")
    container = schemas["io.k8s.api.core.v1.Container"]
    assert container["required"] == ["name"]
    assert "env" in container["properties"]


def test_no_patch_operation_declares_a_request_body() -> None:
    # kubectl apply would otherwise derive strategic merge keys from these schemas, which
    # carry none, and treat containers/env/volumes as atomic lists.
    for group, version in {(r["group"], r["version"]) for r in _all()}:
        document = openapi.v3_document(_all(), group=group, version=version)
        assert document is not None
        for path in document["paths"].values():
            assert "requestBody" not in path.get("patch", {})


def test_crd_resources_reads_scope_and_versions() -> None:
    cluster = {**WIDGET_CRD, "spec": {**WIDGET_CRD["spec"], "scope": "Cluster"}}
    [resource] = openapi.crd_resources(cluster)
    assert (resource["group"], resource["version"], resource["kind"], resource["plural"],
            resource["namespaced"], resource["subresources"]) == (
        "example.com", "v1", "Widget", "widgets", False, ["status"])
    document = openapi.v3_document([resource], group="example.com", version="v1")
    assert document is not None
    assert "/apis/example.com/v1/widgets/{name}" in document["paths"]


@pytest.mark.parametrize(
    ("group", "version", "expected"),
    [pytest.param("", "v1", "api/v1", id="core"),
     pytest.param("apps", "v1", "apis/apps/v1", id="group")],
)
def test_group_version_path(group: str, version: str, expected: str) -> None:
    assert openapi.group_version_path(group=group, version=version) == expected


def test_every_patchable_builtin_of_the_registry_has_a_patch_path() -> None:
    # Without one kubectl apply falls back to client-side validation and fails on /openapi/v2.
    from kes.devcluster import resources

    served = {(r.group, r.version, r.kind, r.plural, r.namespaced)
              for r in resources.BUILTINS if "patch" in r.verbs}
    described = {(r["group"], r["version"], r["kind"], r["plural"], r["namespaced"])
                 for r in openapi.builtin_resources()}
    assert served == described
