"""The scenario histories of today's schema under tests/fixtures/histories, and how they are made.

Run ``python -m tests.replay.scenarios`` to re-record the ``v2-scenario-*`` files (with a fixed
clock, so they are stable) after a deliberate change of events or status; the replay tests then
pin the result. Files of earlier schemas (``v1-*``) are never re-recorded: they stay as they
are, to prove that today's upcasters still read them to the same status.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from eventsourcing import utils as es_utils

from kes.domain import actionset, events, planning, repositoryserver, status

HISTORIES = Path(__file__).resolve().parent.parent / "fixtures" / "histories"
PREFIX = "v2-scenario-"  # bump with ActionSetAccepted's schema version
START = dt.datetime(2026, 5, 13, 10, 0, 0, tzinfo=dt.UTC)

BACKUP: dict[str, Any] = {
    "name": "backup",
    "blueprint": "mysql-blueprint",
    "object": {"kind": "StatefulSet", "name": "mysql", "namespace": "mysql"},
    "blueprint_uid": "6a1f0c2e-7b7e-4c55-9d1c-2f1b8f0c9a11",
    "blueprint_resource_version": "1042",
    "phases": [
        {"name": "dumpToObjectStore", "function": "KubeTask",
         "args": {"namespace": "{{ .StatefulSet.Namespace }}", "image": "mysql:8",
                  "command": ["sh", "-c", "mysqldump | kando location push -"]}},
        {"name": "verify", "function": "KubeExec", "args": {"command": ["true"]}},
        {"name": "cleanup", "function": "KubeTask", "args": {"command": ["rm", "-f"]},
         "defer": True},
    ],
    "artifacts": {"mysqlCloudDump": {"keyValue": {
        "s3path": "{{ .Phases.dumpToObjectStore.Output.s3path }}"}}},
}
SPEC = {"actions": [{"name": "backup", "blueprint": "mysql-blueprint",
                     "object": {"kind": "StatefulSet", "name": "mysql", "namespace": "mysql"}}]}


def _clock() -> Callable[[], dt.datetime]:
    ticks = itertools.count()
    return lambda: START + dt.timedelta(seconds=1.5 * next(ticks))


def _accept(uid: str, plan: list[dict[str, Any]]) -> actionset.ActionSetRun:
    return actionset.ActionSetRun.accept(
        name=f"backup-{uid}", namespace="kanister", uid=uid, spec=SPEC, plan=plan,
    )


def _phase(run: actionset.ActionSetRun, name: str, output: dict[str, Any] | None,
           index: int = 0) -> None:
    run.start_phase(action_index=index, phase_name=name, function="KubeTask",
                    masked_args={"image": "kanisterio/kanister-tools:0.119.0",
                                 "command": ["bash", "-c", "echo ***"]})
    run.complete_phase(action_index=index, phase_name=name, output=output, duration_s=1.5)


def success() -> actionset.ActionSetRun:
    run = _accept("success", [BACKUP])
    run.start_action(0)
    run.start_phase(action_index=0, phase_name="dumpToObjectStore", function="KubeTask",
                    masked_args={"namespace": "mysql", "command": ["mysqldump", "-p***"]})
    run.progress_phase(action_index=0, phase_name="dumpToObjectStore",
                       progress={"progressPercent": "40"})
    run.complete_phase(action_index=0, phase_name="dumpToObjectStore",
                       output={"s3path": "s3://bucket/mysql/dump.gz"}, duration_s=3.0)
    _phase(run, "verify", None)
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output={"removed": "true"},
                       duration_s=0.5)
    run.render_artifacts(action_index=0, artifacts={
        "mysqlCloudDump": {"keyValue": {"s3path": "s3://bucket/mysql/dump.gz"}}})
    run.complete_action(0)
    run.complete()
    return run


def phase_failure_with_defer() -> actionset.ActionSetRun:
    run = _accept("phasefail", [BACKUP])
    run.start_action(0)
    run.start_phase(action_index=0, phase_name="dumpToObjectStore", function="KubeTask")
    run.fail_phase(action_index=0, phase_name="dumpToObjectStore",
                   error='command terminated with exit code 1: "mysqldump: access denied"',
                   log_tail=["connecting", "mysqldump: access denied"])
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.5)
    run.fail_action(action_index=0, error="")
    run.fail()
    return run


def defer_failure() -> actionset.ActionSetRun:
    run = _accept("deferfail", [BACKUP])
    run.start_action(0)
    _phase(run, "dumpToObjectStore", {"s3path": "s3://bucket/x"})
    _phase(run, "verify", None)
    _defer_started(run)
    run.fail_phase(action_index=0, phase_name="cleanup", error="Failed to delete pod: timed out",
                   log_tail=["deleting"])
    run.fail_action(action_index=0, error="")
    run.fail()
    return run


def parallel_actions() -> actionset.ActionSetRun:
    second = {**BACKUP, "name": "backup-logs", "artifacts": {},
              "phases": [{"name": "copyLogs", "function": "KubeExec", "args": {}}]}
    run = _accept("parallel", [BACKUP, second])
    run.start_action(0)
    run.start_action(1)
    run.start_phase(action_index=0, phase_name="dumpToObjectStore", function="KubeTask")
    run.start_phase(action_index=1, phase_name="copyLogs", function="KubeExec")
    run.complete_phase(action_index=1, phase_name="copyLogs", output={"n": "3"}, duration_s=1)
    run.complete_action(1)
    run.complete_phase(action_index=0, phase_name="dumpToObjectStore",
                       output={"s3path": "s3://bucket/p"}, duration_s=3)
    _phase(run, "verify", None)
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.2)
    run.render_artifacts(action_index=0, artifacts={
        "mysqlCloudDump": {"keyValue": {"s3path": "s3://bucket/p"}}})
    run.complete_action(0)
    run.complete()
    return run


def cancellation() -> actionset.ActionSetRun:
    run = _accept("cancel", [BACKUP])
    run.start_action(0)
    run.start_phase(action_index=0, phase_name="dumpToObjectStore", function="KubeTask")
    run.request_cancel("ActionSet was deleted")
    run.fail_phase(action_index=0, phase_name="dumpToObjectStore", error="context canceled")
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.1)
    run.fail_action(action_index=0, error="context canceled")
    run.cancel()
    return run


def lost_running_phase() -> actionset.ActionSetRun:
    run = _accept("lost", [BACKUP])
    run.start_action(0)
    _phase(run, "dumpToObjectStore", {"s3path": "s3://bucket/l"})
    run.start_phase(action_index=0, phase_name="verify", function="KubeExec")
    # The controller died here; on restart it found "verify" started and not ended.
    run.interrupt_phase(action_index=0, phase_name="verify",
                        reason="The controller restarted while the phase ran.", rerun=False,
                        error='Phase "verify" was interrupted by a controller restart and '
                              "KubeExec is not idempotent.")
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.3)
    run.fail_action(action_index=0, error="")
    run.fail()
    return run


def lost_defer_phase() -> actionset.ActionSetRun:
    """Issue 16: a deferPhase the controller lost runs again (attempt 2); the run completes."""
    run = _accept("lostdefer", [BACKUP])
    run.start_action(0)
    _phase(run, "dumpToObjectStore", {"s3path": "s3://bucket/d"})
    _phase(run, "verify", None)
    _defer_started(run)
    run.interrupt_phase(action_index=0, phase_name="cleanup", rerun=True,
                        reason="The controller stopped while the phase was running; running "
                               "it again, a deferPhase always runs.")
    run.start_phase(action_index=0, phase_name="cleanup", function="KubeTask", attempt=2)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.4)
    run.render_artifacts(action_index=0, artifacts={
        "mysqlCloudDump": {"keyValue": {"s3path": "s3://bucket/d"}}})
    run.complete_action(0)
    run.complete()
    return run


def first_error_stays() -> actionset.ActionSetRun:
    """Issue 16: a deferPhase failing after a phase failed does not replace the first error."""
    run = _accept("firsterror", [BACKUP])
    run.start_action(0)
    run.start_phase(action_index=0, phase_name="dumpToObjectStore", function="KubeTask")
    run.fail_phase(action_index=0, phase_name="dumpToObjectStore", error="mysqldump: denied")
    _defer_started(run)
    run.fail_phase(action_index=0, phase_name="cleanup", error="rm: read-only file system")
    run.fail_action(action_index=0, error="")
    run.fail()
    return run


def retry_of_failed_phase() -> actionset.ActionSetRun:
    """A retry: the first phase's output is reused, the failed phase and the deferPhase run."""
    parent = phase_failure_after_first()
    plans, origin = planning.retry_plan(parent)
    run = actionset.ActionSetRun.accept(
        name="backup-retryfirst-retry-1", namespace="kanister", uid="retry-1", spec=SPEC,
        plan=plans, retry_of=origin,
    )
    run.start_action(0)
    _phase(run, "verify", None)
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.2)
    run.render_artifacts(action_index=0, artifacts={
        "mysqlCloudDump": {"keyValue": {"s3path": "s3://bucket/r"}}})
    run.complete_action(0)
    run.complete()
    return run


