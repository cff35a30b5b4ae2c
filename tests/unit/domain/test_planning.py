"""Planning: the plan a run records at acceptance, and how a retry continues a failed run."""

from __future__ import annotations

from typing import Any

import pytest

from kes.domain import actionset, planning, resources
from kes.domain import actionset_events as ev

BLUEPRINT: dict[str, Any] = {
    "apiVersion": "cr.kanister.io/v1alpha1",
    "kind": "Blueprint",
    "metadata": {"name": "bp", "namespace": "ns", "uid": "bp-uid", "resourceVersion": "77"},
    "actions": {
        "backup": {
            "outputArtifacts": {"out": {"keyValue": {"p": "{{ .Phases.one.Output.p }}"}}},
            "phases": [
                {"func": "KubeTask", "name": "one", "args": {"command": ["echo", "1"]}},
                {"func": "KubeTask", "name": "two", "args": {"command": ["echo", "2"]},
                 "objects": {"creds": {"kind": "Secret", "name": "s", "namespace": "ns"}}},
                {"func": "KubeTask", "name": "three", "args": {"command": ["echo", "3"]}},
            ],
            "deferPhase": {"func": "KubeTask", "name": "tidy", "args": {"command": ["true"]}},
        }
    },
}
ACTION: dict[str, Any] = {"name": "backup", "blueprint": "bp",
                          "object": {"kind": "Namespace", "name": "ns"}}


def plan_of(blueprint: dict[str, Any]) -> ev.ActionPlan:
    parsed = resources.parse_object(blueprint)
    assert isinstance(parsed, resources.Blueprint)
    action = resources.ActionSpec.model_validate(ACTION)
    return planning.action_plan(
        action=action, blueprint=parsed, blueprint_action=parsed.actions["backup"]
    )


def test_the_plan_records_every_phase_body_the_defer_flag_and_the_blueprint_version() -> None:
    plan = plan_of(BLUEPRINT)
    assert [(p.name, p.defer) for p in plan.phases] == [
        ("one", False), ("two", False), ("three", False), ("tidy", True)
    ]
    assert plan.phases[1].args == {"command": ["echo", "2"]}
    assert plan.phases[1].objects == {"creds": {"kind": "Secret", "name": "s", "namespace": "ns"}}
    assert (plan.blueprint_uid, plan.blueprint_resource_version) == ("bp-uid", "77")
    assert plan.artifacts == {"out": {"keyValue": {"p": "{{ .Phases.one.Output.p }}"}}}
    assert plan.recorded


def test_a_defer_phase_named_like_a_phase_is_refused() -> None:
    clash = {**BLUEPRINT, "actions": {"backup": {
        **BLUEPRINT["actions"]["backup"], "deferPhase": {"func": "KubeTask", "name": "one"}}}}
    with pytest.raises(planning.PlanError,
                       match=r"Duplicated phase name is not allowed\. Violating phase 'one'"):
        plan_of(clash)


def failed_at(phase: str, *, defer_ok: bool = True) -> actionset.ActionSetRun:
    """A run of BLUEPRINT that failed at `phase` (phases before it completed)."""
    run = actionset.ActionSetRun.accept(
        name="nightly", namespace="ns", uid="parent", spec={"actions": [ACTION]},
        plan=[plan_of(BLUEPRINT)],
    )
    run.start_action(0)
    for name in ("one", "two", "three"):
        run.start_phase(action_index=0, phase_name=name, function="KubeTask")
        if name == phase:
            run.fail_phase(action_index=0, phase_name=name, error=f"{name} failed")
            break
        run.complete_phase(action_index=0, phase_name=name, output={"p": name})
    run.start_phase(action_index=0, phase_name="tidy", function="KubeTask")
    if defer_ok:
        run.complete_phase(action_index=0, phase_name="tidy")
    else:
        run.fail_phase(action_index=0, phase_name="tidy", error="tidy failed")
    run.fail_action(action_index=0, error="")
    run.fail()
    return run


def test_a_retry_starts_at_the_failed_phase_and_reuses_the_outputs_before_it() -> None:
    parent = failed_at("two")
    plans, origin = planning.retry_plan(parent)
    assert plans == [parent.actions[0].plan]
    assert origin.start_phases == ["two"]
    assert origin.reused == [ev.ReusedPhase(action_index=0, phase_name="one", output={"p": "one"})]
    child = actionset.ActionSetRun.accept(name="nightly-retry-1", namespace="ns", uid="child",
                                          spec={}, plan=plans, retry_of=origin)
    child.start_action(0)
    step = child.next_step(0)
    assert (step.kind, step.phase and step.phase.name, step.attempt) == (actionset.RUN, "two", 1)
    assert child.actions[0].phases[0].state == "complete"
    assert child.actions[0].phases[0].output == {"p": "one"}


def test_a_retry_may_start_earlier_but_not_after_the_failed_phase() -> None:
    parent = failed_at("two")
    _plans, origin = planning.retry_plan(parent, from_phase="one")
    assert origin.start_phases == ["one"] and origin.reused == []
    with pytest.raises(planning.RetryRefusedError, match='Phase "three" comes after phase "two"'):
        planning.retry_plan(parent, from_phase="three")
    with pytest.raises(planning.RetryRefusedError, match='has no phase "nope"'):
        planning.retry_plan(parent, from_phase="nope")


