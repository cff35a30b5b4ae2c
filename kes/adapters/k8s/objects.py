"""Generic reads of any object by group/version/resource, returned as plain JSON dicts.

Used for TemplateParams `.Object` and by functions that name an object by GVR (KubeOps, Wait).
Raw JSON is returned rather than client models, so unknown fields (CRDs) survive untouched.
"""

from __future__ import annotations

import json
from typing import Any

from kes.adapters.k8s import client, errors


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
    timeout_s: float | None = None,
) -> Any:
    """One raw REST call; the decoded JSON response (None when empty). ``timeout_s`` bounds
    the connect and each read (default: the client's, which may wait for ever)."""
    extra: dict[str, Any] = {} if timeout_s is None else {"_request_timeout": timeout_s}
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
                **extra,
            )
    except errors.ApiNotFoundError:
        raise
    except errors.ApiError:
        if api.on_error is not None:
            api.on_error(method)
        raise
    data = response.data if hasattr(response, "data") else response[0].data
    return json.loads(data) if data else None


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
