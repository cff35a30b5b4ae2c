"""The devcluster's own HTTP client (the kubelet's API on a real control plane, the volume
provisioner's) against both engines: reads, writes, errors, the pod deletion a kubelet ends, and
a watch that lists first and then follows changes."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest

from kes.devcluster import httpapi, store_errors, watching

pytestmark = pytest.mark.engines("kes", "kubernetes")

CONFIGMAPS: httpapi.ResourceKey = ("", "v1", "configmaps")
PODS: httpapi.ResourceKey = ("", "v1", "pods")


def _api(devcluster: Any) -> httpapi.HttpApi:
    return httpapi.HttpApi.from_kubeconfig(Path(devcluster.kubeconfig))


def _cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default", "labels": {"t": name}},
            "data": data}


def test_reads_writes_and_errors(devcluster: Any) -> None:
    async def scenario() -> None:
        api = _api(devcluster)
        name = f"h-{uuid.uuid4().hex[:8]}"
        try:
            created = await api.create(CONFIGMAPS, _cm(name, a="1"))
            assert created["metadata"]["uid"]
            with pytest.raises(store_errors.AlreadyExistsError):
                await api.create(CONFIGMAPS, _cm(name))
            got = await api.get(CONFIGMAPS, namespace="default", name=name)
            assert got["data"] == {"a": "1"}
            stale = {**got, "data": {"a": "2"}}
            await api.update(CONFIGMAPS, stale)
            with pytest.raises(store_errors.ConflictError):
                await api.update(CONFIGMAPS, {**got, "data": {"a": "3"}})  # its version is old
            patched = await api.patch(CONFIGMAPS, namespace="default", name=name,
                                      patch={"data": {"b": "x"}})
            assert patched["data"] == {"a": "2", "b": "x"}
            items, version = await api.list(CONFIGMAPS, field_selector=f"metadata.name={name}")
            assert [i["metadata"]["name"] for i in items] == [name] and version
            await api.delete(CONFIGMAPS, namespace="default", name=name)
            with pytest.raises(store_errors.NotFoundError):
                await api.get(CONFIGMAPS, namespace="default", name=name)
        finally:
            await api.close()

    asyncio.run(scenario())


def test_a_watch_lists_then_follows(devcluster: Any) -> None:
    async def scenario() -> list[tuple[str, str]]:
        api = _api(devcluster)
        first, second = f"w-{uuid.uuid4().hex[:8]}", f"w-{uuid.uuid4().hex[:8]}"
        seen: list[tuple[str, str]] = []
        try:
            await api.create(CONFIGMAPS, _cm(first))
            watch = api.watch(CONFIGMAPS, field_selector="metadata.namespace=default")
            events = aiter(watch)

            async def until(kind: str, name: str) -> None:
                async with asyncio.timeout(30):
                    while True:
                        event: watching.WatchEvent = await anext(events)
                        if event.object["metadata"]["name"] in (first, second):
                            seen.append((event.type, event.object["metadata"]["name"]))
                        if seen and seen[-1] == (kind, name):
                            return

            await until("ADDED", first)  # listed before watching
            await api.create(CONFIGMAPS, _cm(second))
            await until("ADDED", second)
            await api.patch(CONFIGMAPS, namespace="default", name=second,
                            patch={"data": {"x": "1"}})
            await until("MODIFIED", second)
            await api.delete(CONFIGMAPS, namespace="default", name=second)
            await until("DELETED", second)
            watch.close()
            await api.delete(CONFIGMAPS, namespace="default", name=first)
        finally:
            await api.close()
        return seen

    seen = asyncio.run(scenario())
    assert [kind for kind, _ in seen] == ["ADDED", "ADDED", "MODIFIED", "DELETED"]
    assert len({name for _, name in seen}) == 2


def test_delete_pod_minds_the_uid(devcluster: Any) -> None:
    async def scenario() -> None:
        api = _api(devcluster)
        name = f"p-{uuid.uuid4().hex[:8]}"
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": "default"},
               "spec": {"containers": [{"name": "c", "image": "busybox",
                                        "command": ["sleep", "60"]}],
                        "terminationGracePeriodSeconds": 0}}
        try:
            created = await api.create(PODS, pod)
            await api.delete_pod(namespace="default", name=name, uid="not-its-uid")
            assert (await api.get(PODS, namespace="default", name=name))["metadata"]["uid"] == (
                created["metadata"]["uid"])
            await api.delete_pod(namespace="default", name=name, uid=created["metadata"]["uid"])
            async with asyncio.timeout(30):
                while True:
                    try:
                        await api.get(PODS, namespace="default", name=name)
                    except store_errors.NotFoundError:
                        break
                    await asyncio.sleep(0.1)
        finally:
            await api.close()

    asyncio.run(scenario())