def phase_failure_after_first() -> actionset.ActionSetRun:
    run = _accept("retryfirst", [BACKUP])
    run.start_action(0)
    _phase(run, "dumpToObjectStore", {"s3path": "s3://bucket/r"})
    run.start_phase(action_index=0, phase_name="verify", function="KubeExec")
    run.fail_phase(action_index=0, phase_name="verify", error="Failed to get secret")
    _defer_started(run)
    run.complete_phase(action_index=0, phase_name="cleanup", output=None, duration_s=0.2)
    run.fail_action(action_index=0, error="")
    run.fail()
    return run


def _defer_started(run: actionset.ActionSetRun, index: int = 0) -> None:
    run.start_phase(action_index=index, phase_name="cleanup", function="KubeTask",
                    masked_args={"command": ["rm", "-f"]})


def repositoryserver_ready() -> repositoryserver.RepositoryServerLifecycle:
    server = repositoryserver.RepositoryServerLifecycle.register(
        name="kopia-repo-server", namespace="kanister", uid="rs-1")
    server.request_setup()
    server.record_setup(pod_name="repo-server-pod-4gjnt", service_name="repo-server-service-rq2hd")
    server.fail(condition="RepositoryConnected", message="unable to connect: bad password")
    server.request_setup()
    server.record_setup(pod_name="repo-server-pod-4gjnt", service_name="repo-server-service-rq2hd")
    server.record_repository_connected()
    server.record_server_initialized()
    server.record_client_users_initialized(users=["kanisteruser@localhost"])
    server.record_refreshed()
    server.mark_ready()
    return server


