"""The job pod: Kanister's default pod with podOverride, labels and annotations merged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import kubernetes.client
import pytest

from kes.adapters.k8s import client
from kes.functions import base, podrunning, podspec


@pytest.fixture
def api() -> Iterator[client.Api]:
    handle = client.from_configuration(kubernetes.client.Configuration(host="http://127.0.0.1:9"))
    yield handle
    handle.close()


def _ctx(api: client.Api, **changes: Any) -> base.PhaseContext:
    values: dict[str, Any] = {
        "api": api,
        "namespace": "kanister",
        "action_set": base.ActionSetRef(name="backup-x", namespace="kanister"),
        "cancel": threading.Event(),
    }
    values.update(changes)
    return base.PhaseContext(**values)


def test_default_pod() -> None:
    pod = podspec.build_pod(namespace="ns", image="busybox", command=["sh", "-c", "true"])
    assert pod == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "kanister-job-",
            "namespace": "ns",
            "labels": {"createdBy": "kanister"},
        },
        "spec": {
            "containers": [
                {
                    "name": "container",
                    "image": "busybox",
                    "command": ["sh", "-c", "true"],
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "restartPolicy": "Never",
        },
    }


def test_override_merges_containers_by_name_and_keeps_the_main_one_first() -> None:
    override = {
        "restartPolicy": "Always",
        "containers": [
            {"name": "sidecar", "image": "alpine"},
            {
                "name": "container",
                "imagePullPolicy": "Always",
                "env": [{"name": "A", "value": "1"}],
            },
        ],
    }
    spec = podspec.build_pod(namespace="ns", image="busybox", command=["x"], pod_override=override)[
        "spec"
    ]
    assert spec["restartPolicy"] == "Always"
    assert [c["name"] for c in spec["containers"]] == ["container", "sidecar"]
    main = spec["containers"][0]
    assert (main["image"], main["imagePullPolicy"], main["command"]) == ("busybox", "Always", ["x"])
    assert main["env"] == [{"name": "A", "value": "1"}]


def test_actionset_override_wins_over_the_blueprint_and_volumes_merge_by_name() -> None:
    blueprint = {
        "containers": [
            {"name": "container", "volumeMounts": [{"name": "data", "mountPath": "/bp"}]}
        ],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "bp-claim"}}],
    }
    action_set = {
        "containers": [{"name": "container", "volumeMounts": [{"name": "data", "mountPath": "/bp",
                                                               "readOnly": True}]}],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "as-claim"}}],
    }  # fmt: skip
    merged = podspec.merge_override(blueprint, action_set)
    spec = podspec.build_pod(namespace="ns", image="i", command=["c"], pod_override=merged)["spec"]
    assert spec["volumes"] == [{"name": "data", "persistentVolumeClaim": {"claimName": "as-claim"}}]
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "data", "mountPath": "/bp", "readOnly": True}
    ]


def test_strategic_merge_directives() -> None:
    original = {"volumes": [{"name": "a"}, {"name": "b"}], "nodeSelector": {"x": "1", "y": "2"}}
    patch = {
        "volumes": [{"name": "a", "$patch": "delete"}, {"name": "c"}],
        "nodeSelector": {"x": None},
        "tolerations": [{"key": "k"}],
    }
    assert podspec.strategic_merge(original, patch) == {
        "volumes": [{"name": "b"}, {"name": "c"}],
        "nodeSelector": {"y": "2"},
        "tolerations": [{"key": "k"}],
    }
    assert podspec.strategic_merge({"a": {"b": 1}}, {"a": {"$patch": "replace", "c": 2}}) == {
        "a": {"c": 2}
    }
    assert original["volumes"] == [{"name": "a"}, {"name": "b"}]


def test_list_item_without_its_merge_key_is_rejected() -> None:
    with pytest.raises(podspec.PodSpecError):
        podspec.strategic_merge({"containers": []}, {"containers": [{"image": "x"}]})


def test_blueprint_labels_win() -> None:
    merged = podspec.merge_blueprint_wins(
        {"one": "valueone"}, {"one": "valuefive", "four": "valuefour"}
    )
    assert merged == {"one": "valuefive", "four": "valuefour"}
    assert podspec.merge_blueprint_wins(None, None) is None


def test_job_pod_merges_actionset_settings_and_adds_the_job_id(api: client.Api) -> None:
    ctx = _ctx(
        api,
        action_set=base.ActionSetRef(
            name="b", namespace="kanister", labels={"kanister.io/JobID": "job-1", "other": "x"}
        ),
        pod_override={"containers": [{"name": "container", "imagePullPolicy": "Never"}]},
        pod_labels={"team": "as", "tier": "as"},
        pod_annotations={"note": "as"},
    )
    pod = podrunning.job_pod(
        ctx,
        namespace="",
        image="busybox",
        command=["true"],
        pod_override={"containers": [{"name": "container", "imagePullPolicy": "Always"}]},
        labels={"tier": "bp"},
        annotations=None,
    )
    assert pod["metadata"]["namespace"] == "kanister"
    assert pod["metadata"]["labels"] == {
        "createdBy": "kanister",
        "team": "as",
        "tier": "bp",
        "kanister.io/JobID": "job-1",
    }
    assert pod["metadata"]["annotations"] == {"note": "as"}
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Never"


def test_job_pod_uses_the_argument_namespace(api: client.Api) -> None:
    pod = podrunning.job_pod(
        _ctx(api), namespace="app", image="i", command=["c"], pod_override=None, labels=None,
        annotations=None,
    )  # fmt: skip
    assert pod["metadata"]["namespace"] == "app"
    assert "annotations" not in pod["metadata"]


def test_bad_override_fails_the_phase_with_kanisters_prefix(api: client.Api) -> None:
    with pytest.raises(base.FunctionError, match=r"^Failed to create pod. Failed to override"):
        podrunning.job_pod(
            _ctx(api), namespace="", image="i", command=["c"],
            pod_override={"containers": [{"image": "no-name"}]}, labels=None, annotations=None,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (900, "15m0s"),
        (3600, "1h0m0s"),
        (30, "30s"),
        (90, "1m30s"),
        (1.2, "1.2s"),
        (0.5, "500ms"),
        (3661.5, "1h1m1.5s"),
        (0, "0s"),
    ],
)
def test_go_duration(seconds: float, text: str) -> None:
    assert podrunning.go_duration(seconds) == text


def test_a_replace_directive_element_replaces_the_whole_list() -> None:
    original = {"containers": [{"name": "container", "image": "a"}, {"name": "side"}]}
    patch = {"containers": [{"$patch": "replace"}, {"name": "only", "image": "b"}]}
    assert podspec.strategic_merge(original, patch) == {
        "containers": [{"name": "only", "image": "b"}]
    }
