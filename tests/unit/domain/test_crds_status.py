"""The status the projection writes (`status_of`) survives the generated CRD schema unpruned,
parses as the status models, and passes Kanister's ActionSet validation."""

from __future__ import annotations

from typing import Any

import pytest

from kes.domain import actionset, crds, repositoryserver, resources, status, validation

SPEC = {
    "actions": [
        {
            "name": "backup",
            "blueprint": "bp",
            "object": {"kind": "Deployment", "name": "app", "namespace": "default"},
        },
        {
            "name": "backup",
            "blueprint": "bp",
            "object": {"kind": "StatefulSet", "name": "db", "namespace": "default"},
        },
    ]
}
PLAN = [
    {
        "name": "backup",
        "blueprint": "bp",
        "object": action["object"],
        "phases": [
            {"name": "dump", "function": "KubeTask"},
            {"name": "upload", "function": "KubeExec"},
            {"name": "cleanup", "function": "KubeTask", "defer": True},
        ],
        "artifacts": {"dump": {"keyValue": {"path": "{{ .Phases.dump.Output.path }}"}}},
    }
    for action in SPEC["actions"]
]


def accepted() -> actionset.ActionSetRun:
    return actionset.ActionSetRun.accept(
        name="backup-x", namespace="kanister", uid="uid-1", spec=SPEC, plan=PLAN
    )


def run_action(run: actionset.ActionSetRun, index: int, *, fail_at: str = "") -> None:
    run.start_action(index)
    for phase in ("dump", "upload"):
        run.start_phase(
            action_index=index,
            phase_name=phase,
            function="KubeTask",
            masked_args={"command": ["sh", "-c", "echo ***"]},
        )
        run.progress_phase(action_index=index, phase_name=phase, progress={"progressPercent": "50"})
        if phase == fail_at:
            run.fail_phase(action_index=index, phase_name=phase, error="exit 1", log_tail=["boom"])
            break
        run.complete_phase(
            action_index=index,
            phase_name=phase,
            output={"path": "/b/1", "count": 2, "nested": {"a": [1, None]}},
            duration_s=0.5,
        )
    run.start_phase(action_index=index, phase_name="cleanup", function="KubeTask")
    run.complete_phase(action_index=index, phase_name="cleanup", output={"version": "0.75.0"})
    if fail_at:
        run.fail_action(action_index=index, error="exit 1")
    else:
        run.render_artifacts(action_index=index, artifacts={"dump": {"keyValue": {"path": "/b/1"}}})
        run.complete_action(index)


def scenarios() -> list[Any]:
    pending = accepted()

    running = accepted()
    running.start_action(0)
    running.start_phase(action_index=0, phase_name="dump", function="KubeTask")

    complete = accepted()
    run_action(complete, 0)
    run_action(complete, 1)
    complete.complete()

    failed = accepted()
    run_action(failed, 0)
    run_action(failed, 1, fail_at="dump")
    failed.fail("exit 1")

    return [
        pytest.param(pending, id="pending"),
        pytest.param(running, id="running"),
        pytest.param(complete, id="complete"),
        pytest.param(failed, id="failed"),
    ]


def status_schema(kind: str) -> dict[str, Any]:
    (crd,) = [c for c in crds.crd_documents() if c["spec"]["names"]["kind"] == kind]
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema["properties"]["status"]  # type: ignore[no-any-return]


def pruned_by(value: Any, schema: dict[str, Any], path: str = "status") -> list[str]:
    """Fields the API server would drop (or reject by type) when storing `value`."""
    found: list[str] = []
    if schema.get(crds.PRESERVE_UNKNOWN) and "properties" not in schema:
        return found
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool}
    if value is None or not isinstance(value, kinds[schema["type"]]):
        return [f"{path}: {type(value).__name__} is not {schema['type']}"]
    if isinstance(value, dict):
        for key, item in value.items():
            if key in schema.get("properties", {}):
                found += pruned_by(item, schema["properties"][key], f"{path}.{key}")
            elif "additionalProperties" in schema:
                found += pruned_by(item, schema["additionalProperties"], f"{path}.{key}")
            else:
                found.append(f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += pruned_by(item, schema["items"], f"{path}[{index}]")
    return found


@pytest.mark.parametrize("run", scenarios())
def test_actionset_status_survives_the_schema(run: actionset.ActionSetRun) -> None:
    computed = status.status_of(run)
    assert pruned_by(computed, status_schema("ActionSet")) == []


@pytest.mark.parametrize("run", scenarios())
def test_actionset_status_parses_and_passes_kanister_validation(
    run: actionset.ActionSetRun,
) -> None:
    computed = status.status_of(run)
    parsed = resources.parse_object(
        {"kind": "ActionSet", "metadata": {"name": run.name}, "spec": SPEC, "status": computed}
    )
    assert isinstance(parsed, resources.ActionSet)
    assert resources.to_object(parsed)["status"] == computed
    validation.validate_actionset(parsed)


def test_repositoryserver_status_survives_the_schema() -> None:
    server = repositoryserver.RepositoryServerLifecycle.register(
        name="kopia", namespace="kanister", uid="uid-2"
    )
    server.request_setup()
    server.record_setup(pod_name="repo-server-pod-x", service_name="repo-server-service-y")
    server.record_repository_connected()
    server.fail(condition="ServerInitialized", message="server start timed out")
    computed = status.status_of(server)
    assert pruned_by(computed, status_schema("RepositoryServer")) == []
    parsed = resources.parse_as(resources.RepositoryServerStatus, computed)
    assert resources.to_object(parsed) == computed
