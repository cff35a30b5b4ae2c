"""KubeOps decisions that need no cluster: idempotency by operation, the spec."""

from __future__ import annotations

import pytest

from kes.functions import registry


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
