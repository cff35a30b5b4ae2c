"""Projections behind the fault-injecting proxy: a 409 Conflict loses no Kubernetes Event, an
Event name taken by another run's Event hides nothing, and one hung Event write freezes neither
the status nor the metrics."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faults_harness
import pytest

from kes import application
from kes.adapters.k8s import client, customresources, events, objects
from kes.domain import actionset_events as ev
from kes.domain import crds
from kes.projections import following, kubeevents, metrics, status

pytestmark = pytest.mark.timeout(120)

EVENTS = r"/namespaces/[^/]+/events$"


@pytest.fixture(scope="module")
def proxy(devcluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    started = faults_harness.start_proxy(upstream=Path(devcluster.kubeconfig),
                                         data_dir=tmp_path_factory.mktemp("faults"))
    yield started
    started.stop()


@pytest.fixture
def direct(devcluster: Any) -> client.Api:
    api = client.from_kubeconfig(path=str(devcluster.kubeconfig))
    for crd in crds.crd_documents():
        customresources.apply_definition(api, crd=crd)
    return api


@pytest.fixture
def faulty(proxy: Any) -> Iterator[client.Api]:
    proxy.clear()
    api = client.from_kubeconfig(path=str(proxy.kubeconfig), timeout_s=2.0)
    yield api
    proxy.clear()
    api.close()


@pytest.fixture
def namespace(direct: client.Api) -> str:
    name = f"pf-{uuid.uuid4().hex[:8]}"
    objects.request(direct, method="POST", url_path="/api/v1/namespaces",
                    body={"metadata": {"name": name}})
    return name


def _record(api: client.Api, namespace: str, *, uid: str, message: str = "hello") -> bool:
    return events.record(api, name="as.kes00000001", involved={
        "apiVersion": "cr.kanister.io/v1alpha1", "kind": "ActionSet", "name": "as",
        "namespace": namespace, "uid": uid}, event_type="Normal", reason="Started Action",
        message=message, timestamp="2026-01-01T00:00:00Z")


def _events(api: client.Api, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(api, group="", version="v1", resource="events",
                                namespace=namespace)


def test_an_event_answered_409_conflict_is_written_not_skipped(
    faulty: client.Api, direct: client.Api, proxy: Any, namespace: str
) -> None:
    proxy.rule("conflict", method="POST", path=EVENTS, times=2)
    assert _record(faulty, namespace, uid="u-1") is True
    assert [e["metadata"]["name"] for e in _events(direct, namespace)] == ["as.kes00000001"]
    assert proxy.injected("conflict") == 2


def test_an_event_written_behind_a_lost_answer_is_written_once(
    faulty: client.Api, direct: client.Api, proxy: Any, namespace: str
) -> None:
    proxy.rule("unavailable-after", method="POST", path=EVENTS, times=1)
    assert _record(faulty, namespace, uid="u-1") is True
    assert len(_events(direct, namespace)) == 1
    assert _record(faulty, namespace, uid="u-1") is False  # a replay changes nothing


def test_an_event_name_taken_by_another_runs_event_does_not_hide_this_one(
    direct: client.Api, namespace: str
) -> None:
    # An earlier event log (another uid) wrote an Event under the same derived name.
    assert _record(direct, namespace, uid="older-run", message="old") is True
    assert _record(direct, namespace, uid="newer-run-uid", message="new") is True
    found = {e["metadata"]["name"]: e["message"] for e in _events(direct, namespace)}
    assert found == {"as.kes00000001": "old", "as.kes00000001.newer-ru": "new"}
    assert _record(direct, namespace, uid="newer-run-uid", message="new") is False


def _run_in(app: application.KesApplication, api: client.Api, namespace: str) -> Any:
    created = objects.request(api, method="POST", url_path=objects.path(
        group=customresources.GROUP, version=customresources.VERSION, resource="actionsets",
        namespace=namespace), body={
        "apiVersion": "cr.kanister.io/v1alpha1", "kind": "ActionSet",
        "metadata": {"name": "as", "namespace": namespace},
        "spec": {"actions": [{"name": "backup", "blueprint": "bp",
                              "object": {"kind": "Namespace", "name": namespace}}]}})
    plan = ev.ActionPlan(name="backup", blueprint="bp",
                         phases=[ev.PhasePlan(name="one", function="KubeTask")])
    return app.accept_actionset(name="as", namespace=namespace, uid=created["metadata"]["uid"],
                                spec=created["spec"], plan=[plan])


def test_a_hung_event_write_freezes_neither_status_nor_metrics(
    faulty: client.Api, direct: client.Api, proxy: Any, namespace: str, tmp_path: Path
) -> None:
    app = application.KesApplication(store=str(tmp_path / "store.sqlite3"))
    run_id = _run_in(app, direct, namespace)
    app.start_action(run_id, action_index=0)  # "Started Action": the first Event to write
    proxy.rule("hang", method="POST", path=EVENTS, times=1000)
    registry = metrics.Metrics()
    stop = threading.Event()
    followers: list[following.Follower] = [
        status.StatusProjection(app=app, api=faulty, interval_s=0.0),
        kubeevents.EventsProjection(app=app, api=faulty),
        metrics.MetricsProjection(app=app, metrics=registry),
    ]
    threads = following.start_each(followers, stop=stop)
    try:
        deadline = time.monotonic() + 20
        while proxy.injected("hang") == 0:  # the Events projection is now stuck
            assert time.monotonic() < deadline, "no Event write was attempted"
            time.sleep(0.05)
        app.start_phase(run_id, action_index=0, phase_name="one", function="KubeTask", args={})
        app.complete_phase(run_id, action_index=0, phase_name="one", output={}, duration_s=0.1)
        app.complete_action(run_id, action_index=0)
        app.complete_run(run_id)

        def shown() -> str:
            obj = customresources.get(direct, resource="actionsets", namespace=namespace,
                                      name="as")
            return str((obj.get("status") or {}).get("state", ""))

        while shown() != "complete":
            assert time.monotonic() < deadline, "the status froze behind a hung Event write"
            time.sleep(0.05)
        assert registry.resolutions.labels(resolution="success")._value.get() == 1
        assert not _events(direct, namespace)  # the Events are still waiting, not lost
        proxy.clear()
        while len(_events(direct, namespace)) < 4:
            assert time.monotonic() < deadline + 20, "the Events never caught up"
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        app.close()
