"""RepositoryServerLifecycle: Kanister's five steps, failures with their reasons, the guards."""

from __future__ import annotations

from typing import Any

import pytest

from kes.domain import repositoryserver as rs
from kes.domain import status


def registered() -> rs.RepositoryServerLifecycle:
    server = rs.RepositoryServerLifecycle.register(name="repo", namespace="kanister", uid="u")
    server.request_setup()
    server.collect_events()
    return server


def all_steps(server: rs.RepositoryServerLifecycle) -> None:
    server.record_setup(pod_name="repo-server-pod-x", service_name="repo-server-service-y")
    server.record_repository_connected()
    server.record_server_initialized()
    server.record_client_users_initialized(users=["admin@host"])
    server.record_refreshed()


def test_a_server_becomes_ready_after_the_five_steps() -> None:
    server = registered()
    all_steps(server)
    server.mark_ready()
    assert [type(e).__name__ for e in server.collect_events()] == [
        "ServerSetup", "RepositoryConnected", "ServerInitialized", "ClientUserInitialized",
        "ServerRefreshed", "ServerReady",
    ]
    shown = status.status_of(server)
    assert shown["progress"] == "Ready"
    assert shown["serverInfo"] == {
        "podName": "repo-server-pod-x", "serviceName": "repo-server-service-y"
    }
    assert [(c["type"], c["status"], c["reason"]) for c in shown["conditions"]] == [
        ("ServerSetup", "True", "KopiaRepositoryServerSetupSucceeded"),
        ("RepositoryConnected", "True", "KopiaRepositoryConnectionSucceeded"),
        ("ServerInitialized", "True", "KopiaRepositoryServerInitializationSucceeded"),
        ("ClientUserInitialized", "True", "ClientInitializationSucceeded"),
        ("ServerRefreshed", "True", "ServerRefreshed"),
    ]


@pytest.mark.parametrize(
    ("condition", "reason", "steps_before"),
    [
        pytest.param("ServerSetup", "KopiaRepositoryServerSetupFailed", 0, id="setup"),
        pytest.param("RepositoryConnected", "KopiaRepositoryConnectionFailed", 1, id="connect"),
        pytest.param("ServerInitialized", "KopiaRepositoryServerInitializationFailed", 2,
                     id="start"),
        pytest.param("ClientUserInitialized", "ClientInitializationFailed", 3, id="users"),
        pytest.param("ServerRefreshed", "ServerRefreshFailed", 4, id="refresh"),
    ],
)
def test_a_failing_step_sets_its_condition_false_with_kanisters_reason(
    condition: str, reason: str, steps_before: int
) -> None:
    server = registered()
    steps: list[Any] = [
        lambda: server.record_setup(pod_name="p", service_name="s"),
        server.record_repository_connected,
        server.record_server_initialized,
        lambda: server.record_client_users_initialized(users=[]),
    ]
    for step in steps[:steps_before]:
        step()
    server.fail(condition=condition, message="it broke")
    shown = status.status_of(server)
    assert shown["progress"] == "Failed"
    assert shown["conditions"][-1]["type"] == condition
    assert shown["conditions"][-1]["status"] == "False"
    assert shown["conditions"][-1]["reason"] == reason
    assert shown["conditions"][-1]["message"] == "it broke"


def test_a_new_reconcile_starts_from_a_clean_slate() -> None:
    server = registered()
    server.record_setup(pod_name="p", service_name="s")
    server.fail(condition="RepositoryConnected", message="wrong password")
    server.request_setup()
    assert status.status_of(server) == {
        "progress": "Pending", "serverInfo": {"podName": "p", "serviceName": "s"}
    }
    assert server.next_step() == "ServerSetup"


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(lambda s: s.record_repository_connected(), id="connect-before-setup"),
        pytest.param(lambda s: s.record_refreshed(), id="refresh-first"),
        pytest.param(lambda s: s.mark_ready(), id="ready-too-early"),
        pytest.param(lambda s: s.fail(condition="ServerRefreshed"), id="fail-wrong-step"),
        pytest.param(lambda s: s.fail(condition="Bogus"), id="unknown-condition"),
    ],
)
def test_out_of_order_steps_raise_and_emit_nothing(command: Any) -> None:
    server = registered()
    with pytest.raises(rs.RepositoryServerError):
        command(server)
    assert server.collect_events() == []


def test_a_failed_server_takes_no_step_until_the_next_reconcile() -> None:
    server = registered()
    server.fail(condition="ServerSetup", message="no secret")
    with pytest.raises(rs.StepOutOfOrderError):
        server.record_setup(pod_name="p", service_name="s")