def repositoryserver_recovered() -> repositoryserver.RepositoryServerLifecycle:
    """A server that fails on a missing Secret, is retried when it appears, goes Ready, loses
    its kopia process, is set up again without a second pod, and refuses a storage change."""
    server = repositoryserver.RepositoryServerLifecycle.register(
        name="kopia-repo-server", namespace="kanister", uid="rs-2",
        spec={"repository": {"rootPath": "/repo/"}, "storage": {"secretRef": {"name": "loc"}}})
    server.request_setup(reason="created", generation=1)
    server.record_secrets_read(forms={}, versions={"tls": ""}, location_type="",
                               credential_kind="", hostnames=[])
    server.fail(condition="ServerSetup", duration_s=0.05,
                message="Failed to get Kopia API server secrets: Error fetching secret tls "
                        'from namespace kanister: secrets "tls" not found')
    server.schedule_retry(attempt=1, delay_s=1.0, reason="secret(s) changed: tls")
    server.request_setup(reason="secrets changed", attempt=1, generation=1)
    server.record_secrets_read(
        forms={"storage": "design-document", "credentials": "kanister"},
        versions={"tls": "41"}, location_type="filestore", credential_kind="filestore",
        hostnames=["client-a"])
    server.name_service(name="repo-server-service-rq2hd")
    server.name_pod(name="repo-server-pod-4gjnt")
    server.record_setup(pod_name="repo-server-pod-4gjnt",
                        service_name="repo-server-service-rq2hd", duration_s=1.5)
    server.record_command(step="RepositoryConnected", ok=True, duration_s=2.25,
                          command="kopia --log-level=error --password=<****> repository connect")
    server.record_repository_connected(duration_s=2.25)
    server.record_server_initialized(started=True, duration_s=2.75)
    server.resume_setup()
    server.record_client_users_initialized(users=["kanisteruser@client-a"], duration_s=3.5)
    server.record_refreshed(duration_s=0.25)
    server.mark_ready(duration_s=10.5)
    server.recheck(duration_s=0.25)
    server.lose_server_process(message="kopia server status failed: the server does not answer")
    server.request_setup(reason="server process lost", generation=1)
    server.record_secrets_read(
        forms={"storage": "design-document", "credentials": "kanister"},
        versions={"tls": "41"}, location_type="filestore", credential_kind="filestore",
        hostnames=["client-a"])
    server.record_setup(pod_name="repo-server-pod-4gjnt",
                        service_name="repo-server-service-rq2hd", duration_s=0.25)
    server.record_repository_connected(duration_s=2.0)
    server.record_server_initialized(started=True, duration_s=2.5)
    server.record_client_users_initialized(users=["kanisteruser@client-a"], duration_s=1.5)
    server.record_refreshed(duration_s=0.25)
    server.mark_ready(duration_s=7.0)
    server.reject_spec_change(fields=["storage"], generation=2,
                              message="spec.storage cannot change once a RepositoryServer "
                                      "exists")
    return server


