"""OpenAPI v3 documents, as much as kubectl apply/create/explain need.

kubectl apply asks ``/openapi/v3`` for an index of group-versions, then one document per
group-version; it needs, per kind, a path with a ``patch`` operation taking a ``fieldValidation``
query parameter and an ``x-kubernetes-group-version-kind``. ``explain`` needs
``components.schemas`` carrying the GVK. Resources are passed in as plain descriptors so this
module does not depend on the server's registry.

No patch operation declares a request body: kubectl's client-side apply derives strategic
merge metadata from OpenAPI v3 only when a patch operation lists
``application/strategic-merge-patch+json``, and our schemas carry no
``x-kubernetes-patch-merge-key`` annotations, so it must keep its compiled-in merge keys.
Built-in schemas (for ``explain``) come from :mod:`openapi_builtins`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from kes.devcluster import openapi_builtins

# A resource descriptor: {"group", "version", "kind", "plural", "namespaced": bool,
#                          "schema": openAPIV3Schema | None, "subresources": [str],
#                          "schemaName": component name (optional; built-ins)}
Resource = dict[str, Any]

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_OBJECT_META_SCHEMA: dict[str, Any] = {
    "description": "ObjectMeta is metadata that all persisted resources must have, which"
                   " includes all objects users must create.",
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "Name must be unique within a namespace."},
        "generateName": {"type": "string", "description": "GenerateName is an optional prefix,"
                         " used by the server, to generate a unique name."},
        "namespace": {"type": "string", "description": "Namespace defines the space within"
                      " which each name must be unique."},
        "labels": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "Map of string keys and values that can be used to organize"
                   " and categorize (scope and select) objects."},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Annotations is an unstructured key value map stored"
                        " with a resource."},
        "uid": {"type": "string", "description": "UID is the unique in time and space value"
                " for this object."},
        "resourceVersion": {"type": "string", "description": "An opaque value that represents"
                            " the internal version of this object."},
        "generation": {"type": "integer", "format": "int64", "description": "A sequence number"
                       " representing a specific generation of the desired state."},
        "creationTimestamp": {"type": "string", "format": "date-time", "description":
                              "CreationTimestamp is a timestamp representing the server time"
                              " when this object was created."},
        "deletionTimestamp": {"type": "string", "format": "date-time", "description":
                              "DeletionTimestamp is RFC 3339 date and time at which this"
                              " resource will be deleted."},
        "finalizers": {"type": "array", "items": {"type": "string"}, "description":
                       "Must be empty before the object is deleted from the registry."},
        "ownerReferences": {"type": "array", "items": {"type": "object"}, "description":
                            "List of objects depended by this object."},
    },
}

_BUILTINS: tuple[tuple[str, str, str, str, bool], ...] = (
    # group, version, kind, plural, namespaced
    ("", "v1", "Namespace", "namespaces", False),
    ("", "v1", "Pod", "pods", True),
    ("", "v1", "Service", "services", True),
    ("", "v1", "Secret", "secrets", True),
    ("", "v1", "ConfigMap", "configmaps", True),
    ("", "v1", "ServiceAccount", "serviceaccounts", True),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True),
    ("", "v1", "Event", "events", True),
    ("", "v1", "PersistentVolume", "persistentvolumes", False),
    ("", "v1", "Endpoints", "endpoints", True),
    ("", "v1", "Node", "nodes", False),
    ("events.k8s.io", "v1", "Event", "events", True),
    ("apps", "v1", "Deployment", "deployments", True),
    ("apps", "v1", "ReplicaSet", "replicasets", True),
    ("apps", "v1", "StatefulSet", "statefulsets", True),
    ("apps", "v1", "DaemonSet", "daemonsets", True),
    ("batch", "v1", "Job", "jobs", True),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", False),
    ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
     "validatingwebhookconfigurations", False),
    ("coordination.k8s.io", "v1", "Lease", "leases", True),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
     False),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
)
_SUBRESOURCES = {"pods": ["status"], "deployments": ["status", "scale"],
                 "replicasets": ["status", "scale"], "statefulsets": ["status", "scale"],
                 "namespaces": ["status"], "persistentvolumeclaims": ["status"],
                 "services": ["status"], "nodes": ["status"], "daemonsets": ["status"],
                 "jobs": ["status"], "persistentvolumes": ["status"]}


def group_version_path(*, group: str, version: str) -> str:
    """The index key: ``api/v1`` or ``apis/<group>/<version>``."""
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def builtin_resources() -> list[Resource]:
    """Descriptors (without schemas) of the built-in kinds the stand-in serves."""
    out: list[Resource] = []
    for group, version, kind, plural, namespaced in _BUILTINS:
        resource: Resource = {"group": group, "version": version, "kind": kind,
                              "plural": plural, "namespaced": namespaced, "schema": None,
                              "subresources": list(_SUBRESOURCES.get(plural, []))}
        found = openapi_builtins.kind_schema(group=group, kind=kind)
        if found is not None:
            resource["schemaName"], resource["schema"] = found
        out.append(resource)
    return out


def crd_resources(crd: dict[str, Any]) -> list[Resource]:
    """Descriptors for every served version of a CRD, with its schema."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    out: list[Resource] = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        subresources = sorted((version.get("subresources") or {}).keys())
        out.append({
            "group": spec.get("group", ""), "version": version.get("name", ""),
            "kind": names.get("kind", ""), "plural": names.get("plural", ""),
            "namespaced": spec.get("scope", "Namespaced") == "Namespaced",
            "schema": schema if isinstance(schema, dict) else None,
            "subresources": subresources,
        })
    return out


