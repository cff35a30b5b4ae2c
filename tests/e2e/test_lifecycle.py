"""The ActionSet lifecycle end to end: kubectl apply → controller → status, Events, history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from builders import actionset, blueprint, kubetask, one_action, phase_states
from e2e_harness import ControllerProcess, Kube, wait_for

pytestmark = pytest.mark.timeout(300)


def _reasons(kube: Kube, namespace: str, name: str) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in kube.events(namespace, name)]


def test_success_records_outputs_artifacts_events_and_a_verified_history(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    greeting = "{{ .Phases.first.Output.greeting }}-{{ .Phases.second.Output.n }}"
    kube.apply(
        one_action(
            "as-ok",
            namespace,
            phases=[
                kubetask("first", "kando output greeting hello"),
                kubetask("second", "echo noise; kando output n 2"),
            ],
            defer=kubetask("cleanup", "kando output cleaned yes"),
            artifacts={"result": {"keyValue": {"greeting": greeting}}},
        )
    )
    obj = kube.wait_actionset("as-ok", namespace)
    status = obj["status"]
    assert status["state"] == "complete"
    action = status["actions"][0]
    assert phase_states(obj) == [("first", "complete"), ("second", "complete")]
    assert action["phases"][0]["output"] == {"greeting": "hello"}
    assert action["deferPhase"]["state"] == "complete"
    assert action["deferPhase"]["output"] == {"cleaned": "yes"}
    assert action["artifacts"] == {"result": {"keyValue": {"greeting": "hello-2"}}}
    assert status["progress"]["percentCompleted"] == "100"
    assert status["error"]["message"] == ""
    reasons = wait_for(
        lambda: (r := _reasons(kube, namespace, "as-ok")) and r[-1][0] == "Update Complete" and r,
        what="the Update Complete event",
    )
    assert reasons == [
        ("Started Action", "Executing action run"),
        ("Started Phase", "Executing phase first"),
        ("Ended Phase", "Completed phase first"),
        ("Started Phase", "Executing phase second"),
        ("Ended Phase", "Completed phase second"),
        ("Started deferPhase", "Executing deferPhase cleanup"),
        ("Ended deferPhase", "Completed deferPhase cleanup"),
        ("Update Complete", "Updated ActionSet 'as-ok' Status->complete"),
    ]
    history = controller.history("actionset", "as-ok", "-n", namespace, "--verify")
    assert history.returncode == 0, history.stdout + history.stderr
    lines = controller.history("actionset", "as-ok", "-n", namespace, "--json").stdout.splitlines()
    types = [json.loads(line)["type"] for line in lines]
    assert types[0] == "ActionSetAccepted" and types[-1] == "ActionSetCompleted"
    assert "ArtifactsRendered" in types


def test_failing_phase_leaves_later_phases_pending_and_runs_the_defer_phase(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        one_action(
            "as-fail",
            namespace,
            phases=[
                kubetask("one", "kando output x 1"),
                kubetask("two", "echo about to fail; exit 3"),
                kubetask("three", "true"),
            ],
            defer=kubetask("always", "kando output ran yes"),
            artifacts={"never": {"keyValue": {"k": "{{ .Phases.one.Output.x }}"}}},
        )
    )
    obj = kube.wait_actionset("as-fail", namespace)
    status = obj["status"]
    assert status["state"] == "failed"
    assert phase_states(obj) == [("one", "complete"), ("two", "failed"), ("three", "pending")]
    assert status["actions"][0]["deferPhase"]["state"] == "complete"
    assert "about to fail" in status["error"]["message"]
    # Artifacts stay the unrendered templates when the action failed (Kanister's behaviour).
    assert status["actions"][0]["artifacts"] == {
        "never": {"keyValue": {"k": "{{ .Phases.one.Output.x }}"}}
    }
    reasons = [r for r, _ in _reasons(kube, namespace, "as-fail")]
    assert "ActionSetFailed Action: run" in reasons
    assert controller.history("actionset", "as-fail", "-n", namespace, "--verify").returncode == 0


def test_defer_phase_failure_fails_the_actionset_with_its_error(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        one_action(
            "as-defer",
            namespace,
            phases=[kubetask("main", "true")],
            defer=kubetask("broken-defer", "echo defer broke; exit 1"),
        )
    )
    obj = kube.wait_actionset("as-defer", namespace)
    assert obj["status"]["state"] == "failed"
    assert phase_states(obj) == [("main", "complete")]
    assert obj["status"]["actions"][0]["deferPhase"]["state"] == "failed"
    assert "defer broke" in obj["status"]["error"]["message"]


def test_actions_run_in_parallel(kube: Kube, controller: ControllerProcess, namespace: str) -> None:
    # Each action waits for the other's marker file: both complete only if they overlap.
    def meet(me: str, other: str) -> dict[str, Any]:
        script = (
            f"touch /tmp/kes-e2e-{namespace}-{me}; i=0; "
            f"while [ ! -f /tmp/kes-e2e-{namespace}-{other} ]; do "
            "i=$((i+1)); [ $i -gt 300 ] && exit 1; sleep 0.1; done"
        )
        return {"phases": [kubetask(f"meet-{me}", script)]}

    kube.apply(
        [
            blueprint(
                "bp", namespace, {"left": meet("left", "right"), "right": meet("right", "left")}
            ),
            actionset("as-parallel", namespace, blueprint="bp", actions=["left", "right"]),
        ]
    )
    obj = kube.wait_actionset("as-parallel", namespace)
    assert obj["status"]["state"] == "complete"
    assert [a["phases"][0]["state"] for a in obj["status"]["actions"]] == ["complete", "complete"]


def test_input_artifacts_reach_the_templates(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            blueprint(
                "bp",
                namespace,
                {
                    "restore": {
                        "phases": [
                            kubetask(
                                "use", "kando output got {{ .ArtifactsIn.backup.KeyValue.path }}"
                            ),
                        ]
                    }
                },
            ),
            actionset(
                "as-in",
                namespace,
                blueprint="bp",
                actions=["restore"],
                artifacts={"backup": {"keyValue": {"path": "/backups/one"}}},
            ),
        ]
    )
    obj = kube.wait_actionset("as-in", namespace)
    assert obj["status"]["actions"][0]["phases"][0]["output"] == {"got": "/backups/one"}


@pytest.mark.parametrize(
    ("case", "actions", "as_fields", "message"),
    [
        pytest.param(
            "no-blueprint",
            None,
            {"blueprint": "missing-bp"},
            "Failed to query blueprint",
            id="missing-blueprint",
        ),
        pytest.param(
            "no-action",
            {"other": {"phases": [kubetask("p", "true")]}},
            {},
            "Action run for object kind Namespace not found in blueprint bp",
            id="missing-action",
        ),
        pytest.param(
            "no-secret",
            {"run": {"phases": [kubetask("p", "true")]}},
            {"secrets": {"creds": {"name": "absent", "namespace": "default"}}},
            'secrets "absent" not found',
            id="missing-secret",
        ),
        pytest.param(
            "no-profile",
            {"run": {"phases": [kubetask("p", "true")]}},
            {"profile": {"name": "absent", "namespace": "default"}},
            'profiles.cr.kanister.io "absent" not found',
            id="missing-profile",
        ),
        pytest.param(
            "bad-template",
            {"run": {"phases": [kubetask("p", "echo {{ .Nope.Name }}")]}},
            {},
            "can't evaluate field Nope",
            id="template-error",
        ),
        pytest.param(
            "missing-key",
            {"run": {"phases": [kubetask("p", "echo {{ .Phases.ghost.Output.x }}")]}},
            {},
            'Failed to render template: "ghost" not found',
            id="missing-map-key",
        ),
        pytest.param(
            "bad-function",
            {"run": {"phases": [{"func": "NoSuchFunc", "name": "p", "args": {}}]}},
            {},
            "Requested function {NoSuchFunc} has not been registered",
            id="unknown-function",
        ),
    ],
)
def test_failures_carry_kanisters_messages(
    kube: Kube,
    controller: ControllerProcess,
    namespace: str,
    case: str,
    actions: dict[str, Any] | None,
    as_fields: dict[str, Any],
    message: str,
) -> None:
    documents = []
    if actions is not None:
        documents.append(blueprint("bp", namespace, actions))
    fields = {"blueprint": "bp", **as_fields}
    documents.append(actionset(case, namespace, **fields))
    kube.apply(documents)
    obj = kube.wait_actionset(case, namespace)
    assert obj["status"]["state"] == "failed"
    assert message in obj["status"]["error"]["message"]
    assert controller.history("actionset", case, "-n", namespace, "--verify").returncode == 0


def test_phase_timeout_from_annotation(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        one_action(
            "as-timeout",
            namespace,
            phases=[kubetask("slow", "sleep 60"), kubetask("never", "true")],
            defer=kubetask("after", "true"),
            annotations={"kes.io/phase-timeout": "2s"},
        )
    )
    obj = kube.wait_actionset("as-timeout", namespace, timeout=60)
    assert obj["status"]["state"] == "failed"
    assert obj["status"]["error"]["message"] == "Phase slow timed out after 2s"
    assert phase_states(obj) == [("slow", "failed"), ("never", "pending")]
    assert obj["status"]["actions"][0]["deferPhase"]["state"] == "complete"
    lines = controller.history("actionset", "as-timeout", "-n", namespace, "--json").stdout
    assert "PhaseTimedOut" in [json.loads(line)["type"] for line in lines.splitlines()]


def test_actionset_timeout_from_annotation(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        one_action(
            "as-deadline",
            namespace,
            phases=[kubetask("quick", "true"), kubetask("slow", "sleep 60")],
            annotations={"kes.io/timeout": "4s"},
        )
    )
    obj = kube.wait_actionset("as-deadline", namespace, timeout=60)
    assert obj["status"]["state"] == "failed"
    assert obj["status"]["error"]["message"] == (
        "ActionSet as-deadline timed out after 4s in phase slow"
    )
    assert phase_states(obj) == [("quick", "complete"), ("slow", "failed")]


def test_deleting_a_running_actionset_cancels_it_and_runs_the_defer_phase(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        one_action(
            "as-cancel",
            namespace,
            phases=[kubetask("long", "kando output started yes; sleep 120")],
            defer=kubetask("after", "kando output deferred yes"),
        )
    )
    wait_for(lambda: kube.actionset_state("as-cancel", namespace) == "running", what="running")
    wait_for(
        lambda: kube.run("get", "pods", "-n", namespace, "-o", "name").stdout.strip(),
        what="the task pod",
    )
    kube.run("delete", "actionset", "as-cancel", "-n", namespace, "--wait=false")
    wait_for(
        lambda: kube.get("actionset", "as-cancel", namespace) is None,
        timeout=60,
        what="the ActionSet to go",
    )
    lines = controller.history("actionset", "as-cancel", "-n", namespace, "--json").stdout
    types = [json.loads(line)["type"] for line in lines.splitlines()]
    assert "CancelRequested" in types
    assert types[-1] == "ActionSetCancelled"
    records = [json.loads(line) for line in lines.splitlines()]
    assert [r["data"]["phase_name"] for r in records if r["type"] == "PhaseCompleted"] == ["after"]
    wait_for(
        lambda: not kube.run("get", "pods", "-n", namespace, "-o", "name").stdout.strip(),
        what="the task pod to be deleted",
    )
