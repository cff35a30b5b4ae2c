"""The kubelet's API inside the stand-in: the store itself, in process (objectapi.NodeApi).

The stand-in deletes a pod at once (no graceful phase), so there is nothing left to remove
after its containers stop; and it issues no service account tokens, so pods get the
stand-in's own bearer token, as they always have.
"""

from __future__ import annotations

import pathlib
from typing import Any

from kes.devcluster import objectapi
from kes.devcluster import store as store_mod


class LocalNodeApi:
    def __init__(self, *, store: store_mod.Store, data_dir: pathlib.Path) -> None:
        self.store = store
        self.data_dir = data_dir

    async def get(
        self, key: store_mod.ResourceKey, *, namespace: str | None, name: str
    ) -> dict[str, Any]:
        return await self.store.get(key, namespace=namespace, name=name)

    async def create(self, key: store_mod.ResourceKey, obj: dict[str, Any]) -> dict[str, Any]:
        return await self.store.create(key, obj)

    async def update(
        self, key: store_mod.ResourceKey, obj: dict[str, Any], *, subresource: str | None = None
    ) -> dict[str, Any]:
        return await self.store.update(key, obj, subresource=subresource)

    def watch(
        self, key: store_mod.ResourceKey, *, field_selector: str | None = None
    ) -> objectapi.EventStream:
        matcher = store_mod.make_matcher(label_selector=None, field_selector=field_selector)
        return self.store.watch(key, matcher=matcher)

    async def namespace_accepts(self, namespace: str) -> bool:
        return await self.store.namespace_accepts(namespace)

    async def delete_pod(self, *, namespace: str, name: str, uid: str) -> None:
        """Nothing to do: the stand-in removed the pod when it was deleted (a pod held by a
        finalizer goes when the finalizer does)."""

    async def service_account_token(
        self, *, pod: dict[str, Any], audience: str | None, expiration_seconds: int
    ) -> bytes | None:
        token = self.data_dir / "pki" / "token"
        return token.read_bytes().strip() if token.exists() else None
