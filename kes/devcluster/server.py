"""The aiohttp application of the stand-in: auth, errors, routing, and its background parts.

One catch-all route sends discovery, OpenAPI and health paths to small functions and every
resource path to `handlers.Api`; a middleware checks the bearer token and turns errors into
`Status` bodies. On startup the app opens the store, the registry and the garbage collector, and
starts the kubelet and the in-cluster controllers as background tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import pathlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from kes.devcluster import (
    certs,
    discovery,
    errors,
    gc,
    handlers,
    handlers_delete,
    handlers_encoding,
    handlers_patch,
    handlers_watch,
    openapi,
    resources,
    store,
    tracing,
)

logger = logging.getLogger(__name__)

MAX_BODY = 3 * 1024 * 1024  # the apiserver's default request size limit is 3 MiB
_PUBLIC_PATHS = {"/healthz", "/livez", "/readyz"}
_APP_API = web.AppKey("api", handlers.Api)
_APP_TOKEN = web.AppKey("token", str)
_APP_ADDRESS = web.AppKey("address", str)
_APP_STATE = web.AppKey("state", dict)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path not in _PUBLIC_PATHS:
        header = request.headers.get("Authorization", "")
        expected = "Bearer " + request.app[_APP_TOKEN]
        if not hmac.compare_digest(header.encode(), expected.encode()):
            return errors.response(code=401, reason="Unauthorized", message="Unauthorized")
    try:
        return await handler(request)
    except errors.ApiError as exc:
        return exc.response()
    except web.HTTPRequestEntityTooLarge:
        return errors.response(code=413, reason="RequestEntityTooLarge",
                               message="Request entity too large: limit is 3145728")
    except web.HTTPException as exc:
        return errors.response(code=exc.status, message=exc.reason)
    except Exception:
        logger.exception("Request %s %s failed; answering 500.", request.method, request.path)
        return errors.response(code=500, reason="InternalError",
                               message="an error on the server prevented the request from "
                               "succeeding")


def _store_error(exc: store.StoreError, target: handlers.Target) -> errors.ApiError:
    return handlers.translate(exc, r=target.resource)


def _openapi_resources(registry: resources.Registry) -> list[openapi.Resource]:
    out: list[openapi.Resource] = list(openapi.builtin_resources())
    seen: set[str] = set()
    for r in registry.all():
        if r.crd is not None and r.crd["metadata"]["name"] not in seen:
            seen.add(r.crd["metadata"]["name"])
            out.extend(openapi.crd_resources(r.crd))
    return out


def _json(body: Any, *, content_type: str = "application/json") -> web.Response:
    return web.Response(text=json.dumps(body), headers={"Content-Type": content_type})


async def _dispatch(request: web.Request) -> web.StreamResponse:
    api = request.app[_APP_API]
    path = request.path.rstrip("/") or "/"
    method = request.method
    accept = request.headers.get("Accept", "")
    if path in _PUBLIC_PATHS:
        return web.Response(text="ok")
    if path == "/version":
        return _json(discovery.VERSION_INFO)
    if path in ("/api", "/apis"):
        legacy = path == "/api"
        if discovery.wants_aggregated(accept):
            return _json(discovery.aggregated(api.registry, legacy=legacy),
                         content_type=discovery.AGGREGATED_CONTENT_TYPE)
        if legacy:
            return _json(discovery.api_versions(server_address=request.app[_APP_ADDRESS]))
        return _json(discovery.api_group_list(api.registry))
    if path == "/openapi/v3":
        return _json(openapi.v3_index(_openapi_resources(api.registry)))
    if path.startswith("/openapi/v3/"):
        parts = path[len("/openapi/v3/"):].split("/")
        group, version = ("", parts[1]) if parts[0] == "api" and len(parts) == 2 else (
            (parts[1], parts[2]) if parts[0] == "apis" and len(parts) == 3 else ("", ""))
        doc = openapi.v3_document(_openapi_resources(api.registry), group=group,
                                  version=version) if version else None
        if doc is None:
            raise errors.ApiError(code=404, message="the server could not find the requested "
                                  "resource")
        return _json(doc)
    parts = path.split("/")[1:]
    parsed = handlers.parse_path(parts)
    group = parts[1] if parts[0] == "apis" and len(parts) >= 2 else ""
    if group and group not in api.registry.group_versions():
        # No such API group: kube-apiserver's mux answers in plain text, not with a Status.
        return web.Response(status=404, text="404 page not found\n", content_type="text/plain")
    if parsed is None:
        if parts[0] == "apis" and len(parts) == 2:
            group_doc = discovery.api_group(api.registry, group=parts[1])
            if group_doc is not None:
                return _json(group_doc)
        raise errors.ApiError(code=404, message="the server could not find the requested resource")
    group, version, rest = parsed
    if not rest:
        doc = discovery.api_resource_list(api.registry, group=group, version=version)
        if doc is None:
            raise errors.ApiError(code=404, message="the server could not find the requested "
                                  "resource")
        return _json(doc)
    target = handlers.resolve(api.registry, group=group, version=version, rest=rest)
    try:
        return await _verb(api, request, target, method)
    except store.StoreError as exc:
        raise _store_error(exc, target) from exc


async def _verb(
    api: handlers.Api, request: web.Request, target: handlers.Target, method: str
) -> web.StreamResponse:
    sub = target.subresource
    if sub in ("log", "exec"):
        return await _pod_stream(api, request, target, method)
    if target.name is None:
        if method == "GET":
            if handlers_watch.is_watch(request):
                return await handlers_watch.watch(api, request, target)
            return await api.list(request, target)
        if method == "POST":
            return await api.create(request, target)
        if method == "DELETE":
            return await handlers_delete.delete_collection(api, request, target)
    else:
        if method == "GET":
            if handlers_watch.is_watch(request):
                return await handlers_watch.watch(api, request, target)
            if sub == "scale":
                obj = api.db.get_sync(target.resource.key, namespace=target.namespace,
                                      name=target.name)
                return handlers_encoding.json_response(handlers_encoding.scale(obj))
            return await api.get(request, target)
        if method == "PUT":
            return await api.replace(request, target)
        if method == "PATCH":
            return await handlers_patch.patch(api, request, target)
        if method == "DELETE" and sub is None:
            return await handlers_delete.delete(api, request, target)
    raise errors.ApiError(code=405, reason="MethodNotAllowed",
                          message="the server does not allow this method on the requested "
                          "resource")


async def _pod_stream(
    api: handlers.Api, request: web.Request, target: handlers.Target, method: str
) -> web.StreamResponse:
    namespace, name = str(target.namespace), str(target.name)
    api.db.get_sync(target.resource.key, namespace=namespace, name=name)  # 404 first
    kubelet = request.app[_APP_STATE].get("kubelet")
    if kubelet is None:
        raise errors.ApiError(code=503, reason="ServiceUnavailable", message="no kubelet")
    if target.subresource == "log" and method == "GET":
        response: web.StreamResponse = await kubelet.handle_log(
            request, namespace=namespace, name=name)
        return response
    if target.subresource == "exec" and method in ("GET", "POST"):
        if method == "POST" or request.headers.get("Upgrade", "").lower() != "websocket":
            raise errors.bad_request(
                "Upgrade request required: the kes devcluster speaks exec over WebSocket "
                "(v4/v5.channel.k8s.io) only"
            )
        response = await kubelet.handle_exec(request, namespace=namespace, name=name)
        return response
    raise errors.ApiError(code=405, reason="MethodNotAllowed",
                          message="the server does not allow this method on the requested "
                          "resource")


def _ensure_namespaces(db: store.Store) -> None:
    for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
        try:
            db.get_sync(gc.NAMESPACES, namespace=None, name=name)
        except store.NotFoundError:
            db.create_sync(gc.NAMESPACES, {
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
            })


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("The %s stopped with an error; the API keeps serving without it.",
                     task.get_name(), exc_info=task.exception())


async def _background(app: web.Application) -> AsyncIterator[None]:
    state = app[_APP_STATE]
    api = app[_APP_API]
    collector = gc.Collector(db=api.db)
    collector.attach()
    tasks: list[asyncio.Task[None]] = []
    kubelet = None
    if state.get("run_kubelet", True):
        # Both parts are optional so the API can be served (and tested) on its own.
        try:
            from kes.devcluster import controllers
            from kes.devcluster import kubelet as kubelet_module
        except ImportError:
            logger.warning("The kubelet or the controllers cannot be loaded; serving the API only.")
        else:
            kubelet_class = getattr(kubelet_module, "Kubelet", None)
            if kubelet_class is not None:
                kubelet = kubelet_class.on_store(store=api.db, data_dir=state["data_dir"],
                                                 pod_path=state.get("pod_path") or [])
                state["kubelet"] = kubelet
                tasks.append(asyncio.create_task(kubelet.run(), name="kubelet"))
            run_controllers = getattr(controllers, "run_controllers", None)
            if run_controllers is not None:
                tasks.append(asyncio.create_task(run_controllers(store=api.db),
                                                 name="controllers"))
    for task in tasks:
        task.add_done_callback(_report_crash)
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    if kubelet is not None:
        await kubelet.stop()
    await collector.stop()
    api.db.close()


def make_app(
    *,
    data_dir: pathlib.Path,
    token: str,
    address: str,
    run_kubelet: bool = True,
    watch_history: int = 50_000,
    bookmark_interval: float = 10.0,
    pod_path: list[pathlib.Path] | None = None,
) -> web.Application:
    db = store.Store(path=data_dir / "state.db", history_size=watch_history)
    registry = resources.Registry()
    registry.attach(db)
    _ensure_namespaces(db)
    tracer = tracing.from_environment()
    middlewares = [_middleware] if tracer is None else [tracer.middleware, _middleware]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY)
    app[_APP_API] = handlers.Api(db=db, registry=registry, bookmark_interval=bookmark_interval)
    app[_APP_TOKEN] = token
    app[_APP_ADDRESS] = address
    app[_APP_STATE] = {"data_dir": data_dir, "run_kubelet": run_kubelet,
                       "pod_path": pod_path or []}
    app.cleanup_ctx.append(_background)
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    return app


async def serve(
    *,
    data_dir: pathlib.Path,
    port: int,
    host: str = "127.0.0.1",
    run_kubelet: bool = True,
    watch_history: int = 50_000,
    bookmark_interval: float = 10.0,
    ready: Callable[[int], None] | None = None,
    pod_path: list[pathlib.Path] | None = None,
) -> None:
    """Run until cancelled. `ready` gets the bound port (useful with port 0)."""
    creds = certs.ensure(data_dir)
    app = make_app(data_dir=data_dir, token=creds.token, address=f"{host}:{port}",
                   run_kubelet=run_kubelet, watch_history=watch_history,
                   bookmark_interval=bookmark_interval, pod_path=pod_path)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port, ssl_context=certs.server_ssl_context(creds))
    await site.start()
    # The bound port, for port 0. aiohttp types `_server` as AbstractServer; it is a Server.
    sockets: Any = getattr(site._server, "sockets", None)
    bound = int(sockets[0].getsockname()[1]) if sockets else port
    (data_dir / "port").write_text(str(bound))
    logger.info("The kes devcluster is serving on https://%s:%d.", host, bound)
    if ready is not None:
        ready(bound)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