def test_a_run_that_failed_only_in_its_defer_phase_retries_just_the_defer_phase() -> None:
    parent = failed_at("", defer_ok=False)
    _plans, origin = planning.retry_plan(parent)
    assert origin.start_phases == [""]
    assert [r.phase_name for r in origin.reused] == ["one", "two", "three"]


@pytest.mark.parametrize("state", ["complete", "cancelled", "running"])
def test_only_a_failed_run_is_retried(state: str) -> None:
    run = failed_at("two")
    run.state = state
    with pytest.raises(planning.RetryRefusedError, match=f"is {state}, not failed"):
        planning.retry_plan(run)


def test_a_rejected_run_is_not_retried() -> None:
    run = actionset.ActionSetRun.reject(name="x", namespace="ns", uid="r", spec={},
                                        reason="Error", message="bad spec")
    with pytest.raises(planning.RetryRefusedError, match="was rejected"):
        planning.retry_plan(run)


def test_with_the_current_blueprint_later_phases_may_change() -> None:
    parent = failed_at("two")
    changed = {**BLUEPRINT, "actions": {"backup": {**BLUEPRINT["actions"]["backup"], "phases": [
        *BLUEPRINT["actions"]["backup"]["phases"][:1],
        {"func": "KubeTask", "name": "two", "args": {"command": ["echo", "fixed"]}},
    ]}}}
    plans, origin = planning.retry_plan(parent, current=[plan_of(changed)])
    assert [p.name for p in plans[0].phases] == ["one", "two", "tidy"]
    assert plans[0].phases[1].args == {"command": ["echo", "fixed"]}
    assert origin.with_current_blueprint


def test_with_the_current_blueprint_a_changed_reused_phase_is_refused() -> None:
    parent = failed_at("two")
    changed = {**BLUEPRINT, "actions": {"backup": {**BLUEPRINT["actions"]["backup"], "phases": [
        {"func": "KubeTask", "name": "one", "args": {"command": ["echo", "other"]}},
        *BLUEPRINT["actions"]["backup"]["phases"][1:],
    ]}}}
    with pytest.raises(planning.RetryRefusedError,
                       match='Phase "one" of action "backup" changed in Blueprint "bp"'):
        planning.retry_plan(parent, current=[plan_of(changed)])


def test_retry_annotations_are_read() -> None:
    assert planning.retry_request({"other": "x"}) is None
    assert planning.retry_request({
        planning.RETRY_OF_UID: "u", planning.RETRY_FROM_PHASE: "two",
        planning.RETRY_WITH_CURRENT_BLUEPRINT: "true",
    }) == ("u", "two", True)


def with_key(key: str, *, version: str = "77") -> dict[str, Any]:
    backup = {"func": "BackupData", "name": "save",
              "args": {"namespace": "ns", "pod": "p", "container": "c", "includePath": "/d",
                       "backupArtifactPrefix": "b", "encryptionKey": key}}
    return {**BLUEPRINT, "metadata": {**BLUEPRINT["metadata"], "resourceVersion": version},
            "actions": {"backup": {"phases": [backup]}}}


def keyed_plan(blueprint: dict[str, Any]) -> ev.ActionPlan:
    parsed = resources.parse_object(blueprint)
    assert isinstance(parsed, resources.Blueprint)
    return planning.action_plan(
        action=resources.ActionSpec.model_validate(ACTION), blueprint=parsed,
        blueprint_action=parsed.actions["backup"],
        secret_args=lambda f: ("encryptionKey",) if f == "BackupData" else (),
    )


def test_a_literal_credential_is_withheld_from_the_plan_and_read_back_from_the_same_blueprint(
) -> None:
    plan = keyed_plan(with_key("hunter2-literal"))
    phase = plan.phases[0]
    assert phase.args is not None and phase.args["encryptionKey"] == "***"
    assert phase.withheld == ["encryptionKey"]
    assert "hunter2-literal" not in plan.model_dump_json()
    same = resources.parse_object(with_key("hunter2-literal"))
    assert isinstance(same, resources.Blueprint)
    assert planning.withheld_values(plan, same) == {"save": {"encryptionKey": "hunter2-literal"}}
    edited = resources.parse_object(with_key("other", version="78"))
    assert isinstance(edited, resources.Blueprint)
    with pytest.raises(planning.PlanError, match=r"has changed since \(now at resourceVersion 78"):
        planning.withheld_values(plan, edited)
    with pytest.raises(planning.PlanError, match=r"\(now gone\)"):
        planning.withheld_values(plan, None)


def test_a_templated_credential_stays_in_the_plan() -> None:
    plan = keyed_plan(with_key("{{ .Secrets.repo.Data.key | toString }}"))
    assert plan.phases[0].withheld == []
    assert plan.phases[0].args == {**with_key("x")["actions"]["backup"]["phases"][0]["args"],
                                   "encryptionKey": "{{ .Secrets.repo.Data.key | toString }}"}


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_args_nested_as_deep_as_the_webhook_refuses_are_refused_by_the_plan() -> None:
    def with_args(depth: int) -> dict[str, Any]:
        phase = {"func": "KubeTask", "name": "deep", "args": {"command": ["true"],
                                                              "podOverride": _nested(depth)}}
        return {**BLUEPRINT, "actions": {"backup": {"phases": [phase]}}}

    assert plan_of(with_args(99)).phases[0].name == "deep"
    with pytest.raises(planning.PlanError, match=r"^Phase deep: argument podOverride is nested "
                                                 r"100 or more levels deep; flatten it$"):
        plan_of(with_args(100))
