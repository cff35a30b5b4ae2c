"""Projections against the devcluster: a replay writes nothing twice; a restart resumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kes import application
from kes.adapters.k8s import client, customresources, objects
from kes.domain import actionset_events as ev
from kes.domain import crds
from kes.projections import kubeevents, status

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def api(devcluster: Any) -> client.Api:
    api = client.from_kubeconfig(path=str(devcluster.kubeconfig))
    for crd in crds.crd_documents():
        customresources.apply_definition(api, crd=crd)
    return api


def _recorded_run(api: client.Api, store: Path, name: str) -> application.KesApplication:
    ns = objects.path(group="", version="v1", resource="namespaces")
    if not objects.list_objects(
        api, group="", version="v1", resource="namespaces", field_selector="metadata.name=replay"
    ):
        objects.request(api, method="POST", url_path=ns, body={"metadata": {"name": "replay"}})
    created = objects.request(
        api,
        method="POST",
        url_path=objects.path(
            group=customresources.GROUP,
            version=customresources.VERSION,
            resource="actionsets",
            namespace="replay",
        ),
        body={
            "apiVersion": "cr.kanister.io/v1alpha1",
            "kind": "ActionSet",
            "metadata": {"name": name, "namespace": "replay"},
            "spec": {
                "actions": [
                    {
                        "name": "backup",
                        "blueprint": "bp",
                        "object": {"kind": "Namespace", "name": "replay"},
                    }
                ]
            },
        },
    )
    app = application.KesApplication(store=str(store))
    plan = ev.ActionPlan(
        name="backup", blueprint="bp", phases=[ev.PhasePlan(name="one", function="KubeTask")]
    )
    run_id = app.accept_actionset(
        name=name,
        namespace="replay",
        uid=created["metadata"]["uid"],
        spec=created["spec"],
        plan=[plan],
    )
    app.start_action(run_id, action_index=0)
    app.start_phase(run_id, action_index=0, phase_name="one", function="KubeTask", args={})
    app.complete_phase(run_id, action_index=0, phase_name="one", output={"k": "v"}, duration_s=0.1)
    app.complete_action(run_id, action_index=0)
    app.complete_run(run_id)
    return app


def _event_names(api: client.Api, name: str) -> list[str]:
    items = objects.list_objects(
        api,
        group="",
        version="v1",
        resource="events",
        namespace="replay",
        field_selector=f"involvedObject.name={name}",
    )
    return sorted(item["metadata"]["name"] for item in items)


def test_replaying_the_events_projection_from_the_start_duplicates_nothing(
    api: client.Api, tmp_path: Path
) -> None:
    app = _recorded_run(api, tmp_path / "store.sqlite3", "as-events")
    kubeevents.EventsProjection(app=app, api=api).catch_up()
    first = _event_names(api, "as-events")
    assert len(first) == 4  # Started Action, Started Phase, Ended Phase, Update Complete

    class FromTheStart(kubeevents.EventsProjection):
        name = "kubernetes-events-replay"  # no tracked position: replays the whole log

    FromTheStart(app=app, api=api).catch_up()
    assert _event_names(api, "as-events") == first


def test_a_restarted_status_projection_resumes_without_rewriting(
    api: client.Api, tmp_path: Path
) -> None:
    app = _recorded_run(api, tmp_path / "store.sqlite3", "as-status")
    writes: list[int] = []
    status.StatusProjection(app=app, api=api, on_write=lambda: writes.append(1)).catch_up()
    assert len(writes) == 1  # a burst of five events, one write
    obj = customresources.get(api, resource="actionsets", namespace="replay", name="as-status")
    assert obj["status"]["state"] == "complete"
    assert obj["status"]["actions"][0]["phases"][0]["output"] == {"k": "v"}

    restarted = status.StatusProjection(app=app, api=api, on_write=lambda: writes.append(1))
    assert restarted.catch_up() == 0
    assert len(writes) == 1
