"""MultiContainerRun's pod body: containers, shared volume, annotations, override rules."""

from __future__ import annotations

from typing import Any

import pytest

from kes.adapters.k8s import client
from kes.functions import args as args_decoding
from kes.functions import base, multicontainerrun, registry

BASE_ARGS = {
    "backgroundImage": "bg", "backgroundCommand": ["sh", "-c", "bg"],
    "outputImage": "out", "outputCommand": "single",
}  # fmt: skip


def _ctx(**changes: Any) -> base.PhaseContext:
    values: dict[str, Any] = {
        "api": client.Api(client=None),  # type: ignore[arg-type]
        "namespace": "ctl",
        "action_set": base.ActionSetRef(name="a", namespace="ctl"),
    }
    values.update(changes)
    return base.PhaseContext(**values)


def _build(ctx: base.PhaseContext, **args: Any) -> dict[str, Any]:
    parsed = args_decoding.load(multicontainerrun.Args, {**BASE_ARGS, **args})
    return multicontainerrun.build(ctx, parsed)


def test_default_pod() -> None:
    pod = _build(_ctx())
    spec = pod["spec"]
    assert pod["metadata"]["generateName"] == "kanister-job-"
    assert pod["metadata"]["namespace"] == "ctl"
    assert pod["metadata"]["labels"]["createdBy"] == "kanister"
    assert pod["metadata"]["annotations"] == {"kubectl.kubernetes.io/default-container": "output"}
    assert [c["name"] for c in spec["containers"]] == ["output", "background"]
    assert spec["containers"][0]["command"] == ["single"]  # a scalar becomes a 1-element list
    assert spec["containers"][1]["image"] == "bg"
    assert all(
        c["volumeMounts"] == [{"name": "shared", "mountPath": "/tmp/"}] for c in spec["containers"]
    )
    assert spec["volumes"] == [{"name": "shared", "emptyDir": {}}]
    assert "initContainers" not in spec
    assert spec["restartPolicy"] == "Never"


def test_init_container_and_volume_options() -> None:
    pod = _build(
        _ctx(), namespace="app", initImage="init", initCommand=["i"], sharedVolumeDir="/s",
        sharedVolumeMedium="Memory", sharedVolumeSizeLimit="64Mi",
    )  # fmt: skip
    spec = pod["spec"]
    assert pod["metadata"]["namespace"] == "app"
    assert [(c["name"], c["image"]) for c in spec["initContainers"]] == [("init", "init")]
    assert spec["volumes"] == [
        {"name": "shared", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
    ]
    assert spec["initContainers"][0]["volumeMounts"][0]["mountPath"] == "/s"


def test_action_set_override_of_the_default_container_reaches_every_container() -> None:
    override = {"containers": [{"name": "container", "env": [{"name": "E", "value": "1"}]}]}
    pod = _build(_ctx(pod_override=override), initImage="init")
    spec = pod["spec"]
    for container in spec["containers"] + spec["initContainers"]:
        assert container["env"] == [{"name": "E", "value": "1"}], container["name"]
    assert [c["name"] for c in spec["containers"]] == ["output", "background"]


def test_explicit_container_override_wins_over_the_copy() -> None:
    override = {"containers": [
        {"name": "container", "env": [{"name": "E", "value": "generic"}]},
        {"name": "background", "env": [{"name": "E", "value": "own"}]},
    ]}  # fmt: skip
    pod = _build(_ctx(pod_override=override))
    env = {c["name"]: c["env"][0]["value"] for c in pod["spec"]["containers"]}
    assert env == {"output": "generic", "background": "own"}


def test_labels_annotations_and_job_id() -> None:
    ctx = _ctx(
        action_set=base.ActionSetRef(name="a", namespace="ctl", labels={"kanister.io/JobID": "j"}),
        pod_labels={"from": "actionset", "both": "as"},
    )
    pod = _build(ctx, podLabels={"both": "bp"}, podAnnotations={"note": "n"})
    labels = pod["metadata"]["labels"]
    assert labels["both"] == "bp"  # the blueprint wins
    assert labels["from"] == "actionset"
    assert labels["kanister.io/JobID"] == "j"
    assert pod["metadata"]["annotations"]["note"] == "n"


def test_bad_override_is_a_function_error() -> None:
    with pytest.raises(base.FunctionError, match=r"^Failed to create pod\. Failed to override"):
        _build(_ctx(), podOverride={"containers": "not-a-list"})


def test_spec_flags() -> None:
    spec = registry.lookup("MultiContainerRun")
    assert not spec.idempotent
    assert spec.creates_pods
    assert set(spec.required_args) == {
        "backgroundImage", "backgroundCommand", "outputImage", "outputCommand",
    }  # fmt: skip
