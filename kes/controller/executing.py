"""Run one ActionSet: actions in parallel, each by the plan its run recorded at acceptance.

The executor keeps no state of its own and never reads the Blueprint: for each action it asks
the run (`ActionSetRun.next_step`) what comes next — recover a phase a crash left running, run
the next phase or the deferPhase, or finish the action — does it, and asks again. So a run
resumed after a restart, or after its Blueprint was edited, continues exactly where the log
says it stopped, with the phases the log says it has. Phases are run by `phases.PhaseRunner`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, errors
from kes.controller import (
    caching,
    cancelling,
    logcontext,
    parameters,
    phases,
    progressing,
    timeouts,
    unexpected,
)
from kes.domain import actionset, params, planning, resources, templates
from kes.domain import actionset_events as ev
from kes.functions import base, registry

logger = logging.getLogger(__name__)

NOT_RECORDED = (
    "This run was accepted by an earlier kes that did not record its phases, so it cannot be "
    "resumed; create the ActionSet again"
)


class Executor:
    """Drives runs through the application; one instance serves every run of the controller."""

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        controller_namespace: str,
        profiles: caching.ObjectCache,
        blueprints: caching.ObjectCache,
        progress_interval_s: float = progressing.DEFAULT_INTERVAL_S,
        on_not_leader: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.app = app
        self.api = api
        # Told when the log refused a write because this replica no longer leads.
        self.on_not_leader = on_not_leader
        self.profiles = profiles
        self.blueprints = blueprints
        self.phases = phases.PhaseRunner(
            app=app,
            api=api,
            controller_namespace=controller_namespace,
            progress_interval_s=progress_interval_s,
        )

    # --- one run --------------------------------------------------------------------------

    def run(
        self,
        run_id: UUID,
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """`_run` with the run's namespace and name on every log line (logcontext), and its
        start and end said at info level."""
        run = self.app.run(run_id)
        with logcontext.bound(namespace=run.namespace, actionset=run.name):
            logger.info("ActionSet %s/%s started: %d action(s).", run.namespace, run.name,
                        len(run.actions))
            try:
                self._run(run_id, scope=scope, limits=limits, labels=labels)
            finally:
                if scope.reason in cancelling.UNRECORDED:
                    logger.info("ActionSet %s/%s stopped here (%s); the log resumes it.",
                                run.namespace, run.name, scope.reason)
                else:
                    state = self.app.run(run_id).state
                    logger.info("ActionSet %s/%s ended: %s.", run.namespace, run.name, state)

    def _run(
        self,
        run_id: UUID,
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        """Run (or resume) every action of the run and record its terminal state.

        `labels` are the ActionSet's; pods get its `kanister.io/JobID`, as in Kanister.
        """
        run_scope = scope.child(
            timeout_s=limits.actionset_s, timeout_reason=cancelling.ACTIONSET_TIMED_OUT
        )
        try:
            run = self.app.run(run_id)
            threads = [
                threading.Thread(
                    target=logcontext.thread_target(self._run_action_safely, action=action.name),
                    kwargs={
                        "run_id": run_id,
                        "index": i,
                        "scope": run_scope,
                        "limits": limits,
                        "labels": dict(labels or {}),
                    },
                    name=f"action-{run.name}-{i}",
                    daemon=True,
                )
                for i, action in enumerate(run.actions)
                if action.state not in ev.TERMINAL
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if run_scope.reason not in cancelling.UNRECORDED:
                self._finish(run_id, scope=run_scope)
        finally:
            run_scope.close()

    def _finish(self, run_id: UUID, *, scope: cancelling.CancelScope) -> None:
        run = self.app.run(run_id)
        if run.is_terminal or run.running_phases():
            return
        if run.cancel_requested or scope.reason == cancelling.DELETED:
            if not run.cancel_requested:
                self.app.request_cancel(run_id, reason="ActionSet deleted")
            self.app.cancel_run(run_id)
        elif all(action.state == ev.COMPLETE for action in run.actions):
            self.app.complete_run(run_id)
        else:
            self.app.fail_run(run_id, error=run.error or _first_error(run))

    def _run_action_safely(
        self,
        *,
        run_id: UUID,
        index: int,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        labels: Mapping[str, str],
    ) -> None:
        try:
            self._run_action(run_id=run_id, index=index, scope=scope, limits=limits, labels=labels)
        except application.NotLeaderError as exc:
            # Another replica owns the run now: record nothing more, not even the failure.
            logger.warning("Action %d of run %s stopped: %s", index, run_id, exc)
            self.on_not_leader(str(exc))
        except Exception as exc:  # a bug or an API outage must still end the action
            unexpected.log(
                logger, "Action %d of run %s stopped unexpectedly.", index, run_id, exc=exc
            )
            run = self.app.run(run_id)
            if run.actions[index].state not in ev.TERMINAL and not run.running_phase_of(index):
                error = f"Internal error: {type(exc).__name__}"
                try:
                    self.app.fail_action(run_id, action_index=index, error=error)
                except application.NotLeaderError as refused:
                    self.on_not_leader(str(refused))

    # --- one action -----------------------------------------------------------------------

    def _run_action(
        self,
        *,
        run_id: UUID,
        index: int,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        labels: Mapping[str, str],
    ) -> None:
        run = self.app.run(run_id)
        if run.next_step(index).kind == actionset.START_ACTION:
            self.app.start_action(run_id, action_index=index)
            run = self.app.run(run_id)
        action = run.actions[index]
        if action.state != ev.RUNNING:
            return
        ctx = self._launch(run, index, labels=labels)
        if ctx is None:
            return
        # The deferPhase runs even after a cancellation or a timeout, bounded by the phase
        # timeout only; it stops with the controller (and runs again after the restart).
        defer_scope = scope.detached()
        while True:
            step = self.app.run(run_id).next_step(index)
            if step.kind == actionset.RECOVER:
                self.phases.recover(ctx, step)
            elif step.kind == actionset.RUN:
                assert step.phase is not None
                outcome = self.phases.run(
                    ctx, step, scope=defer_scope if step.phase.defer else scope, limits=limits
                )
                if outcome.stopped:
                    return
            elif step.kind == actionset.FINISH:
                self._end_action(ctx, succeeded=step.succeeded)
                return
            else:
                return

    def _launch(
        self, run: actionset.ActionSetRun, index: int, *, labels: Mapping[str, str]
    ) -> phases.ActionContext | None:
        """Kanister's action launch: params, functions and object refs, or the action fails."""
        action = run.actions[index]
        action_spec: Mapping[str, Any] = run.spec["actions"][index]
        if not action.plan.recorded:
            self.app.fail_action(run.id, action_index=index, error=NOT_RECORDED, launching=True)
            return None
        secrets: list[bytes | str] = []
        try:
            action_params = parameters.for_action(
                self.api, action=action_spec, profiles=self.profiles
            )
            secrets = action_params.secrets
            version = str(action_spec.get("preferredVersion") or "")
            specs = {p.name: registry.lookup(p.function, version) for p in action.plan.phases}
            object_refs = _render_object_refs(action.plan, action_params)
            withheld = self._withheld(run.namespace, action.plan)
        except (
            parameters.ParamsError,
            base.FunctionError,
            errors.ApiError,
            templates.TemplateError,
            planning.PlanError,
        ) as exc:
            # Kanister's status shows the bare error; the Event adds "Failed to launch Action".
            self.app.fail_action(
                run.id, action_index=index, error=str(exc), secrets=secrets, launching=True
            )
            return None
        for phase in action.steps:  # outputs of phases already complete (resumed or reused)
            if phase.state == ev.COMPLETE:
                phase_struct = params.phase(output=phase.output)
                if phase.defer:
                    action_params.set_defer_phase(phase_struct)
                else:
                    action_params.add_phase(phase.name, phase_struct)
        return phases.ActionContext(
            run_id=run.id,
            index=index,
            run_name=run.name,
            run_namespace=run.namespace,
            uid=run.uid,
            action_spec=action_spec,
            params=action_params,
            specs=specs,
            object_refs=object_refs,
            labels=labels,
            withheld=withheld,
        )

    def _withheld(self, namespace: str, plan: ev.ActionPlan) -> dict[str, dict[str, Any]]:
        """The literal credentials the plan kept out of the log, from its Blueprint as accepted:
        the one case where a run reads its Blueprint again, and only that exact version."""
        if not any(p.withheld for p in plan.phases):
            return {}
        try:
            found = self.blueprints.get(namespace=namespace, name=plan.blueprint)
        except errors.ApiNotFoundError:
            found = None
        parsed = resources.parse_object(found) if found is not None else None
        blueprint = parsed if isinstance(parsed, resources.Blueprint) else None
        return planning.withheld_values(plan, blueprint)

    def _end_action(self, ctx: phases.ActionContext, *, succeeded: bool) -> None:
        run = self.app.run(ctx.run_id)
        action = run.actions[ctx.index]
        if succeeded:
            if action.artifacts:
                try:
                    rendered = templates.render_artifacts(action.artifacts, ctx.params.template)
                except templates.TemplateError as exc:
                    self.app.fail_action(
                        ctx.run_id,
                        action_index=ctx.index,
                        error=f"Failed to render output artifacts: {exc}",
                        secrets=ctx.params.secrets,
                    )
                    return
                self.app.render_artifacts(
                    ctx.run_id,
                    action_index=ctx.index,
                    artifacts=rendered,
                    secrets=ctx.params.secrets,
                )
            self.app.complete_action(ctx.run_id, action_index=ctx.index)
            return
        error = action.error or _first_error(run)
        self.app.fail_action(
            ctx.run_id,
            action_index=ctx.index,
            error=error or "Action failed",
            secrets=ctx.params.secrets,
        )


def _render_object_refs(
    plan: ev.ActionPlan, action_params: parameters.ActionParams
) -> dict[str, dict[str, Any]]:
    """Kanister renders every phase's `objects` up front, before any phase runs."""
    rendered: dict[str, dict[str, Any]] = {}
    for phase in plan.phases:
        if phase.objects:
            rendered[phase.name] = templates.render_object_refs(
                phase.objects, action_params.template
            ) or dict(phase.objects)
    return rendered


def _first_error(run: Any) -> str:
    for action in run.actions:
        if action.error:
            return str(action.error)
    return ""
