"""Registry lookups and arg checks use Kanister's rules and wording (reference 1.1, 9.8, 9.9)."""

from __future__ import annotations

import re
import threading

import kubernetes.client
import pytest

from kes.adapters.k8s import client
from kes.functions import base, registry

REFERENCE_FUNCTIONS = {
    # 1.2, registered at master
    "KubeTask", "KubeExec", "KubeExecAll", "MultiContainerRun", "PrepareData", "ScaleWorkload",
    "KubeOps", "Wait", "WaitV2", "CreateCSISnapshot", "CreateCSISnapshotStatic",
    "DeleteCSISnapshot", "DeleteCSISnapshotContent", "RestoreCSISnapshot", "BackupData",
    "BackupDataAll", "BackupDataStats", "CopyVolumeData", "RestoreData", "RestoreDataAll",
    "DeleteData", "DeleteDataAll", "CheckRepository", "LocationDelete", "CreateRDSSnapshot",
    "DeleteRDSSnapshot", "ExportRDSSnapshotToLocation", "RestoreRDSSnapshot",
    # 1.3, removed from master but in 0.119.0 (the provider volume-snapshot functions were
    # removed in 0.115: not registered)
    "BackupDataUsingKopiaServer", "RestoreDataUsingKopiaServer", "DeleteDataUsingKopiaServer",
}  # fmt: skip


def test_every_reference_function_has_a_spec() -> None:
    names = [spec.name for spec in registry.all_specs()]
    assert set(names) == REFERENCE_FUNCTIONS
    assert len(names) == len(set(names)) == 31


def test_the_functions_of_this_issue_run() -> None:
    runnable = {spec.name for spec in registry.all_specs() if spec.run is not None}
    assert runnable == {
        "KubeTask", "KubeExec", "KubeExecAll", "ScaleWorkload",
        "MultiContainerRun", "PrepareData", "KubeOps", "Wait", "WaitV2",
        "BackupData", "BackupDataAll", "RestoreData", "RestoreDataAll", "DeleteData",
        "DeleteDataAll", "CopyVolumeData", "BackupDataStats", "CheckRepository",
        "LocationDelete",
        "BackupDataUsingKopiaServer", "RestoreDataUsingKopiaServer", "DeleteDataUsingKopiaServer",
    }  # fmt: skip


@pytest.mark.parametrize("spec", registry.all_specs(), ids=lambda s: s.name)
def test_required_args_are_supported_and_unique(spec: base.FunctionSpec) -> None:
    assert set(spec.required_args) <= set(spec.all_args)
    assert len(spec.all_args) == len(set(spec.all_args))
    assert spec.version == "v0.0.0"


def test_idempotent_flags_for_restart_recovery() -> None:
    flags = {spec.name: spec.idempotent for spec in registry.all_specs()}
    assert flags["ScaleWorkload"] and flags["Wait"] and flags["WaitV2"]
    assert not flags["KubeTask"] and not flags["KubeExec"] and not flags["KubeExecAll"]


@pytest.mark.parametrize(
    ("name", "required", "supported"),
    [
        pytest.param("KubeTask", ("image", "command"),
                     {"image", "command", "namespace", "podOverride", "podLabels",
                      "podAnnotations"}, id="KubeTask"),
        pytest.param("KubeExec", ("namespace", "pod", "command"),
                     {"namespace", "pod", "command", "container"}, id="KubeExec"),
        pytest.param("KubeExecAll", ("namespace", "pods", "containers", "command"),
                     {"namespace", "pods", "containers", "command"}, id="KubeExecAll"),
        pytest.param("ScaleWorkload", ("replicas",),
                     {"replicas", "namespace", "name", "kind", "waitForReady"}, id="ScaleWorkload"),
    ],
)  # fmt: skip
def test_args_of_the_implemented_functions(
    name: str, required: tuple[str, ...], supported: set[str]
) -> None:
    spec = registry.lookup(name)
    assert spec.required_args == required
    assert set(spec.all_args) == supported


def test_unknown_function_uses_kanisters_wording() -> None:
    with pytest.raises(base.FunctionNotFoundError) as caught:
        registry.lookup("KubeTasks")
    assert str(caught.value) == "Requested function {KubeTasks} has not been registered"


@pytest.mark.parametrize("version", ["", "v0.0.0", "0.0.0", "v11.11.11", "v1.2.3", "v1"])
def test_versions_fall_back_to_the_default(version: str) -> None:
    assert registry.lookup("KubeTask", version).version == "v0.0.0"


def test_unparsable_version_is_an_error() -> None:
    with pytest.raises(base.FunctionError, match=re.escape("Failed to parse phase version x.y")):
        registry.lookup("KubeTask", "x.y")


def test_required_args_are_checked_first_with_the_wrapped_message() -> None:
    spec = registry.lookup("KubeTask")
    with pytest.raises(base.ArgumentError) as caught:
        spec.check_args({"image": "busybox", "bogus": 1})
    assert str(caught.value) == (
        "Required args missing for function KubeTask: Required arg missing: command"
    )


def test_unsupported_arg_is_reported_with_the_wrapped_message() -> None:
    spec = registry.lookup("KubeTask")
    with pytest.raises(base.ArgumentError) as caught:
        spec.check_args({"image": "busybox", "command": ["true"], "d": 1})
    assert str(caught.value) == (
        "Checking supported args for function KubeTask.: argument d is not supported"
    )


def test_all_supported_args_pass_the_check() -> None:
    spec = registry.lookup("ScaleWorkload")
    spec.check_args({a: "1" for a in spec.all_args})
    spec.check_args({"replicas": 1})


def test_run_checks_args_before_doing_anything() -> None:
    api = client.from_configuration(kubernetes.client.Configuration(host="http://127.0.0.1:9"))
    progress: list[int] = []
    ctx = base.PhaseContext(
        api=api,
        namespace="kanister",
        action_set=base.ActionSetRef(name="a", namespace="kanister"),
        cancel=threading.Event(),
        on_progress=progress.append,
    )
    run = registry.lookup("KubeExec").run
    assert run is not None
    try:
        with pytest.raises(base.ArgumentError) as caught:
            run(ctx, {"namespace": "n", "pod": "p", "command": ["true"], "bogus": 1})
    finally:
        api.close()
    assert str(caught.value) == (
        "Checking supported args for function KubeExec.: argument bogus is not supported"
    )
    assert progress == []
