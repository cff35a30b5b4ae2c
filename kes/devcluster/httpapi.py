"""A small asynchronous Kubernetes API client over HTTPS, for the parts of `kes dev` that run
against a real API server: the kubelet (as a node), the volume provisioner, the supervisor.

Why not the official client: the devcluster imports nothing of kes and runs on asyncio and
aiohttp; the official client is synchronous. What it needs is small: JSON reads and writes,
and a watch that never misses a change. The watch lists first (every object as ADDED), then
watches from the list's resourceVersion with bookmarks, resumes where it stopped after the
server ends the stream, and relists after `410 Gone`, reporting objects that vanished in the
gap as DELETED, as client-go's informers do. Errors are the `store_errors` classes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import pathlib
import ssl
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import yaml

from kes.devcluster import store_errors, watching

logger = logging.getLogger(__name__)

ResourceKey = watching.ResourceKey
_ERRORS: dict[int, type[store_errors.StoreError]] = {
    400: store_errors.BadRequestError, 403: store_errors.ForbiddenError,
    404: store_errors.NotFoundError, 409: store_errors.ConflictError,
    410: store_errors.GoneError, 422: store_errors.InvalidError,
}
_WATCH_SECONDS = 300
_RETRY_SECONDS = 1.0
_GRAPH_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, None)
_NO_RELATIONSHIP = "no relationship found between node"


def path_of(
    key: ResourceKey, *, namespace: str | None = None, name: str | None = None,
    subresource: str | None = None,
) -> str:
    group, version, plural = key
    path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    if namespace:
        path += f"/namespaces/{quote(namespace)}"
    path += f"/{plural}"
    if name:
        path += f"/{quote(name)}"
    if subresource:
        path += f"/{subresource}"
    return path


def error_of(code: int, body: Any, *, key: ResourceKey, name: str = "") -> store_errors.StoreError:
    message = body.get("message") if isinstance(body, dict) else None
    text = str(message or body or f"HTTP {code}")
    if code == 409 and isinstance(body, dict) and body.get("reason") == "AlreadyExists":
        return store_errors.AlreadyExistsError(text, plural=key[2], name=name)
    return _ERRORS.get(code, store_errors.StoreError)(text, plural=key[2], name=name)


class HttpApi:
    """A client of one API server, authenticated by a bearer token or a client certificate."""

    def __init__(
        self, *, url: str, ca_file: pathlib.Path, token: str | None = None,
        client_cert: tuple[pathlib.Path, pathlib.Path] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        context = ssl.create_default_context(cafile=str(ca_file))
        if client_cert is not None:
            context.load_cert_chain(str(client_cert[0]), str(client_cert[1]))
        self._ssl = context
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_kubeconfig(cls, path: pathlib.Path) -> HttpApi:
        """From a kubeconfig as `kes dev` writes them (CA inline; token or certificate files)."""
        import base64
        import tempfile

        config = yaml.safe_load(path.read_text())
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        with tempfile.NamedTemporaryFile("wb", suffix=".crt", delete=False) as ca:
            ca.write(base64.b64decode(cluster["certificate-authority-data"]))
        try:
            cert = user.get("client-certificate")
            return cls(url=cluster["server"], ca_file=pathlib.Path(ca.name),
                       token=user.get("token"),
                       client_cert=(pathlib.Path(cert), pathlib.Path(user["client-key"]))
                       if cert else None)
        finally:
            pathlib.Path(ca.name).unlink()

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers, connector=aiohttp.TCPConnector(ssl=self._ssl),
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, path: str, *, body: Any = None, params: dict[str, str] | None = None,
        content_type: str = "application/json", timeout: float = 30,
    ) -> tuple[int, Any]:
        """One request: (status, decoded JSON body, or text when it is not JSON).

        A connection the server closed while idle is retried once on a new one (the request
        never reached the server); otherwise an unreachable server is UnavailableError."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if data is not None else {}
        for attempt in (1, 2):
            try:
                async with self.session().request(
                    method, self.url + path, data=data, params=params, headers=headers,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                ) as response:
                    text = await response.text()
                break
            except aiohttp.ServerDisconnectedError as exc:
                if attempt == 2:
                    raise store_errors.UnavailableError(f"{method} {path}: {exc!r}") from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise store_errors.UnavailableError(f"{method} {path}: {exc!r}") from exc
        try:
            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text

    async def _call(
        self, method: str, key: ResourceKey, *, namespace: str | None = None,
        name: str | None = None, subresource: str | None = None, body: Any = None,
        params: dict[str, str] | None = None, content_type: str = "application/json",
    ) -> Any:
        path = path_of(key, namespace=namespace, name=name, subresource=subresource)
        for delay in _GRAPH_DELAYS:
            code, answer = await self.request(method, path, body=body, params=params,
                                              content_type=content_type)
            # The Node authorizer learns that a pod is bound to a node (and so may read its
            # secrets, or get a token for it) from its own watch, a moment after the kubelet
            # does; until then the node is forbidden. Ask again, briefly.
            if delay is not None and code == 403 and _NO_RELATIONSHIP in str(answer):
                await asyncio.sleep(delay)
                continue
            break
        if code >= 300:
            raise error_of(code, answer, key=key, name=name or "")
        return answer

    # -- the object API (objectapi.NodeApi) ------------------------------------------------

    async def get(self, key: ResourceKey, *, namespace: str | None, name: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", key, namespace=namespace, name=name)
        return result

    async def create(self, key: ResourceKey, obj: dict[str, Any]) -> dict[str, Any]:
        namespace = (obj.get("metadata") or {}).get("namespace")
        result: dict[str, Any] = await self._call("POST", key, namespace=namespace, body=obj)
        return result

    async def update(
        self, key: ResourceKey, obj: dict[str, Any], *, subresource: str | None = None
    ) -> dict[str, Any]:
        meta = obj.get("metadata") or {}
        result: dict[str, Any] = await self._call(
            "PUT", key, namespace=meta.get("namespace"), name=meta["name"],
            subresource=subresource, body=obj)
        return result

    async def patch(
        self, key: ResourceKey, *, namespace: str | None, name: str, patch: Any,
        subresource: str | None = None,
        content_type: str = "application/merge-patch+json",
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._call(
            "PATCH", key, namespace=namespace, name=name, subresource=subresource, body=patch,
            content_type=content_type)
        return result

    async def delete(
        self, key: ResourceKey, *, namespace: str | None, name: str,
        options: dict[str, Any] | None = None,
    ) -> None:
        await self._call("DELETE", key, namespace=namespace, name=name, body=options)

    async def list(
        self, key: ResourceKey, *, namespace: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[dict[str, Any]], str]:
        params = {"fieldSelector": field_selector} if field_selector else None
        answer = await self._call("GET", key, namespace=namespace, params=params)
        return list(answer.get("items") or []), str(answer["metadata"]["resourceVersion"])

    def watch(self, key: ResourceKey, *, field_selector: str | None = None) -> Watch:
        return Watch(api=self, key=key, field_selector=field_selector)

    async def namespace_accepts(self, namespace: str) -> bool:
        # The API server's NamespaceLifecycle admission refuses what the namespace cannot take.
        return True

    async def delete_pod(self, *, namespace: str, name: str, uid: str) -> None:
        with contextlib.suppress(store_errors.NotFoundError, store_errors.ConflictError):
            await self.delete(("", "v1", "pods"), namespace=namespace, name=name, options={
                "apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
                "preconditions": {"uid": uid}})

    async def service_account_token(
        self, *, pod: dict[str, Any], audience: str | None, expiration_seconds: int
    ) -> bytes | None:
        meta = pod["metadata"]
        account = pod.get("spec", {}).get("serviceAccountName") or "default"
        spec: dict[str, Any] = {
            "expirationSeconds": expiration_seconds,
            "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": meta["name"],
                               "uid": meta["uid"]},
        }
        if audience:
            spec["audiences"] = [audience]
        answer = await self._call(
            "POST", ("", "v1", "serviceaccounts"), namespace=meta.get("namespace", "default"),
            name=account, subresource="token",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                  "spec": spec})
        return str(answer["status"]["token"]).encode()


