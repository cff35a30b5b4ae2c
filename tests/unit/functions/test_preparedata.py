"""PrepareData decisions that need no cluster: default volumes, the pod body, arg decoding."""

from __future__ import annotations

from typing import Any

import pytest

from kes.adapters.k8s import client
from kes.functions import args as args_decoding
from kes.functions import base, preparedata


def test_prepare_data_default_volumes_from_every_pod_of_the_workload() -> None:
    params: dict[str, Any] = {
        "Deployment": None,
        "StatefulSet": {"PersistentVolumeClaims": {"p-0": {"data-0": "v"}, "p-1": {"data-1": "v"}}},
    }
    assert preparedata.default_volumes(params) == {
        "data-0": "/mnt/prepare_data/data-0",
        "data-1": "/mnt/prepare_data/data-1",
    }


def test_prepare_data_without_a_workload_has_no_volumes() -> None:
    with pytest.raises(base.FunctionError, match=r"^Failed to get volumes$"):
        preparedata.default_volumes({"Deployment": None, "StatefulSet": None})


def _ctx(**changes: Any) -> base.PhaseContext:
    values: dict[str, Any] = {
        "api": client.Api(client=None),  # type: ignore[arg-type]
        "namespace": "ctl",
        "action_set": base.ActionSetRef(name="a", namespace="ctl"),
    }
    values.update(changes)
    return base.PhaseContext(**values)


def _prepare_pod(ctx: base.PhaseContext, **args: Any) -> dict[str, Any]:
    parsed = args_decoding.load(
        preparedata.Args, {"namespace": "app", "image": "img", "command": ["c"], **args}
    )
    return preparedata.build(ctx, parsed, volumes={"data": "/mnt/d"})


def test_prepare_data_pod() -> None:
    pod = _prepare_pod(_ctx(), serviceaccount="sa", podLabels={"l": "v"})
    spec = pod["spec"]
    assert pod["metadata"]["generateName"] == "prepare-data-job-"
    assert pod["metadata"]["namespace"] == "app"
    assert pod["metadata"]["labels"] == {"createdBy": "kanister", "l": "v"}
    assert spec["serviceAccountName"] == "sa"
    assert spec["containers"][0]["volumeMounts"] == [{"name": "vol-data", "mountPath": "/mnt/d"}]
    assert spec["volumes"] == [{"name": "vol-data", "persistentVolumeClaim": {"claimName": "data"}}]


def test_prepare_data_pod_override_wins_over_the_service_account_arg() -> None:
    pod = _prepare_pod(
        _ctx(pod_override={"serviceAccountName": "from-actionset"}), serviceaccount="sa"
    )
    assert pod["spec"]["serviceAccountName"] == "from-actionset"


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), (1, True)])
def test_fail_on_error_decodes_weakly(raw: Any, expected: bool) -> None:
    parsed = args_decoding.load(
        preparedata.Args, {"namespace": "n", "image": "i", "command": "c", "failOnError": raw}
    )
    assert parsed.fail_on_error is expected
