"""Watch over real HTTPS: resume from a resourceVersion, bookmarks, streaming list, timeouts."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from kubernetes import client, watch


@pytest.fixture
def core(devcluster: Any) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"w-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def _raw_watch(devcluster: Any, path: str, *, limit: int) -> list[dict[str, Any]]:
    """Read up to `limit` raw event lines of a watch GET (stops early when the server closes)."""
    api = devcluster.new_client()
    try:
        resp = api.call_api(path, "GET", auth_settings=["BearerToken"], _preload_content=False,
                            header_params={"Accept": "application/json"})
        events: list[dict[str, Any]] = []
        buffer = b""
        for chunk in resp.stream(1024, decode_content=False):
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip():
                    events.append(json.loads(line))
                if len(events) >= limit:
                    resp.release_conn()
                    return events
        return events
    finally:
        api.close()


def test_watch_resumes_after_resource_version(core: client.CoreV1Api, ns: str) -> None:
    first = core.create_namespaced_config_map(ns, {"metadata": {"name": "a"}})
    rv = first.metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "b"}})
    core.patch_namespaced_config_map("b", ns, {"data": {"x": "1"}})
    core.delete_namespaced_config_map("a", ns)
    seen = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv,
                          timeout_seconds=2):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 3:
            w.stop()
    assert seen == [("ADDED", "b"), ("MODIFIED", "b"), ("DELETED", "a")]


def test_watch_from_zero_replays_state_then_follows(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, {"metadata": {"name": "old"}})
    w = watch.Watch()
    seen: list[tuple[str, str]] = []
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version="0",
                          timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 1:
            core.create_namespaced_config_map(ns, {"metadata": {"name": "new"}})
        if len(seen) == 2:
            w.stop()
    assert seen == [("ADDED", "old"), ("ADDED", "new")]


def test_watch_timeout_seconds_ends_the_stream(core: client.CoreV1Api, ns: str) -> None:
    events = list(watch.Watch().stream(core.list_namespaced_config_map, ns,
                                       resource_version=core.list_namespaced_config_map(
                                           ns).metadata.resource_version, timeout_seconds=1))
    assert events == []


def test_watch_filters_by_label(core: client.CoreV1Api, ns: str) -> None:
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "n", "labels": {"k": "no"}}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "y", "labels": {"k": "yes"}}})
    w = watch.Watch()
    names = []
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv,
                          label_selector="k=yes", timeout_seconds=2):
        names.append(event["object"].metadata.name)
        w.stop()
    assert names == ["y"]


def test_send_initial_events_ends_with_annotated_bookmark(devcluster: Any,
                                                         core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, {"metadata": {"name": "i1"}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "i2"}})
    events = _raw_watch(
        devcluster,
        f"/api/v1/namespaces/{ns}/configmaps?watch=true&sendInitialEvents=true"
        "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=5",
        limit=3,
    )
    assert [e["type"] for e in events] == ["ADDED", "ADDED", "BOOKMARK"]
    bookmark = events[2]["object"]
    assert bookmark["kind"] == "ConfigMap"
    assert bookmark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(bookmark["metadata"]["resourceVersion"]) >= int(
        events[1]["object"]["metadata"]["resourceVersion"])


def test_watch_on_a_field_selected_name(devcluster: Any, core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_config_map(ns, {"metadata": {"name": "one"}})
    core.create_namespaced_config_map(ns, {"metadata": {"name": "two"}})
    events = _raw_watch(
        devcluster,
        f"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion=0"
        "&fieldSelector=metadata.name%3Dtwo&timeoutSeconds=1",
        limit=5,
    )
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "two")]


def test_every_watcher_sees_every_event_in_order(core: client.CoreV1Api, ns: str) -> None:
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    for i in range(30):
        core.create_namespaced_config_map(ns, {"metadata": {"name": f"o{i:02d}"}})
    for _ in range(2):
        w = watch.Watch()
        rvs = []
        for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv,
                              timeout_seconds=3):
            rvs.append(int(event["object"].metadata.resource_version))
            if len(rvs) == 30:
                w.stop()
        assert rvs == sorted(rvs)
        assert len(set(rvs)) == 30


def test_selector_watch_reports_objects_entering_and_leaving(core: client.CoreV1Api,
                                                            ns: str) -> None:
    rv = core.create_namespaced_config_map(
        ns, {"metadata": {"name": "mover", "labels": {"k": "out"}}}).metadata.resource_version
    core.patch_namespaced_config_map("mover", ns, {"metadata": {"labels": {"k": "in"}}})
    core.patch_namespaced_config_map("mover", ns, {"data": {"x": "1"}})
    core.patch_namespaced_config_map("mover", ns, {"metadata": {"labels": {"k": "out"}}})
    w = watch.Watch()
    seen = []
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=rv,
                          label_selector="k=in", timeout_seconds=2):
        seen.append(event["type"])
        if len(seen) == 3:
            w.stop()
    assert seen == ["ADDED", "MODIFIED", "DELETED"]