class Watch:
    """List, then watch, forever: see the module docstring."""

    def __init__(self, *, api: HttpApi, key: ResourceKey, field_selector: str | None) -> None:
        self._api = api
        self._key = key
        self._selector = field_selector
        self._queue: asyncio.Queue[watching.WatchEvent] = asyncio.Queue()
        self._known: dict[tuple[str, str], dict[str, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    def __aiter__(self) -> AsyncIterator[watching.WatchEvent]:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"watch {self._key[2]}")
        return self

    async def __anext__(self) -> watching.WatchEvent:
        if self.closed:
            raise StopAsyncIteration
        return await self._queue.get()

    def close(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()

    def _emit(self, kind: str, obj: dict[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        ident = (meta.get("namespace") or "", meta.get("name") or "")
        if kind == "DELETED":
            self._known.pop(ident, None)
        else:
            self._known[ident] = obj
        self._queue.put_nowait(watching.WatchEvent(kind, obj))

    async def _relist(self) -> str:
        items, version = await self._api.list(self._key, field_selector=self._selector)
        present = {((i["metadata"].get("namespace") or ""), i["metadata"]["name"]) for i in items}
        for ident, obj in list(self._known.items()):
            if ident not in present:
                self._emit("DELETED", obj)
        for item in items:
            meta = item["metadata"]
            ident = (meta.get("namespace") or "", meta["name"])
            self._emit("MODIFIED" if ident in self._known else "ADDED", item)
        return version

    async def _run(self) -> None:
        version: str | None = None
        while True:
            try:
                if version is None:
                    version = await self._relist()
                version = await self._stream(version)
            except store_errors.GoneError:
                version = None
            except (aiohttp.ClientError, OSError, store_errors.StoreError, ValueError) as exc:
                logger.warning("Watching %s failed (%s); retrying.", self._key[2], exc)
                await asyncio.sleep(_RETRY_SECONDS)

    async def _stream(self, version: str) -> str:
        """Watch from `version` until the server ends the stream; the last version seen."""
        params = {"watch": "true", "resourceVersion": version, "allowWatchBookmarks": "true",
                  "timeoutSeconds": str(_WATCH_SECONDS)}
        if self._selector:
            params["fieldSelector"] = self._selector
        async with self._api.session().get(
            self._api.url + path_of(self._key), params=params,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None),
        ) as response:
            if response.status >= 300:
                raise error_of(response.status, await _json_or_text(response), key=self._key)
            buffer = b""
            async for chunk in response.content.iter_any():
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        version = self._on_event(json.loads(line), version)
        return version

    def _on_event(self, event: dict[str, Any], version: str) -> str:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            code = int(obj.get("code") or 500)
            raise error_of(code, obj, key=self._key)
        new_version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            self._emit(str(kind), obj)
        return new_version


async def _json_or_text(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    try:
        return json.loads(text)
    except ValueError:
        return text
