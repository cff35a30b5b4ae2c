"""Run one ActionSet: actions in parallel, phases in order, the deferPhase always.

Decide, then act (DESIGN rule 2): a phase is recorded as started before its function runs and its
result is recorded after, so a crash in between is visible in the log and resolved on restart
(`resume`). The executor never keeps state of its own: every decision reads the run from the
application, so a resumed run continues exactly where the log says it stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, customresources, errors
from kes.controller import cancelling, parameters
from kes.domain import actionset_events as ev
from kes.domain import params, templates
from kes.functions import base, registry

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 10


@dataclass(frozen=True)
class Timeouts:
    """Seconds; None = no limit. Annotations on the ActionSet override the controller defaults."""

    phase_s: float | None = None
    actionset_s: float | None = None


@dataclass
class _PhaseOutcome:
    ok: bool
    output: dict[str, Any] | None = None
    error: str = ""


class Executor:
    """Drives runs through the application; one instance serves every run of the controller."""

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        controller_namespace: str,
        on_phase_finished: Callable[[str, float], None] | None = None,
    ) -> None:
        self.app = app
        self.api = api
        self.controller_namespace = controller_namespace
        self.on_phase_finished = on_phase_finished or (lambda _function, _seconds: None)

    # --- one run --------------------------------------------------------------------------

    def run(self, run_id: UUID, *, scope: cancelling.CancelScope, timeouts: Timeouts) -> None:
        """Run (or resume) every action of the run and record its terminal state."""
        run_scope = scope.child(timeout_s=timeouts.actionset_s)
        try:
            run = self.app.run(run_id)
            threads = [
                threading.Thread(
                    target=self._run_action_safely,
                    kwargs={"run_id": run_id, "index": i, "scope": run_scope, "timeouts": timeouts},
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
        self, *, run_id: UUID, index: int, scope: cancelling.CancelScope, timeouts: Timeouts
    ) -> None:
        try:
            self._run_action(run_id=run_id, index=index, scope=scope, timeouts=timeouts)
        except Exception as exc:  # a bug or an API outage must still end the action
            logger.exception("Action %d of run %s stopped unexpectedly.", index, run_id)
            run = self.app.run(run_id)
            if run.actions[index].state not in ev.TERMINAL and not run.running_phase_of(index):
                self.app.fail_action(run_id, action_index=index, error=f"Internal error: {exc}")

    # --- one action -----------------------------------------------------------------------

    def _run_action(
        self, *, run_id: UUID, index: int, scope: cancelling.CancelScope, timeouts: Timeouts
    ) -> None:
        run = self.app.run(run_id)
        action_spec: Mapping[str, Any] = run.spec["actions"][index]
        plan = run.actions[index]
        if plan.state == ev.PENDING:
            self.app.start_action(run_id, action_index=index)
        secrets: list[bytes | str] = []
        try:
            blueprint_action = self._blueprint_action(
                namespace=run.namespace, blueprint=plan.blueprint, action=plan.name
            )
            action_params = parameters.for_action(self.api, action=action_spec)
            secrets = action_params.secrets
            specs = self._function_specs(blueprint_action, action_spec)
        except (parameters.ParamsError, base.FunctionError, errors.ApiError, LaunchError) as exc:
            self.app.fail_action(
                run_id,
                action_index=index,
                error=f"Failed to launch Action {run.name}: {exc}",
                secrets=secrets,
            )
            return
        ctx = _ActionContext(
            run_id=run_id,
            index=index,
            run_name=run.name,
            run_namespace=run.namespace,
            uid=run.uid,
            action_spec=action_spec,
            params=action_params,
            specs=specs,
        )
        main_ok = True
        for phase_spec in blueprint_action.get("phases") or []:
            current = self.app.run(run_id).actions[index].phase(phase_spec["name"])
            state = current.state if current else ev.PENDING
            if state == ev.COMPLETE:
                action_params.add_phase(
                    phase_spec["name"], params.phase(output=(current.output if current else None))
                )
                continue
            if state == ev.RUNNING and not self._recover_running_phase(
                ctx, phase_spec, defer=False
            ):
                main_ok = False
                break
            if state in (ev.FAILED, ev.INTERRUPTED) or scope.cancelled:
                main_ok = False
                break
            outcome = self._run_phase(ctx, phase_spec, scope=scope, timeouts=timeouts, defer=False)
            if not outcome.ok:
                main_ok = False
                break
        defer_ok = self._run_defer_phase(ctx, blueprint_action, scope=scope, timeouts=timeouts)
        self._end_action(ctx, blueprint_action, main_ok=main_ok, defer_ok=defer_ok)

    def _end_action(
        self,
        ctx: _ActionContext,
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

    def _recover_running_phase(
        self, ctx: _ActionContext, phase_spec: Mapping[str, Any], *, defer: bool
    ) -> bool:
        """A phase the log shows running but no one runs: the controller died during it.

        An idempotent function is run again (True); any other is recorded as failed, since
        running it twice could do harm (False).
        """
        name = str(phase_spec["name"])
        spec = ctx.specs[name]
        idempotent = registry.is_idempotent(spec, phase_spec.get("args"))
        then = "re-running it, it is idempotent" if idempotent else "not re-run"
        self.app.interrupt_phase(
            ctx.run_id,
            action_index=ctx.index,
            phase_name=name,
            reason=f"The controller stopped while the phase was running; {then}.",
        )
        if not idempotent:
            error = (
                f"Phase {name} was interrupted: the controller stopped while it was running, "
                f"and {spec.name} is not idempotent, so it was not run again"
            )
            self._record_failure(ctx, name=name, error=error, tail=[], defer=defer)
        return idempotent

    def _run_phase(
        self,
        ctx: _ActionContext,
        phase_spec: Mapping[str, Any],
        *,
        scope: cancelling.CancelScope,
        timeouts: Timeouts,
        defer: bool,
    ) -> _PhaseOutcome:
        name = str(phase_spec["name"])
        spec = ctx.specs[name]
        attempt = self._attempt_of(ctx, name)
        try:
            # Kanister renders a phase's `objects` refs (RenderObjectRefs) before fetching them.
            object_refs = phase_spec.get("objects")
            if object_refs:
                object_refs = (
                    templates.render_object_refs(object_refs, ctx.params.template) or object_refs
                )
            phase_struct = parameters.phase_objects(
                self.api, object_refs=object_refs, collected=ctx.params.secrets
            )
            if defer:
                ctx.params.set_defer_phase(phase_struct)
            else:
                ctx.params.add_phase(name, phase_struct)
            raw_args = dict(phase_spec.get("args") or {})
            # Wait/WaitV2 render their own args per poll (Kanister's skipRenderFuncs).
            rendered = (
                raw_args
                if registry.renders_own_args(spec)
                else templates.render_args(raw_args, ctx.params.template)
            )
            args: dict[str, Any] = rendered if isinstance(rendered, dict) else {}
        except (parameters.ParamsError, templates.TemplateError) as exc:
            prefix = (
                "Failed to init phase params: " if isinstance(exc, parameters.ParamsError) else ""
            )
            self._record_start(ctx, name=name, spec=spec, args={}, attempt=attempt, defer=defer)
            return self._record_failure(
                ctx, name=name, error=f"{prefix}{exc}", tail=[], defer=defer
            )
        self._record_start(ctx, name=name, spec=spec, args=args, attempt=attempt, defer=defer)
        phase_scope = scope.child(timeout_s=timeouts.phase_s)
        tail: list[str] = []
        started = time.monotonic()
        try:
            spec.check_args(args)
            if spec.run is None:
                raise base.FunctionError(f"Function {spec.name} is not supported by kes yet")
            function_ctx = base.PhaseContext(
                api=self.api,
                namespace=self.controller_namespace,
                action_set=base.ActionSetRef(
                    name=ctx.run_name,
                    namespace=ctx.run_namespace,
                    uid=ctx.uid,
                ),
                template_params=params.to_plain(ctx.params.template),
                pod_override=ctx.action_spec.get("podOverride"),
                pod_labels=dict(ctx.action_spec.get("podLabels") or {}),
                pod_annotations=dict(ctx.action_spec.get("podAnnotations") or {}),
                cancel=phase_scope.event,
                on_log=lambda line: _keep_tail(tail, line),
            )
            output = spec.run(function_ctx, args)
        except base.FunctionError as exc:
            message = str(exc)
            if phase_scope.cancelled and phase_scope.reason == cancelling.TIMED_OUT:
                message = f"Phase {name} timed out: {message}"
            return self._record_failure(ctx, name=name, error=message, tail=tail, defer=defer)
        except Exception as exc:  # unexpected: record it, keep the controller alive
            logger.exception("Phase %s raised unexpectedly.", name)
            return self._record_failure(ctx, name=name, error=str(exc), tail=tail, defer=defer)
        finally:
            phase_scope.close()
            self.on_phase_finished(spec.name, time.monotonic() - started)
        duration = time.monotonic() - started
        if phase_scope.cancelled and phase_scope.reason == cancelling.TIMED_OUT:
            return self._record_failure(
                ctx, name=name, error=f"Phase {name} timed out", tail=tail, defer=defer
            )
        phase_with_output = params.phase(
            secrets=phase_struct.field("Secrets"),
            config_maps=phase_struct.field("ConfigMaps"),
            output=output,
        )
        if defer:
            ctx.params.set_defer_phase(phase_with_output)
            self.app.complete_defer_phase(
                ctx.run_id,
                action_index=ctx.index,
                output=output,
                duration_s=duration,
                secrets=ctx.params.secrets,
            )
        else:
            ctx.params.add_phase(name, phase_with_output)
            self.app.complete_phase(
                ctx.run_id,
                action_index=ctx.index,
                phase_name=name,
                output=output,
                duration_s=duration,
                secrets=ctx.params.secrets,
            )
        return _PhaseOutcome(ok=True, output=output)

    def _run_defer_phase(
        self,
        ctx: _ActionContext,
        blueprint_action: Mapping[str, Any],
        *,
        scope: cancelling.CancelScope,
        timeouts: Timeouts,
    ) -> bool:
        defer_spec = blueprint_action.get("deferPhase")
        if not defer_spec:
            return True
        current = self.app.run(ctx.run_id).actions[ctx.index].defer_phase
        if current is not None and current.state == ev.COMPLETE:
            return True
        if current is not None and current.state == ev.FAILED:
            return False
        if (
            current is not None
            and current.state == ev.RUNNING
            and not self._recover_running_phase(ctx, defer_spec, defer=True)
        ):
            return False
        # The deferPhase runs even after a cancellation: give it a scope of its own, bounded by
        # the phase timeout only.
        defer_scope = cancelling.CancelScope()
        outcome = self._run_phase(ctx, defer_spec, scope=defer_scope, timeouts=timeouts, defer=True)
        return outcome.ok

    def _attempt_of(self, ctx: _ActionContext, name: str) -> int:
        current = self.app.run(ctx.run_id).actions[ctx.index].phase(name)
        return (current.attempt if current else 0) + 1

    def _record_start(
        self,
        ctx: _ActionContext,
        *,
        name: str,
        spec: registry.FunctionSpec,
        args: dict[str, Any],
        attempt: int,
        defer: bool,
    ) -> None:
        if defer:
            self.app.start_defer_phase(
                ctx.run_id,
                action_index=ctx.index,
                function=spec.name,
                args=args,
                attempt=attempt,
                secrets=ctx.params.secrets,
            )
        else:
            self.app.start_phase(
                ctx.run_id,
                action_index=ctx.index,
                phase_name=name,
                function=spec.name,
                args=args,
                attempt=attempt,
                secrets=ctx.params.secrets,
            )

    def _record_failure(
        self, ctx: _ActionContext, *, name: str, error: str, tail: list[str], defer: bool
    ) -> _PhaseOutcome:
        if defer:
            self.app.fail_defer_phase(
                ctx.run_id,
                action_index=ctx.index,
                error=error,
                log_tail=tail,
                secrets=ctx.params.secrets,
            )
        else:
            self.app.fail_phase(
                ctx.run_id,
                action_index=ctx.index,
                phase_name=name,
                error=error,
                log_tail=tail,
                secrets=ctx.params.secrets,
            )
        return _PhaseOutcome(ok=False, error=error)

    # --- lookups --------------------------------------------------------------------------

    def _blueprint_action(self, *, namespace: str, blueprint: str, action: str) -> dict[str, Any]:
        try:
            obj = customresources.get(
                self.api, resource="blueprints", namespace=namespace, name=blueprint
            )
        except errors.ApiError as exc:
            raise LaunchError(f"Failed to query blueprint: {exc}") from exc
        found = (obj.get("actions") or {}).get(action)
        if found is None:
            raise LaunchError(
                f"Action {action} for object kind  not found in blueprint {blueprint}"
            )
        return dict(found)

    @staticmethod
    def _function_specs(
        blueprint_action: Mapping[str, Any], action_spec: Mapping[str, Any]
    ) -> dict[str, registry.FunctionSpec]:
        version = str(action_spec.get("preferredVersion") or "")
        phases = list(blueprint_action.get("phases") or [])
        if blueprint_action.get("deferPhase"):
            phases.append(blueprint_action["deferPhase"])
        return {p["name"]: registry.lookup(str(p.get("func", "")), version) for p in phases}


class LaunchError(Exception):
    """The action could not start (blueprint missing, action missing)."""


@dataclass
class _ActionContext:
    run_id: UUID
    index: int
    run_name: str
    run_namespace: str
    uid: str
    action_spec: Mapping[str, Any]
    params: parameters.ActionParams
    specs: dict[str, registry.FunctionSpec]


def _keep_tail(tail: list[str], line: str) -> None:
    tail.append(line)
    del tail[:-LOG_TAIL_LINES]


def _first_error(run: Any) -> str:
    for action in run.actions:
        if action.error:
            return str(action.error)
    return ""
