"""CRDs: served at once, validated against openAPIV3Schema, status subresource, scopes."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

GROUP = "example.kes.dev"


def _crd(*, plural: str, kind: str, scope: str = "Namespaced") -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": scope,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind,
                      "shortNames": [plural[:3]]},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "properties": {
                        "spec": {
                            "type": "object",
                            "required": ["size"],
                            "properties": {
                                "size": {"type": "integer", "minimum": 1},
                                "mode": {"type": "string", "enum": ["fast", "safe"],
                                         "default": "safe"},
                                "free": {"type": "object",
                                         "x-kubernetes-preserve-unknown-fields": True},
                            },
                        },
                        "status": {"type": "object",
                                   "properties": {"phase": {"type": "string"}}},
                    },
                }},
            }],
        },
    }


@pytest.fixture(scope="module")
def widgets(devcluster: Any) -> str:
    ext = client.ApiextensionsV1Api(devcluster.api_client)
    plural = f"widgets{uuid.uuid4().hex[:6]}"
    created = ext.create_custom_resource_definition(_crd(plural=plural, kind="Widget"))
    conditions = {c.type: c.status for c in created.status.conditions}
    assert conditions["Established"] == "True"
    return plural


@pytest.fixture
def custom(devcluster: Any) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(devcluster.api_client)


def _widget(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": name},
            "spec": spec}


def test_crd_is_served_at_once_and_discovered(devcluster: Any, widgets: str,
                                              custom: client.CustomObjectsApi) -> None:
    made = custom.create_namespaced_custom_object(GROUP, "v1", "default", widgets,
                                                  _widget("w1", size=2))
    assert made["metadata"]["uid"]
    assert made["spec"] == {"size": 2, "mode": "safe"}  # defaulted
    listed = custom.list_namespaced_custom_object(GROUP, "v1", "default", widgets)
    assert listed["kind"] == "WidgetList"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["w1"]
    resources = client.CustomObjectsApi(devcluster.api_client).get_api_resources(GROUP, "v1")
    names = {r.name for r in resources.resources}
    assert {widgets, f"{widgets}/status"} <= names


def test_schema_violations_are_422_with_causes(widgets: str,
                                               custom: client.CustomObjectsApi) -> None:
    with pytest.raises(ApiException) as info:
        custom.create_namespaced_custom_object(GROUP, "v1", "default", widgets,
                                               _widget("bad", mode="slow"))
    assert info.value.status == 422
    status = json.loads(info.value.body)
    assert status["reason"] == "Invalid"
    assert status["message"].startswith(f'Widget.{GROUP} "bad" is invalid: ')
    causes = {(c["reason"], c["field"]) for c in status["details"]["causes"]}
    assert ("FieldValueRequired", "spec.size") in causes
    assert ("FieldValueNotSupported", "spec.mode") in causes


def test_unknown_fields_are_pruned_but_preserved_where_marked(
        widgets: str, custom: client.CustomObjectsApi) -> None:
    made = custom.create_namespaced_custom_object(
        GROUP, "v1", "default", widgets,
        _widget("pr", size=1, extra="gone", free={"any": {"thing": 1}}))
    assert "extra" not in made["spec"]
    assert made["spec"]["free"] == {"any": {"thing": 1}}


def test_status_subresource_separates_spec_and_status(
        widgets: str, custom: client.CustomObjectsApi) -> None:
    made = custom.create_namespaced_custom_object(GROUP, "v1", "default", widgets,
                                                  _widget("st", size=1))
    generation = made["metadata"]["generation"]
    patched = custom.patch_namespaced_custom_object_status(
        GROUP, "v1", "default", widgets, "st", {"status": {"phase": "Ready"}, "spec": {"size": 9}})
    assert patched["status"] == {"phase": "Ready"}
    assert patched["spec"]["size"] == 1
    assert patched["metadata"]["generation"] == generation
    # A main-resource write ignores status and bumps the generation on a spec change.
    updated = custom.patch_namespaced_custom_object(
        GROUP, "v1", "default", widgets, "st", {"spec": {"size": 3}, "status": {"phase": "X"}})
    assert updated["spec"]["size"] == 3
    assert updated["status"] == {"phase": "Ready"}
    assert updated["metadata"]["generation"] == generation + 1


def test_cluster_scoped_crd(devcluster: Any, custom: client.CustomObjectsApi) -> None:
    ext = client.ApiextensionsV1Api(devcluster.api_client)
    plural = f"gadgets{uuid.uuid4().hex[:6]}"
    ext.create_custom_resource_definition(_crd(plural=plural, kind="Gadget", scope="Cluster"))
    obj = {"apiVersion": f"{GROUP}/v1", "kind": "Gadget", "metadata": {"name": "g1"},
           "spec": {"size": 1}}
    made = custom.create_cluster_custom_object(GROUP, "v1", plural, obj)
    assert "namespace" not in made["metadata"]
    assert custom.get_cluster_custom_object(GROUP, "v1", plural, "g1")["spec"]["size"] == 1


def test_deleting_the_crd_stops_serving(devcluster: Any,
                                        custom: client.CustomObjectsApi) -> None:
    ext = client.ApiextensionsV1Api(devcluster.api_client)
    plural = f"things{uuid.uuid4().hex[:6]}"
    ext.create_custom_resource_definition(_crd(plural=plural, kind="Thing"))
    custom.create_namespaced_custom_object(GROUP, "v1", "default", plural,
                                           {**_widget("t1", size=1), "kind": "Thing"})
    ext.delete_custom_resource_definition(f"{plural}.{GROUP}")
    with pytest.raises(ApiException) as info:
        custom.list_namespaced_custom_object(GROUP, "v1", "default", plural)
    assert info.value.status == 404
    # Re-creating the CRD does not bring the old objects back.
    ext.create_custom_resource_definition(_crd(plural=plural, kind="Thing"))
    deadline = time.monotonic() + 10
    while custom.list_namespaced_custom_object(GROUP, "v1", "default", plural)["items"]:
        assert time.monotonic() < deadline, "the objects of the deleted CRD are still there"
        time.sleep(0.05)


def test_strategic_merge_patch_on_a_custom_resource_is_415(
        widgets: str, devcluster: Any) -> None:
    custom = client.CustomObjectsApi(devcluster.api_client)
    custom.create_namespaced_custom_object(GROUP, "v1", "default", widgets, _widget("smp", size=1))
    code, body = devcluster.request(
        "PATCH", f"/apis/{GROUP}/v1/namespaces/default/{widgets}/smp", body={"spec": {"size": 2}},
        headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert code == 415
    assert body["reason"] == "UnsupportedMediaType"


def test_strict_field_validation_refuses_unknown_fields(devcluster: Any, widgets: str) -> None:
    path = f"/apis/{GROUP}/v1/namespaces/default/{widgets}"
    code, body = devcluster.request(
        "POST", path + "?fieldValidation=Strict", body=_widget("strict", size=1, bogus=True))
    assert code == 400
    assert body["reason"] == "BadRequest"
    assert body["message"] == ('Widget in version "v1" cannot be handled as a Widget: strict '
                               'decoding error: unknown field "spec.bogus"')
    code, body = devcluster.request(
        "POST", path + "?fieldValidation=Ignore", body=_widget("lenient", size=1, bogus=True))
    assert code == 201
    assert body["spec"] == {"size": 1, "mode": "safe"}


TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
                "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
AGGREGATED_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                     "application/json")


def test_printer_columns_in_tables(devcluster: Any, widgets: str,
                                   custom: client.CustomObjectsApi) -> None:
    custom.create_namespaced_custom_object(GROUP, "v1", "default", widgets,
                                           _widget("tab", size=7))
    code, table = devcluster.request(
        "GET", f"/apis/{GROUP}/v1/namespaces/default/{widgets}/tab",
        headers={"Accept": TABLE_ACCEPT})
    assert code == 200
    assert table["kind"] == "Table"
    # As in a real cluster, printer columns replace the default Age (CRDs add it themselves).
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Size"]
    assert table["rows"][0]["cells"][:2] == ["tab", 7]


def test_aggregated_discovery_lists_a_new_crd(devcluster: Any, widgets: str) -> None:
    code, body = devcluster.request("GET", "/apis", headers={"Accept": AGGREGATED_ACCEPT})
    assert code == 200
    assert body["kind"] == "APIGroupDiscoveryList"
    group = next(i for i in body["items"] if i["metadata"]["name"] == GROUP)
    resources = {r["resource"]: r for r in group["versions"][0]["resources"]}
    assert resources[widgets]["responseKind"] == {"group": GROUP, "version": "v1",
                                                  "kind": "Widget"}
    assert resources[widgets]["subresources"][0]["subresource"] == "status"
    code, legacy = devcluster.request("GET", "/apis", headers={"Accept": "application/json"})
    assert legacy["kind"] == "APIGroupList"
    assert GROUP in {g["name"] for g in legacy["groups"]}


def test_every_served_version_reads_the_same_object(devcluster: Any,
                                                    custom: client.CustomObjectsApi) -> None:
    ext = client.ApiextensionsV1Api(devcluster.api_client)
    plural = f"dials{uuid.uuid4().hex[:6]}"
    crd = _crd(plural=plural, kind="Dial")
    v1 = crd["spec"]["versions"][0]
    crd["spec"]["versions"] = [{**v1, "name": "v1beta1", "storage": False}, v1]
    ext.create_custom_resource_definition(crd)
    custom.create_namespaced_custom_object(GROUP, "v1", "default", plural,
                                           {**_widget("d1", size=1), "kind": "Dial"})
    old = custom.get_namespaced_custom_object(GROUP, "v1beta1", "default", plural, "d1")
    assert old["apiVersion"] == f"{GROUP}/v1beta1"
    assert old["spec"]["size"] == 1
    code, group = devcluster.request("GET", f"/apis/{GROUP}")
    assert code == 200
    assert group["preferredVersion"]["version"] == "v1"


def test_transition_rules_refuse_changes_on_update_and_patch(devcluster: Any) -> None:
    """`self == oldSelf` (Kanister's immutable rootPath) holds on PUT and on every patch."""
    ext = client.ApiextensionsV1Api(devcluster.api_client)
    plural = f"locks{uuid.uuid4().hex[:6]}"
    crd = _crd(plural=plural, kind="Lock")
    spec_schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec_schema["properties"]["path"] = {
        "type": "string",
        "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "Value is immutable"}],
    }
    ext.create_custom_resource_definition(crd)
    custom = client.CustomObjectsApi(devcluster.api_client)
    deadline = time.monotonic() + 30
    while True:
        try:
            custom.create_namespaced_custom_object(GROUP, "v1", "default", plural, {
                "apiVersion": f"{GROUP}/v1", "kind": "Lock", "metadata": {"name": "l"},
                "spec": {"size": 1, "path": "/a"}})
            break
        except ApiException as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # the CRD is being served: polling with a deadline
    with pytest.raises(ApiException) as patched:
        custom.patch_namespaced_custom_object(GROUP, "v1", "default", plural, "l",
                                              {"spec": {"path": "/b"}})
    assert patched.value.status == 422
    assert "Value is immutable" in json.loads(patched.value.body)["message"]
    current = custom.get_namespaced_custom_object(GROUP, "v1", "default", plural, "l")
    current["spec"]["path"] = "/c"
    with pytest.raises(ApiException) as replaced:
        custom.replace_namespaced_custom_object(GROUP, "v1", "default", plural, "l", current)
    assert replaced.value.status == 422
    current["spec"]["path"], current["spec"]["size"] = "/a", 2
    custom.replace_namespaced_custom_object(GROUP, "v1", "default", plural, "l", current)
    ext.delete_custom_resource_definition(f"{plural}.{GROUP}")
