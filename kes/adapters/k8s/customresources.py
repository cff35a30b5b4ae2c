"""Reads and writes of kes's own custom resources (cr.kanister.io/v1alpha1) as plain dicts.

Status goes through the `status` subresource as a whole (a JSON patch); finalizers with a merge
patch of the whole list (only kes edits its own finalizer, so there is no one to race with). Both
patches set a whole computed value, so they are retried after transient failures.
"""

from __future__ import annotations

from typing import Any

from kes.adapters.k8s import client, errors, objects, retrying

GROUP = "cr.kanister.io"
VERSION = "v1alpha1"


def _path(*, resource: str, namespace: str, name: str = "") -> str:
    return objects.path(
        group=GROUP, version=VERSION, resource=resource, namespace=namespace, name=name
    )


def get(api: client.Api, *, resource: str, namespace: str, name: str) -> dict[str, Any]:
    return objects.get(
        api, group=GROUP, version=VERSION, resource=resource, namespace=namespace, name=name
    )


def patch_status(
    api: client.Api, *, resource: str, namespace: str, name: str, status: dict[str, Any]
) -> dict[str, Any]:
    """Write the status computed from the log (the whole status, through the subresource).

    A JSON patch that sets `/status` as a whole: a merge patch would keep every key the new
    status no longer has (an omitted `percentCompleted`, a phase output of a log that lost its
    last events), and the CR would show what the log does not say.
    """
    result = objects.request(
        api,
        method="PATCH",
        url_path=_path(resource=resource, namespace=namespace, name=name) + "/status",
        body=[{"op": "add", "path": "/status", "value": status}],
        content_type="application/json-patch+json",
        retry=True,
    )
    if not isinstance(result, dict):
        raise errors.ApiError(f"Unexpected response patching {resource} {namespace}/{name}")
    return result


def set_finalizers(
    api: client.Api, *, resource: str, namespace: str, name: str, finalizers: list[str]
) -> dict[str, Any]:
    """Replace the object's finalizers (a merge patch replaces the whole list)."""
    result = objects.request(
        api,
        method="PATCH",
        url_path=_path(resource=resource, namespace=namespace, name=name),
        body={"metadata": {"finalizers": finalizers}},
        content_type="application/merge-patch+json",
        retry=True,
    )
    return dict(result or {})


def apply_definition(api: client.Api, *, crd: dict[str, Any]) -> None:
    """Create a CustomResourceDefinition, or replace it when it exists (CREATEORUPDATE_CRDS)."""
    collection = objects.path(
        group="apiextensions.k8s.io", version="v1", resource="customresourcedefinitions"
    )
    name = crd["metadata"]["name"]

    def attempt() -> None:
        # Read, then create or replace at the version read: a conflict, an AlreadyExists after
        # a lost answer, or a 5xx starts over from a fresh read.
        try:
            current = objects.request(api, method="GET", url_path=f"{collection}/{name}")
        except errors.ApiNotFoundError:
            try:
                objects.request(api, method="POST", url_path=collection, body=crd)
            except errors.ApiConflictError as exc:
                raise errors.ApiConflictError(str(exc), status=409, reason="Conflict") from exc
            return
        updated = dict(crd)
        updated["metadata"] = {
            **crd["metadata"],
            "resourceVersion": current["metadata"]["resourceVersion"],
        }
        objects.request(api, method="PUT", url_path=f"{collection}/{name}", body=updated)

    retrying.call(attempt, what=f"Creating or updating CRD {name}", conflicts=True)
