"""What the kubelet and the event recorder need from a Kubernetes API, as typed protocols.

One kubelet serves both engines of `kes dev`: inside the stand-in it works on the store in
process (`kubelet.localapi.LocalNodeApi`); as a node of a real API server it speaks HTTPS
(`httpapi.HttpApi`, with the node's client certificate, under the Node authorizer and
NodeRestriction). Both raise the `store_errors` classes, so the kubelet handles "not found" or
"conflict" the same way whichever API answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from kes.devcluster import watching

ResourceKey = watching.ResourceKey


class EventStream(Protocol):
    """A watch: the current objects as ADDED events first, then every change."""

    def __aiter__(self) -> AsyncIterator[watching.WatchEvent]: ...

    def close(self) -> None: ...


class EventSink(Protocol):
    """Enough of an API to record Events."""

    async def create(self, key: ResourceKey, obj: dict[str, Any]) -> dict[str, Any]: ...

    async def namespace_accepts(self, namespace: str) -> bool:
        """Whether new objects may be created in `namespace` (an API server refuses them in a
        missing or terminating namespace)."""
        ...


class NodeApi(EventSink, Protocol):
    """Everything the kubelet reads and writes."""

    async def get(self, key: ResourceKey, *, namespace: str | None, name: str) -> dict[str, Any]:
        ...

    async def update(
        self, key: ResourceKey, obj: dict[str, Any], *, subresource: str | None = None
    ) -> dict[str, Any]: ...

    def watch(self, key: ResourceKey, *, field_selector: str | None = None) -> EventStream: ...

    async def delete_pod(self, *, namespace: str, name: str, uid: str) -> None:
        """Remove a pod whose containers have stopped, at once (grace 0), if it is still the
        pod with `uid`: the last step of a graceful deletion, which only the kubelet takes."""
        ...

    async def service_account_token(
        self, *, pod: dict[str, Any], audience: str | None, expiration_seconds: int
    ) -> bytes | None:
        """A token for the pod's service account (a projected `serviceAccountToken` source),
        or None when this API issues none."""
        ...
