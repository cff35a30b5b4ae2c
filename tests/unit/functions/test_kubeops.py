"""KubeOps and PrepareData decisions that need no cluster: idempotency, default volumes."""

from __future__ import annotations

from typing import Any

import pytest

from kes.functions import base, preparedata, registry


@pytest.mark.parametrize(
    ("operation", "idempotent"), [("delete", True), ("create", False), ("patch", False)]
)
def test_only_delete_may_be_rerun_after_a_restart(operation: str, idempotent: bool) -> None:
    spec = registry.lookup("KubeOps")
    assert registry.is_idempotent(spec, {"operation": operation}) is idempotent


def test_idempotency_of_other_functions_follows_their_spec() -> None:
    assert registry.is_idempotent(registry.lookup("Wait"), {})
    assert not registry.is_idempotent(registry.lookup("PrepareData"), None)
    assert not registry.is_idempotent(registry.lookup("MultiContainerRun"), {})


def test_kubeops_spec() -> None:
    spec = registry.lookup("KubeOps")
    assert spec.required_args == ("operation",)
    assert set(spec.all_args) == {"spec", "operation", "namespace", "objectReference"}
    assert spec.outputs == ("apiVersion", "group", "resource", "kind", "name", "namespace")


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
