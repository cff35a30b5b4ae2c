"""The store on a real SQLite file: versions, generations, subresources, finalizers, history."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kes.devcluster import store

CM: store.ResourceKey = ("", "v1", "configmaps")
DEPLOY: store.ResourceKey = ("apps", "v1", "deployments")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[store.Store]:
    opened = store.Store(path=tmp_path / "state.db")
    yield opened
    opened.close()


def _cm(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "ns"}, "data": data}


def test_every_write_gets_a_higher_resource_version(db: store.Store) -> None:
    a = db.create_sync(CM, _cm("a"))
    b = db.create_sync(CM, _cm("b"))
    a2 = db.update_sync(CM, {**a, "data": {"x": "1"}})
    gone = db.delete_sync(CM, namespace="ns", name="b")
    versions = [int(o["metadata"]["resourceVersion"]) for o in (a, b, a2, gone)]
    assert versions == sorted(versions)
    assert len(set(versions)) == 4
    assert db.resource_version == str(versions[-1])


def test_a_no_op_update_keeps_the_version(db: store.Store) -> None:
    a = db.create_sync(CM, _cm("a", k="v"))
    assert db.update_sync(CM, a)["metadata"]["resourceVersion"] == a["metadata"]["resourceVersion"]
    unversioned = {**a, "metadata": {k: v for k, v in a["metadata"].items()
                                     if k != "resourceVersion"}}
    assert db.update_sync(CM, unversioned) == a
    assert db.resource_version == a["metadata"]["resourceVersion"]


def test_generation_moves_with_spec_not_metadata_or_status(db: store.Store) -> None:
    d = db.create_sync(DEPLOY, {"metadata": {"name": "d", "namespace": "ns"},
                                "spec": {"replicas": 1}})
    labelled = db.update_sync(DEPLOY, {**d, "metadata": {**d["metadata"], "labels": {"a": "b"}}})
    assert labelled["metadata"]["generation"] == 1
    with_status = db.update_sync(DEPLOY, {**labelled, "status": {"replicas": 1}},
                                 subresource="status")
    assert with_status["metadata"]["generation"] == 1
    assert with_status["status"] == {"replicas": 1}
    scaled = db.update_sync(DEPLOY, {**with_status, "spec": {"replicas": 2}, "status": {}})
    assert scaled["metadata"]["generation"] == 2
    assert scaled["status"] == {"replicas": 1}  # the main resource cannot write status


def test_server_owned_metadata_cannot_be_overwritten(db: store.Store) -> None:
    a = db.create_sync(CM, _cm("a"))
    forged = {**a, "metadata": {**a["metadata"], "uid": "forged", "creationTimestamp": "x"}}
    updated = db.update_sync(CM, forged)
    assert updated["metadata"]["uid"] == a["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == a["metadata"]["creationTimestamp"]


def test_stale_update_and_duplicate_create_are_refused(db: store.Store) -> None:
    a = db.create_sync(CM, _cm("a"))
    db.update_sync(CM, {**a, "data": {"x": "1"}})
    with pytest.raises(store.ConflictError):
        db.update_sync(CM, {**a, "data": {"x": "2"}})
    with pytest.raises(store.AlreadyExistsError):
        db.create_sync(CM, _cm("a"))
    with pytest.raises(store.NotFoundError):
        db.get_sync(CM, namespace="ns", name="missing")


def test_finalizers_hold_an_object_until_the_last_is_removed(db: store.Store) -> None:
    obj = _cm("f")
    obj["metadata"]["finalizers"] = ["a", "b"]
    db.create_sync(CM, obj)
    marked = db.delete_sync(CM, namespace="ns", name="f")
    assert marked["metadata"]["deletionTimestamp"]
    marked["metadata"]["finalizers"] = ["b"]
    still = db.update_sync(CM, marked)
    assert still["metadata"]["deletionTimestamp"] == marked["metadata"]["deletionTimestamp"]
    still["metadata"]["finalizers"] = []
    db.update_sync(CM, still)
    with pytest.raises(store.NotFoundError):
        db.get_sync(CM, namespace="ns", name="f")


def test_dry_run_writes_nothing(db: store.Store) -> None:
    before = db.resource_version
    db.create_sync(CM, _cm("dry"), dry_run=True)
    assert db.resource_version == before
    with pytest.raises(store.NotFoundError):
        db.get_sync(CM, namespace="ns", name="dry")


def test_state_and_version_survive_reopening(tmp_path: Path) -> None:
    first = store.Store(path=tmp_path / "state.db")
    made = first.create_sync(CM, _cm("kept", k="v"))
    first.close()
    second = store.Store(path=tmp_path / "state.db")
    assert second.get_sync(CM, namespace="ns", name="kept") == made
    assert second.resource_version == made["metadata"]["resourceVersion"]
    with pytest.raises(store.GoneError):
        second.watch(CM, resource_version=str(int(made["metadata"]["resourceVersion"]) - 1))
    second.close()


def test_watch_replays_history_then_follows_live(db: store.Store) -> None:
    async def scenario() -> list[tuple[str, str]]:
        start = db.resource_version
        db.create_sync(CM, _cm("one"))
        watcher = db.watch(CM, namespace="ns", resource_version=start)
        db.create_sync(CM, _cm("two"))
        db.delete_sync(CM, namespace="ns", name="one")
        out = []
        for _ in range(3):
            event = await watcher.next(timeout=1)
            assert event is not None
            out.append((event.type, event.object["metadata"]["name"]))
        assert await watcher.next(timeout=0.01) is None
        watcher.close()
        return out

    assert asyncio.run(scenario()) == [("ADDED", "one"), ("ADDED", "two"), ("DELETED", "one")]


def test_history_compaction_makes_old_versions_gone(tmp_path: Path) -> None:
    db = store.Store(path=tmp_path / "state.db", history_size=3)
    first = db.create_sync(CM, _cm("c0"))
    for i in range(1, 6):
        db.create_sync(CM, _cm(f"c{i}"))
    with pytest.raises(store.GoneError, match="too old resource version"):
        db.watch(CM, resource_version=first["metadata"]["resourceVersion"])
    recent = db.watch(CM, resource_version=str(int(db.resource_version) - 1))
    assert len(recent.drain(limit=10)) == 1
    recent.close()
    db.close()


def test_continue_tokens_page_without_gaps(db: store.Store) -> None:
    for i in range(5):
        db.create_sync(CM, _cm(f"p{i}"))
    names: list[str] = []
    token = None
    while True:
        items, _, token = db.list_sync(CM, namespace="ns", limit=2, continue_token=token)
        names += [o["metadata"]["name"] for o in items]
        if token is None:
            break
    assert names == [f"p{i}" for i in range(5)]
    with pytest.raises(store.BadRequestError):
        db.list_sync(CM, continue_token="not-a-token")
