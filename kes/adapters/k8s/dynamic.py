"""Create, patch and delete any object (built-in or custom) from a manifest or a GVR reference.

KubeOps works on objects it knows only by manifest (`apiVersion` + `kind`) or by group/version/
resource; this module maps kinds to resources with the API's discovery documents (as kubectl's
REST mapper does) and sends the raw requests, so custom resources need no client models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kes.adapters.k8s import client, errors, objects


@dataclass(frozen=True)
class RestMapping:
    """Where a kind lives: its group, version, plural resource, and whether it is namespaced."""

    group: str
    version: str
    resource: str
    namespaced: bool


def split_api_version(api_version: str) -> tuple[str, str]:
    """`apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`)."""
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


def rest_mapping(api: client.Api, *, api_version: str, kind: str) -> RestMapping:
    """The resource serving `kind` in `api_version`, from the discovery document."""
    group, version = split_api_version(api_version)
    url_path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    try:
        document = objects.request(api, method="GET", url_path=url_path)
    except errors.ApiNotFoundError:
        document = None
    for entry in (document or {}).get("resources") or []:
        if entry.get("kind") == kind and "/" not in str(entry.get("name", "")):
            return RestMapping(
                group=group,
                version=version,
                resource=str(entry["name"]),
                namespaced=bool(entry.get("namespaced")),
            )
    raise errors.ApiNotFoundError(
        f'no matches for kind "{kind}" in version "{api_version}"', status=404
    )


def is_namespaced(api: client.Api, *, group: str, version: str, resource: str) -> bool:
    """Whether `resource` is namespaced; unknown resources count as namespaced (the request
    then fails with the API's own NotFound)."""
    url_path = f"/api/{version}" if group in ("", "core") else f"/apis/{group}/{version}"
    try:
        document = objects.request(api, method="GET", url_path=url_path)
    except errors.ApiNotFoundError:
        return True
    for entry in (document or {}).get("resources") or []:
        if entry.get("name") == resource:
            return bool(entry.get("namespaced"))
    return True


def create(
    api: client.Api, *, manifest: dict[str, Any], namespace: str
) -> tuple[RestMapping, dict[str, Any]]:
    """Create the object; the manifest's own namespace wins over `namespace` (kubectl create)."""
    api_version = str(manifest.get("apiVersion") or "")
    kind = str(manifest.get("kind") or "")
    if not api_version or not kind:
        raise errors.ApiInvalidError("Object 'Kind' is missing in manifest", status=422)
    mapping = rest_mapping(api, api_version=api_version, kind=kind)
    body = dict(manifest)
    metadata = dict(body.get("metadata") or {})
    target = ""
    if mapping.namespaced:
        target = str(metadata.get("namespace") or namespace)
        metadata["namespace"] = target
    body["metadata"] = metadata
    url_path = objects.path(
        group=mapping.group, version=mapping.version, resource=mapping.resource, namespace=target
    )
    # Retried after transient failures without making a twin (a create-token label finds the
    # object a lost answer created).
    created = objects.create_once(api, url_path=url_path, body=body)
    return mapping, created


def delete(
    api: client.Api, *, group: str, version: str, resource: str, namespace: str, name: str
) -> None:
    """Delete one object (background propagation, as the dynamic client's default); retried,
    and NotFound after a lost answer counts as deleted."""
    url_path = objects.path(
        group=group, version=version, resource=resource, namespace=namespace, name=name
    )
    objects.request(api, method="DELETE", url_path=url_path, retry=True)


def exists(
    api: client.Api, *, group: str, version: str, resource: str, namespace: str, name: str
) -> bool:
    try:
        objects.get(
            api, group=group, version=version, resource=resource, namespace=namespace, name=name
        )
    except errors.ApiNotFoundError:
        return False
    return True


STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"


def patch(
    api: client.Api,
    *,
    group: str,
    version: str,
    resource: str,
    namespace: str,
    name: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    """Strategic-merge patch; custom resources (which reject it with 415) get a merge patch."""
    url_path = objects.path(
        group=group, version=version, resource=resource, namespace=namespace, name=name
    )
    try:
        # A merge of the same body twice gives the same object: safe to retry.
        result = objects.request(
            api, method="PATCH", url_path=url_path, body=body, content_type=STRATEGIC, retry=True
        )
    except errors.ApiError as exc:
        if exc.status != 415:
            raise
        result = objects.request(
            api, method="PATCH", url_path=url_path, body=body, content_type=MERGE, retry=True
        )
    return result if isinstance(result, dict) else {}
