"""A real Store (SQLite in a temp dir) with the kubelet and controllers running on it.

The tests drive the store directly, as the HTTP handlers would, and wait on watches with a
deadline instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import node

PODS: store_mod.ResourceKey = ("", "v1", "pods")
DEADLINE = 20.0


@contextlib.asynccontextmanager
async def running(
    *, tmp_path: pathlib.Path, with_controllers: bool = False
) -> AsyncIterator[tuple[store_mod.Store, node.Kubelet]]:
    store = store_mod.Store(path=tmp_path / "state.db")
    # The server creates "default" at start; events are only written into live namespaces.
    with contextlib.suppress(store_mod.AlreadyExistsError):
        await store.create(("", "v1", "namespaces"), {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    kubelet = node.Kubelet.on_store(store=store, data_dir=tmp_path / "data")
    tasks = [asyncio.create_task(kubelet.run())]
    if with_controllers:
        from kes.devcluster import controllers

        tasks.append(asyncio.create_task(controllers.run_controllers(store=store)))
    try:
        yield store, kubelet
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        store.close()


async def wait_for(
    store: store_mod.Store,
    key: store_mod.ResourceKey,
    *,
    namespace: str | None,
    name: str,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = DEADLINE,
) -> dict[str, Any]:
    """The first state of the object that satisfies `predicate`, watched with a deadline."""
    watcher = store.watch(key, namespace=namespace)
    try:
        async with asyncio.timeout(timeout):
            async for event in watcher:
                obj = event.object
                if obj.get("metadata", {}).get("name") == name and event.type != "DELETED" and (
                    predicate(obj)
                ):
                    return obj
    except TimeoutError:
        pass
    finally:
        watcher.close()
    try:
        last: Any = await store.get(key, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        last = None
    raise AssertionError(f"{key[2]}/{name} never matched; last state: {last}")


async def wait_gone(
    store: store_mod.Store, key: store_mod.ResourceKey, *, namespace: str | None, name: str,
    timeout: float = DEADLINE,
) -> None:
    watcher = store.watch(key, namespace=namespace)
    try:
        async with asyncio.timeout(timeout):
            with contextlib.suppress(store_mod.NotFoundError):
                await store.get(key, namespace=namespace, name=name)
                async for event in watcher:
                    if event.type == "DELETED" and event.object["metadata"]["name"] == name:
                        return
    finally:
        watcher.close()


def phase_is(*phases: str) -> Callable[[dict[str, Any]], bool]:
    return lambda pod: (pod.get("status") or {}).get("phase") in phases


def pod(name: str, *containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": list(containers), **spec},
    }
