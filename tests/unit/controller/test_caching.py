from typing import Any

from kes.adapters.k8s import watching
from kes.controller import caching


def _obj(namespace: str, name: str) -> dict[str, Any]:
    return {"metadata": {"namespace": namespace, "name": name}}


def _names(cache: caching.ObjectCache) -> set[tuple[str, str]]:
    return set(cache._objects)


def test_a_relist_replaces_only_its_own_namespace() -> None:
    cache = caching.ObjectCache(api=None, resource="blueprints")  # type: ignore[arg-type]
    cache.apply(watching.WatchEvent("ADDED", _obj("a", "x")), namespace="a")
    cache.apply(watching.WatchEvent("ADDED", _obj("b", "y")), namespace="b")
    relist = watching.WatchEvent(watching.RELISTED, {}, (_obj("a", "z"),))
    cache.apply(relist, namespace="a")
    assert _names(cache) == {("a", "z"), ("b", "y")}


def test_deleted_objects_leave_the_cache_and_hits_need_no_api() -> None:
    cache = caching.ObjectCache(api=None, resource="blueprints")  # type: ignore[arg-type]
    cache.apply(watching.WatchEvent("ADDED", _obj("a", "x")), namespace="")
    assert cache.get(namespace="a", name="x") == _obj("a", "x")
    cache.apply(watching.WatchEvent("DELETED", _obj("a", "x")), namespace="")
    assert len(cache) == 0
