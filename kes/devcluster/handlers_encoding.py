"""Response encoding: plain JSON objects and lists, or meta.k8s.io Tables when asked.

`kubectl get` asks for a Table in its Accept header and prints the cells as given; every other
client gets the object or the `<Kind>List`. Scale and access reviews are synthesised here too.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from kes.devcluster import resources, tables


def json_response(body: Any, code: int = 200) -> web.Response:
    return web.Response(status=code, text=json.dumps(body), content_type="application/json")


def wants_table(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "").replace(" ", "")
    return "as=Table" in accept and "g=meta.k8s.io" in accept


def table(
    *, r: resources.Resource, items: list[dict[str, Any]], rv: str, definitions: bool = True
) -> dict[str, Any]:
    return tables.table(
        items, kind=r.kind, resource_version=rv, printer_columns=r.printer_columns(),
        include_column_definitions=definitions,
    )


def respond_object(
    request: web.Request, *, r: resources.Resource, obj: dict[str, Any], code: int = 200
) -> web.Response:
    if wants_table(request):
        rv = str(obj.get("metadata", {}).get("resourceVersion", ""))
        return json_response(table(r=r, items=[obj], rv=rv), code)
    return json_response(obj, code)


def respond_list(
    request: web.Request,
    *,
    r: resources.Resource,
    items: list[dict[str, Any]],
    rv: str,
    token: str | None,
) -> web.Response:
    if wants_table(request):
        body = table(r=r, items=items, rv=rv)
        if token:
            body["metadata"]["continue"] = token
        return json_response(body)
    metadata: dict[str, Any] = {"resourceVersion": rv}
    if token:
        metadata["continue"] = token
    list_kind = f"{r.kind}List"
    if r.crd is not None:
        list_kind = r.crd.get("spec", {}).get("names", {}).get("listKind") or list_kind
        metadata = {"continue": token or "", "resourceVersion": rv}
    else:
        # A built-in list is a typed Go list: its items carry no apiVersion or kind.
        items = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")}
                 for item in items]
    return json_response(
        {"kind": list_kind, "apiVersion": r.api_version, "metadata": metadata, "items": items}
    )


def scale(obj: dict[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale view of a Deployment, ReplicaSet or StatefulSet."""
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    match_labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                          "creationTimestamp") if k in meta},
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(match_labels.items())),
        },
    }


def review(*, r: resources.Resource, body: Any) -> dict[str, Any]:
    """An allow-all answer to access reviews: RBAC objects are stored, not enforced."""
    spec = body.get("spec", {}) if isinstance(body, dict) else {}
    if r.plural == "selfsubjectrulesreviews":
        status: dict[str, Any] = {
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
            "incomplete": False,
        }
    else:
        status = {"allowed": True}
    return {"kind": r.kind, "apiVersion": r.api_version, "metadata": {}, "spec": spec,
            "status": status}
