"""PATCH: merge, JSON, strategic merge and apply patches on objects and their subresources.

The patch arithmetic lives in the pure `patching` module; this module loads the live object,
applies the patch, re-admits the result (names, CRD schema) and writes it back, so a patch is
checked exactly like an update. An apply patch on a missing object creates it, as kubectl
`apply --server-side` expects.
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from kes.devcluster import errors, handlers, handlers_defaults, handlers_encoding, patching, store


def _content_type(request: web.Request) -> str:
    return request.headers.get("Content-Type", "").split(";")[0].strip()


def _patch(
    *, target: dict[str, Any], body: Any, content_type: str, kind: str, builtin: bool
) -> dict[str, Any]:
    try:
        return patching.apply_patch(
            target, body, content_type=content_type, kind=kind, builtin=builtin
        )
    except patching.PatchError as exc:
        # kube-apiserver's answer to a failed JSON patch operation carries empty details.
        details: dict[str, Any] | None = {} if str(exc) == patching.JSON_PATCH_FAILED else None
        raise errors.ApiError(code=exc.code, reason=exc.reason, message=str(exc),
                              details=details) from exc


async def patch(
    api: handlers.Api, request: web.Request, target: handlers.Target
) -> web.StreamResponse:
    r = target.resource
    content_type = _content_type(request)
    if content_type not in (patching.MERGE_PATCH, patching.JSON_PATCH,
                            patching.STRATEGIC_MERGE_PATCH, patching.APPLY_PATCH):
        raise errors.ApiError(
            code=415, reason="UnsupportedMediaType",
            message=f'the body of the request was in an unknown format - accepted media types '
            f'include: {patching.JSON_PATCH}, {patching.MERGE_PATCH}, {patching.APPLY_PATCH}'
            + (f", {patching.STRATEGIC_MERGE_PATCH}" if r.builtin else ""),
        )
    body = await handlers.read_body(request)
    if body is None:
        raise errors.bad_request("the body of the request must not be empty")
    name = str(target.name)
    try:
        current = api.db.get_sync(r.key, namespace=target.namespace, name=name)
    except store.NotFoundError:
        if content_type != patching.APPLY_PATCH or target.subresource:
            raise
        return await _apply_create(api, request, target, body)
    if target.subresource == "scale":
        view = handlers_encoding.scale(current)
        patched_view = _patch(target=view, body=body, content_type=content_type, kind="Scale",
                              builtin=True)
        return await api.set_replicas(
            request, r=r, current=current,
            replicas=(patched_view.get("spec") or {}).get("replicas"),
            rv=(patched_view.get("metadata") or {}).get("resourceVersion")
            if patched_view["metadata"].get("resourceVersion") != view["metadata"].get(
                "resourceVersion") else None,
        )
    # The patch applies to the object as this API version shows it.
    current = api.present(r=r, obj=current)
    patched = _patch(target=copy.deepcopy(current), body=body, content_type=content_type,
                     kind=r.kind, builtin=r.builtin)
    if not isinstance(patched, dict):
        raise errors.bad_request("the patch did not produce an object")
    patched = api.prepare_body(target=target, body=patched)
    patched["metadata"]["name"] = name
    # A patch without a resourceVersion must not conflict with writes since our read.
    if patched["metadata"].get("resourceVersion") in (None, ""):
        patched["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    patched = api.admit(r=r, obj=patched, strict=handlers.strict(request),
                        old=current if target.subresource is None else None)
    await api.call_webhooks(request, target=target, operation="UPDATE", obj=patched, old=current)
    updated = api.db.update_sync(
        r.key, patched, subresource=target.subresource, dry_run=handlers.dry_run(request)
    )
    return handlers_encoding.respond_object(request, r=r, obj=api.present(r=r, obj=updated))


async def _apply_create(
    api: handlers.Api, request: web.Request, target: handlers.Target, body: Any
) -> web.StreamResponse:
    r = target.resource
    obj = api.prepare_body(target=target, body=body)
    if obj["metadata"].get("name") not in (None, target.name):
        raise errors.bad_request("the name of the object does not match the name on the URL")
    obj["metadata"]["name"] = target.name
    if r.namespaced:
        api.check_namespace(obj["metadata"]["namespace"])
    obj = handlers_defaults.apply(kind=r.kind, group=r.group, obj=obj)
    obj = api.admit(r=r, obj=obj, strict=handlers.strict(request))
    await api.call_webhooks(request, target=target, operation="CREATE", obj=obj, old=None)
    created = api.db.create_sync(r.key, obj, dry_run=handlers.dry_run(request))
    return handlers_encoding.respond_object(request, r=r, obj=api.present(r=r, obj=created),
                                            code=201)
