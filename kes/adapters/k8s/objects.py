"""Generic reads of any object by group/version/resource, returned as plain JSON dicts.

Used for TemplateParams `.Object` and by functions that name an object by GVR (KubeOps, Wait).
Raw JSON is returned rather than client models, so unknown fields (CRDs) survive untouched.
Every request has the Api's timeout; reads are retried on transient failures (`retrying`), and
so are writes whose caller says repeating them is safe (`retry=True`). `create_once` is the
create that can be retried without making a twin.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from kes.adapters.k8s import client, errors, retrying

# A label on objects kes creates with `create_once`: after an answer that leaves the outcome
# unknown, the next attempt finds the object by it instead of creating another.
CREATE_TOKEN_LABEL = "kes.io/create-token"  # noqa: S105 (a label key, not a password)


def path(*, group: str, version: str, resource: str, namespace: str = "", name: str = "") -> str:
    """The REST path of a collection or object: core group under /api, others under /apis."""
    base = f"/api/{version}" if group in ("", "core") else f"/apis/{group.rstrip('/')}/{version}"
    if namespace:
        base += f"/namespaces/{namespace}"
    base += f"/{resource}"
    if name:
        base += f"/{name}"
    return base


def request(
    api: client.Api,
    *,
    method: str,
    url_path: str,
    body: Any = None,
    query: list[tuple[str, Any]] | None = None,
    content_type: str = "application/json",
    retry: bool | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float | None = None,
) -> Any:
    """One REST call; the decoded JSON response (None when empty).

    `retry` (default: only for GET) repeats the call after transient failures; a DELETE found
    NotFound after a failed attempt counts as done (the lost answer was the delete's).
    ``timeout_s`` bounds the connect and each read (default: the client's --api-timeout); a
    call with its own deadline (a Lease's) is not retried unless asked.
    """
    if retry is None:
        retry = method == "GET" and timeout_s is None
    if not retry:
        return _once(api, method=method, url_path=url_path, body=body, query=query,
                     content_type=content_type, timeout_s=timeout_s)
    failed_before = False

    def attempt() -> Any:
        nonlocal failed_before
        try:
            return _once(api, method=method, url_path=url_path, body=body, query=query,
                         content_type=content_type, timeout_s=timeout_s)
        except errors.ApiNotFoundError:
            if method == "DELETE" and failed_before:
                return None
            raise
        except errors.ApiError:
            failed_before = True
            raise

    return retrying.call(attempt, what=f"{method} {url_path}", cancel=cancel,
                         conflicts=method != "GET")


def _once(
    api: client.Api,
    *,
    method: str,
    url_path: str,
    body: Any,
    query: list[tuple[str, Any]] | None,
    content_type: str,
    timeout_s: float | None = None,
) -> Any:
    try:
        with errors.translated():
            response = api.client.call_api(
                url_path,
                method,
                query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _return_http_data_only=True,
                _request_timeout=api.request_timeout() if timeout_s is None else timeout_s,
            )
            # The body is read here, under the same timeout and error translation.
            data = response.data if hasattr(response, "data") else response[0].data
        try:
            return json.loads(data) if data else None
        except ValueError as exc:
            raise errors.ApiUnavailableError(
                f"Unreadable answer to {method} {url_path}: {exc}"
            ) from exc
    except errors.ApiNotFoundError:
        raise
    except errors.ApiError:
        if api.on_error is not None:
            api.on_error(method)
        raise


def get(
    api: client.Api, *, group: str, version: str, resource: str, namespace: str, name: str
) -> dict[str, Any]:
    """The object as a dict; `ApiNotFoundError` when it does not exist."""
    if not name:
        # An empty name would address the collection; client-go refuses it with these words.
        raise errors.ApiError("resource name may not be empty")
    url_path = path(
        group=group, version=version, resource=resource, namespace=namespace, name=name
    )
    result = request(api, method="GET", url_path=url_path)
    if not isinstance(result, dict):
        raise errors.ApiError(f"Unexpected response for {url_path}")
    return result


def list_objects(
    api: client.Api,
    *,
    group: str,
    version: str,
    resource: str,
    namespace: str = "",
    label_selector: str = "",
    field_selector: str = "",
) -> list[dict[str, Any]]:
    """Items of a collection, optionally filtered by selectors."""
    query: list[tuple[str, Any]] = []
    if label_selector:
        query.append(("labelSelector", label_selector))
    if field_selector:
        query.append(("fieldSelector", field_selector))
    url_path = path(group=group, version=version, resource=resource, namespace=namespace)
    result = request(api, method="GET", url_path=url_path, query=query)
    items = result.get("items") if isinstance(result, dict) else None
    return list(items or [])


def create_once(
    api: client.Api,
    *,
    url_path: str,
    body: dict[str, Any],
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """POST `body` to the collection at `url_path`, retried without ever making a twin.

    The body gets a unique `kes.io/create-token` label. When an attempt ends without a clear
    answer (5xx, timeout, dropped connection: the server may have created the object), the
    next one first looks the object up by that label and returns it if it exists. If every
    attempt fails, an object created by a lost answer is deleted before the error is raised,
    so nothing is left running unwatched.
    """
    token = uuid.uuid4().hex
    metadata = dict(body.get("metadata") or {})
    metadata["labels"] = {**(metadata.get("labels") or {}), CREATE_TOKEN_LABEL: token}
    sent = {**body, "metadata": metadata}
    selector = f"{CREATE_TOKEN_LABEL}={token}"
    uncertain = False

    def attempt() -> dict[str, Any]:
        nonlocal uncertain
        if uncertain:
            found = _find(api, url_path=url_path, selector=selector)
            if found is not None:
                return found
        try:
            created = _once(api, method="POST", url_path=url_path, body=sent, query=None,
                            content_type="application/json")
        except errors.ApiUnavailableError:
            uncertain = True
            raise
        if not isinstance(created, dict):
            raise errors.ApiError(f"Unexpected response creating an object at {url_path}")
        return created

    try:
        return retrying.call(attempt, what=f"POST {url_path}", cancel=cancel, conflicts=True)
    except errors.ApiError:
        if uncertain:
            _delete_found(api, url_path=url_path, selector=selector)
        raise


def _find(api: client.Api, *, url_path: str, selector: str) -> dict[str, Any] | None:
    listing = _once(api, method="GET", url_path=url_path, body=None,
                    query=[("labelSelector", selector)], content_type="application/json")
    items = listing.get("items") if isinstance(listing, dict) else None
    return dict(items[0]) if items else None


def _delete_found(api: client.Api, *, url_path: str, selector: str) -> None:
    """Best effort: the caller is already failing with the create's own error."""
    try:
        found = _find(api, url_path=url_path, selector=selector)
        if found is not None:
            request(api, method="DELETE", url_path=f"{url_path}/{found['metadata']['name']}",
                    retry=True)
    except errors.ApiError:
        pass
