"""Discovery documents: `/version`, legacy `/api`, `/apis`, `/api/v1`, `/apis/g/v`, aggregated v2.

kubectl 1.37 asks for aggregated discovery and decides the parser by the response Content-Type;
the Python DynamicClient uses the legacy per-group-version documents. Both are built from the
registry each time, so a new CRD shows up in the next request.
"""

from __future__ import annotations

import re
from typing import Any

from kes.devcluster import resources

AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

VERSION_INFO = {
    "major": "1",
    "minor": "37",
    "gitVersion": "v1.37.0-kes-devcluster",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes' version order: GA > beta > alpha, higher numbers first (as a sort key)."""
    m = _VERSION_RE.match(version)
    if not m:
        return (3, 0, 0)
    major = int(m.group(1))
    stage = {"None": 0, "beta": 1, "alpha": 2}[str(m.group(2))]
    return (stage, -major, -int(m.group(3) or 0))


def wants_aggregated(accept: str) -> bool:
    return "as=APIGroupDiscoveryList" in accept.replace(" ", "") and "v=v2" in accept


def _sorted_versions(registry: resources.Registry) -> dict[str, list[str]]:
    return {g: sorted(vs, key=version_priority) for g, vs in registry.group_versions().items()}


def api_versions(*, server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_group_list(registry: resources.Registry) -> dict[str, Any]:
    groups = []
    for group, versions in sorted(_sorted_versions(registry).items()):
        if not group:
            continue
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: resources.Registry, *, group: str) -> dict[str, Any] | None:
    versions = _sorted_versions(registry).get(group)
    if not versions or not group:
        return None
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs,
            "preferredVersion": gvs[0]}


def _resource_entries(r: resources.Resource) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
        "kind": r.kind, "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    out = [entry]
    for sub in r.subresources:
        sub_entry: dict[str, Any] = {"name": f"{r.plural}/{sub}", "singularName": "",
                                     "namespaced": r.namespaced, "kind": r.kind,
                                     "verbs": ["get", "patch", "update"]}
        if sub == "scale":
            sub_entry.update(group="autoscaling", version="v1", kind="Scale")
        elif sub == "log":
            sub_entry["verbs"] = ["get"]
        elif sub == "exec":
            sub_entry.update(kind="PodExecOptions", verbs=["create", "get"])
        out.append(sub_entry)
    return out


def api_resource_list(
    registry: resources.Registry, *, group: str, version: str
) -> dict[str, Any] | None:
    served = [r for r in registry.all() if (r.group, r.version) == (group, version)]
    if not served:
        return None
    entries: list[dict[str, Any]] = []
    for r in sorted(served, key=lambda r: r.plural):
        entries.extend(_resource_entries(r))
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": entries}


def _aggregated_resource(r: resources.Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": r.plural,
        "singularResource": r.singular,
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    subs = []
    for sub in r.subresources:
        kind = {"group": r.group, "version": r.version, "kind": r.kind}
        verbs = ["get", "patch", "update"]
        if sub == "scale":
            kind = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        elif sub == "log":
            verbs = ["get"]
        elif sub == "exec":
            kind = {"group": "", "version": "v1", "kind": "PodExecOptions"}
            verbs = ["create", "get"]
        subs.append({"subresource": sub, "responseKind": kind, "verbs": verbs})
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(registry: resources.Registry, *, legacy: bool) -> dict[str, Any]:
    """The APIGroupDiscoveryList of `/api` (legacy=True) or `/apis`."""
    items = []
    by_group = _sorted_versions(registry)
    for group in sorted(by_group):
        if (group == "") != legacy:
            continue
        versions = []
        for version in by_group[group]:
            served = [r for r in registry.all() if (r.group, r.version) == (group, version)]
            versions.append({
                "version": version,
                "freshness": "Current",
                "resources": [
                    _aggregated_resource(r) for r in sorted(served, key=lambda r: r.plural)
                ],
            })
        items.append({"metadata": {"name": group}, "versions": versions})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": items}
