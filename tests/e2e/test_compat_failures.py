"""Input Kanister fails cleanly, with Kanister's status and Event texts (issue 10).

Each case is user input that once raised inside the controller (``Internal error: KeyError``)
or reported a text Kanister does not: the object Kanister's tutorial leaves without a name,
missing objects, Secrets and Blueprints, unnamed phases. Kanister's status shows the bare error
(pkg/controller handleActionSet sets ``status.error.message = err.Error()``); the Event adds
the ``Failed to launch Action <as>:`` / ``Could not get blueprint:`` prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import actionset, blueprint, kubetask
from e2e_harness import ControllerProcess, Kube, wait_for

pytestmark = pytest.mark.timeout(300)


def _warnings(kube: Kube, namespace: str, name: str) -> list[tuple[str, str]]:
    return [
        (e["reason"], e["message"])
        for e in kube.events(namespace, name)
        if e.get("type") == "Warning"
    ]


def _action(namespace: str, obj: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
    document = actionset("as", namespace, blueprint="bp", **fields)
    document["spec"]["actions"][0]["object"] = obj
    return [blueprint("bp", namespace, {"run": {"phases": [kubetask("p", "true")]}}), document]


@pytest.mark.parametrize(
    ("obj", "fields", "error"),
    [
        pytest.param(
            {"kind": "Deployment"}, {}, "resource name may not be empty", id="kind-without-name"
        ),
        pytest.param(
            {"kind": "Deployment", "name": "ghost", "namespace": "{ns}"},
            {},
            'deployments.apps "ghost" not found',
            id="missing-deployment",
        ),
        pytest.param(
            {"kind": "Namespace"},
            {},
            "could not fetch object name: , namespace: , group: , version: v1, resource: "
            "namespaces: name is required",
            id="namespace-without-name",
        ),
        pytest.param(
            {"kind": "Namespace", "name": "{ns}"},
            {"secrets": {"creds": {"name": "absent", "namespace": "{ns}"}}},
            'secrets "absent" not found',
            id="missing-secret",
        ),
        pytest.param(
            {"kind": "Namespace", "name": "{ns}"},
            {"secrets": {"creds": {"namespace": "{ns}"}}},
            "resource name may not be empty",
            id="secret-without-name",
        ),
    ],
)
def test_launch_failures_show_the_bare_error_and_kanisters_event(
    kube: Kube,
    controller: ControllerProcess,
    namespace: str,
    obj: dict[str, Any],
    fields: dict[str, Any],
    error: str,
) -> None:
    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value.replace("{ns}", namespace) if isinstance(value, str) else value

    kube.apply(_action(namespace, fill(obj), **fill(fields)))
    status = kube.wait_actionset("as", namespace)["status"]
    assert status["state"] == "failed"
    assert status["error"]["message"] == error
    assert status["actions"][0]["phases"][0]["state"] == "failed"
    # Kanister computes percentCompleted only once a phase reports progress.
    assert "percentCompleted" not in status["progress"]
    expected = ("ActionSetFailed Action: run", f"Failed to launch Action as: {error}")
    wait_for(lambda: expected in _warnings(kube, namespace, "as"), what="the launch Event")
    assert controller.history("actionset", "as", "-n", namespace, "--verify").returncode == 0


def test_missing_blueprint_event_starts_as_kanisters(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([actionset("as-nobp", namespace, blueprint="missing-bp")])
    status = kube.wait_actionset("as-nobp", namespace)["status"]
    message = 'Failed to query blueprint: blueprints.cr.kanister.io "missing-bp" not found'
    assert status["error"]["message"] == message
    assert "percentCompleted" not in status["progress"]
    expected = ("Error", f"Could not get blueprint: {message}")
    wait_for(lambda: expected in _warnings(kube, namespace, "as-nobp"), what="the Event")


def test_unnamed_phases_run_as_in_kanister(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    unnamed = kubetask("x", "kando output ran yes")
    del unnamed["name"]
    kube.apply(
        [
            blueprint("bp-unnamed", namespace, {"run": {"phases": [unnamed]}}),
            actionset("as-unnamed", namespace, blueprint="bp-unnamed"),
        ]
    )
    status = kube.wait_actionset("as-unnamed", namespace)["status"]
    assert status["state"] == "complete", status.get("error")
    assert status["actions"][0]["phases"][0]["output"] == {"ran": "yes"}
    assert status["progress"]["percentCompleted"] == "100"


def test_args_nested_too_deep_fail_the_actionset_before_any_phase_runs(
    kube: Kube, controller: ControllerProcess, namespace: str, tmp_path: Path
) -> None:
    # What the Blueprint webhook refuses, when a Blueprint reaches the controller without it.
    deep: Any = "x"
    for _ in range(150):
        deep = {"a": deep}
    marker = tmp_path / "ran"
    first = kubetask("first", f"touch {marker}")
    nested = kubetask("nested", "true", podOverride=deep)
    kube.apply([blueprint("bp-deep", namespace, {"run": {"phases": [first, nested]}}),
                actionset("as-deep", namespace, blueprint="bp-deep")])
    status = kube.wait_actionset("as-deep", namespace)["status"]
    message = "Phase nested: argument podOverride is nested 100 or more levels deep; flatten it"
    assert (status["state"], status["error"]["message"]) == ("failed", message)
    assert not marker.exists()
    expected = ("ActionSetFailed Action: run", f"Could not get initial action: {message}")
    wait_for(lambda: expected in _warnings(kube, namespace, "as-deep"), what="the Event")
    assert controller.history("actionset", "as-deep", "-n", namespace,
                              "--verify").returncode == 0
