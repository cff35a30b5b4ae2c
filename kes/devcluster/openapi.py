"""OpenAPI v3 (and a small v2) documents, as much as kubectl apply/create/explain need.

kubectl apply asks ``/openapi/v3`` for an index of group-versions, then one document per
group-version; it needs, per kind, a path with a ``patch`` operation taking a ``fieldValidation``
query parameter and an ``x-kubernetes-group-version-kind``. ``explain`` needs
``components.schemas`` with the GVK. Resources are passed in as plain descriptors so this
module does not depend on the server's registry.
"""

from __future__ import annotations

from typing import Any

# A resource descriptor: {"group", "version", "kind", "plural", "namespaced": bool,
#                          "schema": openAPIV3Schema | None, "description": str | None}
Resource = dict[str, Any]


def group_version_path(*, group: str, version: str) -> str:
    """The index key: ``api/v1`` or ``apis/<group>/<version>``."""
    raise NotImplementedError


def v3_index(resources: list[Resource]) -> dict[str, Any]:
    """``GET /openapi/v3``: ``{"paths": {"api/v1": {"serverRelativeURL": "...?hash=..."}}}``."""
    raise NotImplementedError


def v3_document(resources: list[Resource], *, group: str, version: str) -> dict[str, Any] | None:
    """``GET /openapi/v3/<gv path>``, or None when no resource is served in that group-version."""
    raise NotImplementedError


def builtin_resources() -> list[Resource]:
    """Descriptors (without schemas) of the built-in kinds the stand-in serves."""
    raise NotImplementedError


def crd_resources(crd: dict[str, Any]) -> list[Resource]:
    """Descriptors for every served version of a CRD, with its schema."""
    raise NotImplementedError
