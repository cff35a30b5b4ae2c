"""Run one ActionSet: actions in parallel, phases in order, the deferPhase always.

The executor never keeps state of its own: every decision reads the run from the application,
so a resumed run continues exactly where the log says it stopped. Phases are run by
`phases.PhaseRunner`; this module decides which phase comes next and how an action and the run end.
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
    timeouts,
    unexpected,
)
from kes.domain import actionset_events as ev
from kes.domain import params, templates
from kes.functions import base, registry

logger = logging.getLogger(__name__)


class Executor:
    """Drives runs through the application; one instance serves every run of the controller."""

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        controller_namespace: str,
        blueprints: caching.ObjectCache,
        profiles: caching.ObjectCache,
        on_phase_finished: Callable[[str, float], None] | None = None,
    ) -> None:
        self.app = app
        self.api = api
        self.blueprints = blueprints
        self.profiles = profiles
        self.phases = phases.PhaseRunner(
            app=app,
            api=api,
            controller_namespace=controller_namespace,
            on_phase_finished=on_phase_finished or (lambda _function, _seconds: None),
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
            self._finish(run_id, scope=run_scope)
        finally:
            run_scope.close()

    def _finish(self, run_id: UUID, *, scope: cancelling.CancelScope) -> None:
        run = self.app.run(run_id)
        if run.is_terminal:
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
        except Exception as exc:  # a bug or an API outage must still end the action
            unexpected.log(
                logger, "Action %d of run %s stopped unexpectedly.", index, run_id, exc=exc
            )
            run = self.app.run(run_id)
            if run.actions[index].state not in ev.TERMINAL and not run.running_phase_of(index):
                error = f"Internal error: {type(exc).__name__}"
                self.app.fail_action(run_id, action_index=index, error=error)

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
        action_spec: Mapping[str, Any] = run.spec["actions"][index]
        plan = run.actions[index]
        if plan.state == ev.PENDING:
            self.app.start_action(run_id, action_index=index)
        secrets: list[bytes | str] = []
        try:
            blueprint_action = self._blueprint_action(
                namespace=run.namespace,
                blueprint=plan.blueprint,
                action=plan.name,
                kind=str((action_spec.get("object") or {}).get("kind", "")),
            )
            action_params = parameters.for_action(
                self.api, action=action_spec, profiles=self.profiles
            )
            secrets = action_params.secrets
            specs = self._function_specs(blueprint_action, action_spec)
            object_refs = _render_object_refs(blueprint_action, action_params)
        except (
            parameters.ParamsError,
            base.FunctionError,
            errors.ApiError,
            templates.TemplateError,
            LaunchError,
        ) as exc:
            # Kanister's status shows the bare error; the Event adds "Failed to launch Action".
            self.app.fail_action(
                run_id, action_index=index, error=str(exc), secrets=secrets, launching=True
            )
            return
        ctx = phases.ActionContext(
            run_id=run_id,
            index=index,
            run_name=run.name,
            run_namespace=run.namespace,
            uid=run.uid,
            action_spec=action_spec,
            params=action_params,
            specs=specs,
            object_refs=object_refs,
            labels=labels,
        )
        main_ok = True
        for phase_spec in blueprint_action.get("phases") or []:
            phase_name = str(phase_spec.get("name", ""))  # Kanister lets a phase be unnamed
            current = self.app.run(run_id).actions[index].phase(phase_name)
            state = current.state if current else ev.PENDING
            if state == ev.COMPLETE:
                action_params.add_phase(
                    phase_name, params.phase(output=(current.output if current else None))
                )
                continue
            if state == ev.RUNNING and not self.phases.recover_running(
                ctx, phase_spec, defer=False
            ):
                main_ok = False
                break
            if state in (ev.FAILED, ev.INTERRUPTED) or scope.cancelled:
                main_ok = False
                break
            outcome = self.phases.run(ctx, phase_spec, scope=scope, limits=limits, defer=False)
            if not outcome.ok:
                main_ok = False
                break
        defer_ok = self.phases.run_defer(ctx, blueprint_action, scope=scope, limits=limits)
        self._end_action(ctx, blueprint_action, main_ok=main_ok, defer_ok=defer_ok)

    def _end_action(
        self,
        ctx: phases.ActionContext,
        blueprint_action: Mapping[str, Any],
        *,
        main_ok: bool,
        defer_ok: bool,
    ) -> None:
        run = self.app.run(ctx.run_id)
        action = run.actions[ctx.index]
        if action.state in ev.TERMINAL:
            return
        if main_ok and defer_ok:
            artifacts = blueprint_action.get("outputArtifacts") or {}
            if artifacts:
                try:
                    rendered = templates.render_artifacts(artifacts, ctx.params.template)
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

    # --- phases ---------------------------------------------------------------------------

    def _blueprint_action(
        self, *, namespace: str, blueprint: str, action: str, kind: str
    ) -> dict[str, Any]:
        try:
            obj = self.blueprints.get(namespace=namespace, name=blueprint)
        except errors.ApiError as exc:
            raise LaunchError(f"Failed to query blueprint: {exc}") from exc
        found = (obj.get("actions") or {}).get(action)
        if found is None:
            raise LaunchError(
                f"Action {action} for object kind {kind} not found in blueprint {blueprint}"
            )
        return dict(found)

    @staticmethod
    def _function_specs(
        blueprint_action: Mapping[str, Any], action_spec: Mapping[str, Any]
    ) -> dict[str, base.FunctionSpec]:
        version = str(action_spec.get("preferredVersion") or "")
        phases = list(blueprint_action.get("phases") or [])
        if blueprint_action.get("deferPhase"):
            phases.append(blueprint_action["deferPhase"])
        return {
            str(p.get("name", "")): registry.lookup(str(p.get("func", "")), version) for p in phases
        }


class LaunchError(Exception):
    """The action could not start (blueprint missing, action missing)."""


def _render_object_refs(
    blueprint_action: Mapping[str, Any], action_params: parameters.ActionParams
) -> dict[str, dict[str, Any]]:
    """Kanister renders every phase's `objects` up front, before any phase runs."""
    phases = list(blueprint_action.get("phases") or [])
    if blueprint_action.get("deferPhase"):
        phases.append(blueprint_action["deferPhase"])
    rendered: dict[str, dict[str, Any]] = {}
    for phase in phases:
        refs = phase.get("objects")
        if refs:
            rendered[str(phase.get("name", ""))] = templates.render_object_refs(
                refs, action_params.template
            ) or dict(refs)
    return rendered


def _first_error(run: Any) -> str:
    for action in run.actions:
        if action.error:
            return str(action.error)
    return ""
