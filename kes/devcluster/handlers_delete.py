"""DELETE of one object or a collection, with kube-apiserver's answers.

An object removed at once is answered with a `Status` of kind Success naming it; one whose
removal waits (finalizers, a namespace, a pod's grace period) with the object as it now is.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from kes.devcluster import errors, handlers, handlers_encoding, resources, store


async def delete(
    api: handlers.Api, request: web.Request, target: handlers.Target
) -> web.StreamResponse:
    r = target.resource
    options = await handlers.read_body(request)
    options = options if isinstance(options, dict) else {}
    policy = request.query.get("propagationPolicy") or options.get("propagationPolicy")
    if policy not in (None, "Foreground", "Background", "Orphan"):
        raise errors.bad_request(f'invalid propagationPolicy: "{policy}"')
    preconditions = options.get("preconditions") or {}
    is_dry = handlers.dry_run(request) or "All" in (options.get("dryRun") or [])
    grace_text = request.query.get("gracePeriodSeconds", options.get("gracePeriodSeconds"))
    try:
        grace = None if grace_text in (None, "") else int(grace_text)
    except (TypeError, ValueError) as exc:
        raise errors.bad_request(f'invalid gracePeriodSeconds: "{grace_text}"') from exc
    deleted = api.db.delete_sync(
        r.key, namespace=target.namespace, name=str(target.name),
        propagation_policy=policy, dry_run=is_dry, uid_precondition=preconditions.get("uid"),
        grace_period_seconds=grace,
    )
    if r.key != ("", "v1", "pods") and _removed(api, r, target, deleted, dry=is_dry):
        # As kube-apiserver: an object removed at once is answered with a Status; one that
        # waits (finalizers, a namespace, a pod's grace period) with the object itself.
        details = {"name": str(target.name), "group": r.group, "kind": r.plural,
                   "uid": deleted["metadata"].get("uid")}
        return handlers_encoding.json_response({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {k: v for k, v in details.items() if v}})
    return handlers_encoding.respond_object(request, r=r, obj=api.present(r=r, obj=deleted))

def _removed(api: handlers.Api, r: resources.Resource, target: handlers.Target,
             deleted: dict[str, Any], *, dry: bool) -> bool:
    if dry:
        return not deleted["metadata"].get("finalizers") and r.key != (
            "", "v1", "namespaces")
    try:
        api.db.get_sync(r.key, namespace=target.namespace, name=str(target.name))
    except store.NotFoundError:
        return True
    return False

async def delete_collection(
    api: handlers.Api, request: web.Request, target: handlers.Target
) -> web.StreamResponse:
    r = target.resource
    matcher = store.make_matcher(
        label_selector=request.query.get("labelSelector"),
        field_selector=handlers.field_selector(request, r=r),
        kind=r.kind,
    )
    items, rv, _ = api.db.list_sync(r.key, namespace=target.namespace, matcher=matcher)
    deleted = []
    for item in items:
        meta = item["metadata"]
        try:
            deleted.append(api.db.delete_sync(
                r.key, namespace=meta.get("namespace"), name=meta["name"],
                dry_run=handlers.dry_run(request),
            ))
        except store.NotFoundError:
            continue
    return handlers_encoding.respond_list(request, r=r, items=deleted, rv=rv, token=None)