def test_a_deleted_server_takes_no_command() -> None:
    server = registered()
    server.delete()
    with pytest.raises(rs.ServerDeletedError):
        server.request_setup()
    assert server.is_terminal


def test_replay_rebuilds_the_same_server() -> None:
    server = rs.RepositoryServerLifecycle.register(name="r", namespace="n", uid="u")
    server.request_setup()
    all_steps(server)
    server.mark_ready()
    replayed: Any = None
    for event in server.collect_events():
        replayed = event.mutate(replayed)
    assert replayed == server


# --- what kes records beyond Kanister's conditions ------------------------------------------


def test_commands_secrets_and_durations_are_recorded() -> None:
    server = registered()
    server.record_secrets_read(
        forms={"storage": "design-document", "credentials": "kanister"},
        versions={"storage": "12"}, location_type="filestore", credential_kind="filestore",
        hostnames=["host-a"],
    )
    server.name_service(name="repo-server-service-abcde")
    server.name_pod(name="repo-server-pod-fghij")
    server.record_setup(pod_name="repo-server-pod-fghij",
                        service_name="repo-server-service-abcde", duration_s=1.25)
    server.record_command(step="RepositoryConnected", command="kopia --password=<****> ...",
                          ok=True, duration_s=0.5)
    server.record_repository_connected(duration_s=0.5)
    server.record_server_initialized(started=True, duration_s=2.0)
    assert server.secret_forms == {"storage": "design-document", "credentials": "kanister"}
    assert server.pod_name == "repo-server-pod-fghij"
    assert server.starts == 1
    assert [c.command for c in server.commands] == ["kopia --password=<****> ..."]
    setup = next(e for e in server.collect_events() if type(e).__name__ == "ServerSetup")
    assert setup.duration_s == 1.25


def test_a_new_reconcile_clears_the_commands_of_the_last_one() -> None:
    server = registered()
    server.record_command(step="ServerSetup", command="x", ok=False, duration_s=0.1)
    server.request_setup(reason="secrets changed", attempt=2)
    assert server.commands == []
    assert server.attempt == 2


def test_resume_records_the_next_step() -> None:
    server = registered()
    server.record_setup(pod_name="p", service_name="s")
    server.record_repository_connected()
    server.resume_setup()
    (resumed,) = server.collect_events()[-1:]
    assert type(resumed).__name__ == "ServerSetupResumed"
    assert resumed.next_step == "ServerInitialized"


def test_only_a_ready_server_is_rechecked_or_loses_its_process() -> None:
    server = registered()
    with pytest.raises(rs.NotReadyError):
        server.recheck()
    with pytest.raises(rs.NotReadyError):
        server.lose_server_process(message="gone")
    all_steps(server)
    server.mark_ready()
    server.recheck(duration_s=0.2)
    server.lose_server_process(message="server status failed")
    assert server.losses == 1
    assert server.progress == "Ready"  # until the next reconcile starts
    server.request_setup(reason="server process lost")
    assert server.progress == "Pending"


def test_pod_and_service_are_recorded_only_during_setup() -> None:
    server = registered()
    all_steps(server)
    with pytest.raises(rs.StepOutOfOrderError):
        server.name_pod(name="another")


def test_immutable_fields_are_compared_with_the_registered_spec() -> None:
    spec = {"repository": {"rootPath": "/a/"}, "storage": {"secretRef": {"name": "loc"}},
            "server": {"userAccess": {"username": "u"}}}
    server = rs.RepositoryServerLifecycle.register(name="r", namespace="n", uid="u", spec=spec)
    assert server.changed_immutable_fields(spec) == []
    changed = {**spec, "repository": {"rootPath": "/b/"},
               "server": {"userAccess": {"username": "v"}}}
    assert server.changed_immutable_fields(changed) == ["repository.rootPath"]
    moved = {**spec, "storage": {"secretRef": {"name": "other"}}}
    assert server.changed_immutable_fields(moved) == ["storage"]
    server.reject_spec_change(fields=["storage"], message="storage is immutable")
    assert type(server.collect_events()[-1]).__name__ == "ServerSpecChangeRejected"


def test_only_a_failed_server_schedules_a_retry() -> None:
    server = registered()
    with pytest.raises(rs.StepOutOfOrderError):
        server.schedule_retry(attempt=1, delay_s=1, reason="secret changed")
    server.fail(condition="ServerSetup", message="no secret")
    server.schedule_retry(attempt=1, delay_s=2.0, reason="secret changed")
    assert server.retry_scheduled is not None


def test_ready_resets_the_attempt_count() -> None:
    server = registered()
    server.request_setup(reason="retry", attempt=3)
    all_steps(server)
    server.mark_ready(duration_s=4.5)
    assert server.attempt == 0
