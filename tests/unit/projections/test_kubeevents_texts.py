"""The Kubernetes Event texts of failures, as Kanister's logAndErrorEvent writes them.

Kanister's status shows the bare error; its Event is "<msg> <err>" where msg is
"Failed to launch Action <as>:", "Could not get blueprint:" or "Could not get initial action:"
(pkg/controller/controller.go at 0.119.0).
"""

from __future__ import annotations

from typing import Any

from kes.domain import actionset, status
from kes.domain import actionset_events as ev
from kes.projections import kubeevents

PLAN = [ev.ActionPlan(name="backup", blueprint="bp", phases=[ev.PhasePlan(name="p", function="F")])]


def _last_event(run: actionset.ActionSetRun) -> Any:
    return list(run.collect_events())[-1]


def test_a_launch_failure_keeps_the_status_bare_and_prefixes_the_event() -> None:
    run = actionset.ActionSetRun.accept(name="as1", namespace="n", uid="u", spec={}, plan=PLAN)
    run.start_action(0)
    run.fail_action(action_index=0, error="resource name may not be empty", launching=True)
    event = _last_event(run)
    assert isinstance(event, ev.ActionLaunchFailed)
    assert status.status_of(run)["error"]["message"] == "resource name may not be empty"
    assert status.status_of(run)["actions"][0]["phases"][0]["state"] == "failed"
    described = kubeevents.describe(event, run)
    assert described == kubeevents.KubeEvent(
        "Warning",
        "ActionSetFailed Action: backup",
        "Failed to launch Action as1: resource name may not be empty",
        on_blueprint=True,
    )


def test_a_blueprint_gone_after_acceptance_is_reported_as_kanister_does() -> None:
    run = actionset.ActionSetRun.accept(name="as1", namespace="n", uid="u", spec={}, plan=PLAN)
    run.start_action(0)
    error = 'Failed to query blueprint: blueprints.cr.kanister.io "bp" not found'
    run.fail_action(action_index=0, error=error, launching=True)
    described = kubeevents.describe(_last_event(run), run)
    assert described is not None
    assert (described.reason, described.message) == ("Error", f"Could not get blueprint: {error}")


def test_other_action_failures_are_not_launch_events() -> None:
    run = actionset.ActionSetRun.accept(name="as1", namespace="n", uid="u", spec={}, plan=PLAN)
    run.start_action(0)
    run.fail_action(action_index=0, error="Internal error: KeyError")
    assert kubeevents.describe(_last_event(run), run) is None


def _rejected(reason: str, message: str) -> str:
    run = actionset.ActionSetRun.reject(
        name="as1", namespace="n", uid="u", spec={}, reason=reason, message=message
    )
    described = kubeevents.describe(_last_event(run), run)
    assert described is not None and described.reason == reason
    return described.message


def test_rejections_carry_kanisters_event_prefixes() -> None:
    query = 'Failed to query blueprint: blueprints.cr.kanister.io "x" not found'
    assert _rejected("Error", query) == f"Could not get blueprint: {query}"
    missing = "Blueprint is not specified for action"
    assert _rejected("Blueprint not specified", missing) == f"Could not get blueprint: {missing}"
    action = "Action b for object kind Deployment not found in blueprint x"
    reason = "ActionSetFailed Action: b"
    assert _rejected(reason, action) == f"Could not get initial action: {action}"
    assert _rejected("Error", "Spec must be non-nil: Validation Failed") == (
        "Spec must be non-nil: Validation Failed"
    )
