"""What a run will do, decided once: the plan recorded in ``ActionSetAccepted``.

:func:`action_plan` turns one ActionSet action and the Blueprint it names into the plan the
executor follows for good (every phase's body, the deferPhase flagged, the Blueprint's uid and
resourceVersion). :func:`retry_plan` plans a retry of a failed run (Temporal's reset, which
Kanister lacks): the phases that completed are not run again, their recorded outputs are reused,
and the rest runs, from the parent's recorded plan or from the Blueprint as it is now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kes.domain import actionset, events, masking, resources
from kes.domain import actionset_events as ev
from kes.domain.templates import rendering

# Annotations of a retry ActionSet (set by `kes actionset retry`; read by the controller).
RETRY_OF = "kes.io/retry-of"
RETRY_OF_UID = "kes.io/retry-of-uid"
RETRY_FROM_PHASE = "kes.io/retry-from-phase"
RETRY_WITH_CURRENT_BLUEPRINT = "kes.io/retry-with-current-blueprint"


class PlanError(events.DomainError):
    """The Blueprint action cannot be planned (Kanister's wording where it has one)."""


class RetryRefusedError(events.DomainError):
    """A retry that cannot continue its parent as asked; the message says what to do."""


def _plain(model: Any) -> dict[str, Any]:
    """A nested model as the Blueprint wrote it (Kanister's names, only the fields set)."""
    plain: dict[str, Any] = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return plain


def _no_secret_args(_function: str) -> Sequence[str]:
    return ()


def _phase_plan(
    phase: resources.BlueprintPhase, *, defer: bool, secret_args: Sequence[str]
) -> ev.PhasePlan:
    args = dict(phase.args)
    for name, value in args.items():
        # The webhook refuses this too; without it, the phase would fail only when rendered.
        if rendering.args_depth(value) >= rendering.MAX_ARGS_DEPTH:
            raise PlanError(f"Phase {phase.name}: argument {name} is nested "
                            f"{rendering.MAX_ARGS_DEPTH} or more levels deep; flatten it")
    withheld = []
    for name in secret_args:
        value = args.get(name)
        if value not in (None, "") and not is_template(value):
            args[name] = masking.MASK  # a literal credential stays out of the log
            withheld.append(name)
    return ev.PhasePlan(
        name=phase.name,
        function=phase.func,
        args=args,
        objects={key: _plain(ref) for key, ref in phase.objects.items()},
        defer=defer,
        withheld=withheld,
    )


def is_template(value: Any) -> bool:
    """Whether a value is a template (rendered at run time) rather than a literal."""
    return isinstance(value, str) and "{{" in value


def action_plan(
    *, action: resources.ActionSpec, blueprint: resources.Blueprint,
    blueprint_action: resources.BlueprintAction,
    secret_args: Callable[[str], Sequence[str]] = _no_secret_args,
) -> ev.ActionPlan:
    """The plan of one action: its Blueprint action's phases, then its deferPhase.

    ``secret_args(function)`` names a function's args whose values are credentials: a literal
    value there is withheld from the plan (see ``PhasePlan.withheld``).
    """
    phases = [_phase_plan(p, defer=False, secret_args=secret_args(p.func))
              for p in blueprint_action.phases]
    if blueprint_action.defer_phase is not None:
        defer = blueprint_action.defer_phase
        phases.append(_phase_plan(defer, defer=True, secret_args=secret_args(defer.func)))
    seen: set[str] = set()
    for phase in phases:
        if phase.name in seen:  # phases are named in events and in .Phases: names must differ
            raise PlanError(
                f"Duplicated phase name is not allowed. Violating phase '{phase.name}'"
            )
        seen.add(phase.name)
    return ev.ActionPlan(
        name=action.name,
        object=resources.to_object(action.object),
        blueprint=action.blueprint,
        blueprint_uid=blueprint.metadata.uid or "",
        blueprint_resource_version=blueprint.metadata.resource_version or "",
        phases=phases,
        artifacts={k: _plain(v) for k, v in blueprint_action.output_artifacts.items()},
    )


def withheld_values(
    plan: ev.ActionPlan, blueprint: resources.Blueprint | None
) -> dict[str, dict[str, Any]]:
    """phase name → {arg: value} of the literal credentials the plan withheld, read back from
    the Blueprint as it was accepted; ``PlanError`` (saying what to do) when it changed."""
    wanted = {p.name: p for p in plan.phases if p.withheld}
    if not wanted:
        return {}
    meta = blueprint.metadata if blueprint is not None else None
    same = meta is not None and (meta.uid, meta.resource_version) == (
        plan.blueprint_uid, plan.blueprint_resource_version)
    if not same:
        phase = next(iter(wanted.values()))
        now = f"now at resourceVersion {meta.resource_version}" if meta else "now gone"
        raise PlanError(
            f'Phase "{phase.name}" takes {", ".join(phase.withheld)} as a literal from Blueprint '
            f'"{plan.blueprint}"; kes keeps such values out of the event log and reads them back '
            f"from the Blueprint as accepted (resourceVersion {plan.blueprint_resource_version}), "
            f"which has changed since ({now}). Put the value in a Secret and refer to it with a "
            "template, or create the ActionSet again."
        )
    assert blueprint is not None
    action = blueprint.actions.get(plan.name)
    phases = {p.name: p for p in (blueprint.phases_of(plan.name) if action else [])}
    return {
        name: {arg: phases[name].args.get(arg) for arg in phase.withheld}
        for name, phase in wanted.items() if name in phases
    }


def check_retryable(parent: actionset.ActionSetRun) -> None:
    """A retry continues a run that failed after it started; anything else is refused."""
    if parent.rejection_reason:
        raise RetryRefusedError(
            f'ActionSet "{parent.name}" was rejected ({parent.error}); nothing ran to '
            "continue from. Fix it and create it again."
        )
    if parent.state != ev.FAILED:
        raise RetryRefusedError(
            f'ActionSet "{parent.name}" is {parent.state}, not failed: only a failed run '
            "can be retried."
        )
    for action in parent.actions:
        if not action.plan.recorded:
            raise RetryRefusedError(
                f'ActionSet "{parent.name}" was run by a kes that did not record its phases; '
                "create a new ActionSet instead."
            )


def _start_index(
    parent: actionset.ActionSetRun, index: int, from_phase: str | None
) -> tuple[int, bool]:
    """(position of the first phase run again, whether `from_phase` is in this action)."""
    action = parent.actions[index]
    main = action.phases
    first_unfinished = next(
        (i for i, p in enumerate(main) if p.state != ev.COMPLETE), len(main)
    )
    names = [p.name for p in main] + ([action.defer_phase.name] if action.defer_phase else [])
    if not from_phase or from_phase not in names:
        return first_unfinished, False
    wanted = names.index(from_phase)
    if wanted > first_unfinished:
        failed = main[first_unfinished].name
        raise RetryRefusedError(
            f'Phase "{from_phase}" comes after phase "{failed}", which did not complete in '
            f'ActionSet "{parent.name}"; retry from "{failed}" or an earlier phase.'
        )
    return wanted, True


def _current_plan(
    parent: actionset.ActionSetRun, index: int, start: int, current: ev.ActionPlan
) -> ev.ActionPlan:
    """The Blueprint's plan as it is now, refused when a phase whose output is reused changed."""
    recorded = parent.actions[index].plan
    recorded_main = [p for p in recorded.phases if not p.defer]
    now_main = [p for p in current.phases if not p.defer]
    for position, phase in enumerate(recorded_main[:start]):
        now = now_main[position] if position < len(now_main) else None
        if now is None or now.name != phase.name or now.body() != phase.body():
            raise RetryRefusedError(
                f'Phase "{phase.name}" of action "{recorded.name}" changed in Blueprint '
                f'"{current.blueprint}" since ActionSet "{parent.name}" ran it, so its output '
                "cannot be reused. Retry without --with-current-blueprint (the recorded plan), "
                f'or with --from-phase "{recorded_main[0].name}".'
            )
    return current


def retry_plan(
    parent: actionset.ActionSetRun,
    *,
    from_phase: str | None = None,
    current: Sequence[ev.ActionPlan] | None = None,
) -> tuple[list[ev.ActionPlan], ev.RetryOrigin]:
    """The plan of a retry of `parent` and the origin its log starts with.

    Each action starts again at its first phase that did not complete (or at `from_phase` in
    the action that has it); the phases before are reused with their recorded outputs; the
    deferPhase runs once at the end. `current`, one plan per action built from the Blueprint
    as it is now, replaces the recorded plan (`--with-current-blueprint`).
    """
    check_retryable(parent)
    if current is not None and len(current) != len(parent.actions):
        raise RetryRefusedError(
            f'ActionSet "{parent.name}" had {len(parent.actions)} actions; the retry has '
            f"{len(current)}."
        )
    plans: list[ev.ActionPlan] = []
    starts: list[str] = []
    reused: list[ev.ReusedPhase] = []
    found = False
    for index, action in enumerate(parent.actions):
        start, here = _start_index(parent, index, from_phase)
        found = found or here
        plan = action.plan if current is None else _current_plan(
            parent, index, start, current[index]
        )
        plans.append(plan)
        main = action.phases
        starts.append(main[start].name if start < len(main) else "")
        reused.extend(
            ev.ReusedPhase(action_index=index, phase_name=p.name, output=p.output)
            for p in main[:start]
        )
    if from_phase and not found:
        known = ", ".join(f'"{p.name}"' for a in parent.actions for p in a.steps)
        raise RetryRefusedError(
            f'ActionSet "{parent.name}" has no phase "{from_phase}" (phases: {known}).'
        )
    origin = ev.RetryOrigin(
        run_id=str(parent.id), name=parent.name, namespace=parent.namespace, uid=parent.uid,
        start_phases=starts, reused=reused, with_current_blueprint=current is not None,
    )
    return plans, origin


def retry_request(annotations: dict[str, Any] | None) -> tuple[str, str | None, bool] | None:
    """(parent uid, from phase, with current blueprint) when the ActionSet is a retry."""
    annotations = annotations or {}
    uid = str(annotations.get(RETRY_OF_UID) or "")
    if not uid:
        return None
    from_phase = str(annotations.get(RETRY_FROM_PHASE) or "") or None
    current = str(annotations.get(RETRY_WITH_CURRENT_BLUEPRINT) or "").lower() == "true"
    return uid, from_phase, current