def _group_versions(resources: list[Resource]) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}
    for resource in resources:
        seen.setdefault((resource["group"], resource["version"]), None)
    return list(seen)


def _hash(document: dict[str, Any]) -> str:
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha512(encoded).hexdigest().upper()[:128]


def v3_index(resources: list[Resource]) -> dict[str, Any]:
    """``GET /openapi/v3``: ``{"paths": {"api/v1": {"serverRelativeURL": "...?hash=..."}}}``.

    The hash changes whenever the document does, so clients caching by URL refetch."""
    paths: dict[str, Any] = {}
    for group, version in _group_versions(resources):
        document = v3_document(resources, group=group, version=version)
        key = group_version_path(group=group, version=version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(document or {})}"}
    return {"paths": paths}


def _schema_name(resource: Resource) -> str:
    if resource.get("schemaName"):
        return str(resource["schemaName"])
    group = resource["group"]
    reversed_group = ".".join(reversed(group.split("."))) if group else "io.k8s.api.core"
    return f"{reversed_group}.{resource['version']}.{resource['kind']}"


def _gvk(resource: Resource) -> dict[str, str]:
    return {"group": resource["group"], "version": resource["version"],
            "kind": resource["kind"]}


def _parameters(*names: str) -> list[dict[str, Any]]:
    params = []
    for name in names:
        location = "path" if name in ("name", "namespace") else "query"
        entry: dict[str, Any] = {"name": name, "in": location, "schema": {"type": "string"}}
        if location == "path":
            entry["required"] = True
        params.append(entry)
    return params


def _operation(resource: Resource, *, action: str, verb: str, params: list[dict[str, Any]],
               schema_ref: str | None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{verb}{resource['kind']}",
        "parameters": params,
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(resource),
        "responses": {"200": {"description": "OK"}},
    }
    if schema_ref:
        operation["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": schema_ref}}}
    return operation


def _paths(resource: Resource, *, schema_ref: str | None) -> dict[str, Any]:
    prefix = "/api/" + resource["version"] if not resource["group"] else (
        f"/apis/{resource['group']}/{resource['version']}")
    base = f"{prefix}/namespaces/{{namespace}}/{resource['plural']}" if resource["namespaced"] \
        else f"{prefix}/{resource['plural']}"
    scope = ("namespace",) if resource["namespaced"] else ()
    write = ("dryRun", "fieldManager", "fieldValidation")
    item = {
        "get": _operation(resource, action="get", verb="read",
                          params=_parameters(*scope, "name"), schema_ref=schema_ref),
        "put": _operation(resource, action="put", verb="replace",
                          params=_parameters(*scope, "name", *write), schema_ref=schema_ref),
        "patch": _operation(resource, action="patch", verb="patch",
                            params=_parameters(*scope, "name", *write, "force"),
                            schema_ref=schema_ref),
        "delete": _operation(resource, action="delete", verb="delete",
                             params=_parameters(*scope, "name", "dryRun",
                                                "propagationPolicy", "gracePeriodSeconds"),
                             schema_ref=None),
    }
    collection = {
        "get": _operation(resource, action="list", verb="list",
                          params=_parameters(*scope, "labelSelector", "fieldSelector", "limit",
                                             "continue", "watch", "resourceVersion"),
                          schema_ref=None),
        "post": _operation(resource, action="post", verb="create",
                           params=_parameters(*scope, *write), schema_ref=schema_ref),
    }
    paths = {base: collection, f"{base}/{{name}}": item}
    for sub in resource.get("subresources") or []:
        paths[f"{base}/{{name}}/{sub}"] = {
            "get": _operation(resource, action="get", verb=f"read{sub.title()}",
                              params=_parameters(*scope, "name"), schema_ref=None),
            "patch": _operation(resource, action="patch", verb=f"patch{sub.title()}",
                                params=_parameters(*scope, "name", *write), schema_ref=None),
        }
    return paths


def _component(resource: Resource) -> dict[str, Any]:
    schema: dict[str, Any] = (copy.deepcopy(resource["schema"]) if resource.get("schema")
                              else {"type": "object"})
    properties: dict[str, Any] = schema.setdefault("properties", {})
    properties.setdefault("apiVersion", {
        "type": "string",
        "description": "APIVersion defines the versioned schema of this representation of an"
                       " object."})
    properties.setdefault("kind", {
        "type": "string",
        "description": "Kind is a string value representing the REST resource this object"
                       " represents."})
    properties["metadata"] = {"allOf": [{"$ref": f"#/components/schemas/{OBJECT_META}"}],
                              "description": "Standard object's metadata."}
    schema["x-kubernetes-group-version-kind"] = [_gvk(resource)]
    return schema


def v3_document(resources: list[Resource], *, group: str, version: str) -> dict[str, Any] | None:
    """``GET /openapi/v3/<gv path>``, or None when no resource is served in that group-version."""
    selected = [r for r in resources if r["group"] == group and r["version"] == version]
    if not selected:
        return None
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for resource in selected:
        ref = None
        if resource.get("schema"):
            name = _schema_name(resource)
            schemas[name] = _component(resource)
            ref = f"#/components/schemas/{name}"
        paths.update(_paths(resource, schema_ref=ref))
    if schemas:
        schemas[OBJECT_META] = copy.deepcopy(_OBJECT_META_SCHEMA)
    if any(r.get("schemaName") for r in selected):
        # Built-in schemas reference shared types ($ref is local to the document).
        schemas.update(copy.deepcopy(openapi_builtins.SHARED))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.31.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