SCENARIOS: dict[str, Callable[[], Any]] = {
    "success": success,
    "phase_failure_with_defer": phase_failure_with_defer,
    "defer_failure": defer_failure,
    "parallel_actions": parallel_actions,
    "cancellation": cancellation,
    "lost_running_phase": lost_running_phase,
    "lost_defer_phase": lost_defer_phase,
    "first_error_stays": first_error_stays,
    "retry_of_failed_phase": retry_of_failed_phase,
    "repositoryserver_ready": repositoryserver_ready,
    "repositoryserver_recovered": repositoryserver_recovered,
}


def record(build: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """The stored form (topic + JSON state) of the events a scenario emits, with a fixed clock."""
    real = events.utcnow
    events.utcnow = _clock()
    try:
        aggregate = build()
    finally:
        events.utcnow = real
    for event in aggregate.collect_events():
        yield {"topic": es_utils.get_topic(type(event)), "state": event.model_dump(mode="json")}


def main(names: list[str] | None = None) -> None:
    """Re-record the named scenarios (all by default)."""
    from kes import storage

    for name, build in SCENARIOS.items():
        if names and name not in names:
            continue
        lines = list(record(build))
        (HISTORIES / f"{PREFIX}{name}.jsonl").write_text(
            "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
        )
        aggregate = None
        mapper = storage.PydanticMapper(transcoder=storage.JSONTranscoder())
        for line in lines:
            aggregate = mapper.to_domain_event(_stored(line)).mutate(aggregate)
        (HISTORIES / f"{PREFIX}{name}.status.json").write_text(
            json.dumps(status.status_of(aggregate), indent=2, sort_keys=True) + "\n"
        )


def _stored(line: dict[str, Any]) -> Any:
    from uuid import UUID

    from eventsourcing import persistence as es_persistence

    state = line["state"]
    return es_persistence.StoredEvent(
        originator_id=UUID(state["originator_id"]),
        originator_version=state["originator_version"],
        topic=line["topic"],
        state=json.dumps(state).encode(),
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:] or None)
