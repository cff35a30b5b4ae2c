"""Run one phase of the recorded plan: record it started, run its function, record the end.

Decide, then act (DESIGN rule 3): the start is in the log before the function runs, so a
controller that dies during a phase finds it started but not ended. `recover` resolves that
case: the deferPhase always runs again (it is the cleanup Kanister promises), an idempotent
function runs again, any other is recorded as failed. The deferPhase is a phase like the others
(one path, one set of events); only its params slot (`.DeferPhase`) and its cancellation differ.
Secret values that went into the params are masked by the application before anything is
recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, sweeping
from kes.controller import (
    cancelling,
    logcontext,
    parameters,
    progressing,
    timeouts,
    unexpected,
)
from kes.domain import actionset, durations, masking, params, templates
from kes.domain import actionset_events as ev
from kes.functions import base, podspec, registry

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 10


@dataclass
class ActionContext:
    """One action of a run, as its phases need it."""

    run_id: UUID
    index: int
    run_name: str
    run_namespace: str
    uid: str
    action_spec: Mapping[str, Any]
    params: parameters.ActionParams
    specs: dict[str, base.FunctionSpec]
    object_refs: dict[str, dict[str, Any]]
    labels: Mapping[str, str]
    # phase → {arg: value} of literal credentials the plan withheld from the log
    withheld: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class PhaseOutcome:
    ok: bool
    output: dict[str, Any] | None = None
    error: str = ""
    stopped: bool = False  # the controller is stopping: nothing was recorded


class PhaseRunner:
    """Runs phases through the application; holds no state of a run."""

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        controller_namespace: str,
        progress_interval_s: float = progressing.DEFAULT_INTERVAL_S,
    ) -> None:
        self.app = app
        self.api = api
        self.controller_namespace = controller_namespace
        self.progress_interval_s = progress_interval_s
        # Every pod of a phase goes when the phase ends, whatever happened (retried until gone).
        self.sweeper = sweeping.PodSweeper(api)

    def recover(self, ctx: ActionContext, step: actionset.Step) -> None:
        """A phase the log shows running but no one runs: the controller died during it."""
        assert step.phase is not None
        plan = step.phase
        spec = ctx.specs[plan.name]
        idempotent = registry.is_idempotent(spec, plan.args)
        # The pods the lost attempt started would run on, unwatched: delete them first.
        for pod in self.sweeper.sweep(podspec.phase_selector(uid=ctx.uid, phase=plan.name)):
            logger.info("Deleted pod %s left by the interrupted phase %s.", pod, plan.name)
        if plan.defer:
            then = "running it again, a deferPhase always runs"
        else:
            then = "re-running it, it is idempotent" if idempotent else "not re-run"
        self.app.interrupt_phase(
            ctx.run_id,
            action_index=ctx.index,
            phase_name=plan.name,
            reason=f"The controller stopped while the phase was running; {then}.",
            rerun=plan.defer or idempotent,
            error=(
                f"Phase {plan.name} was interrupted: the controller stopped while it was "
                f"running, and {spec.name} is not idempotent, so it was not run again"
            ),
        )

    def run(
        self,
        ctx: ActionContext,
        step: actionset.Step,
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
    ) -> PhaseOutcome:
        """`_run` with the phase on every log line (logcontext), its start and end said."""
        assert step.phase is not None
        name = step.phase.name
        kind = "deferPhase" if step.phase.defer else "Phase"
        with logcontext.bound(phase=name):
            logger.info("%s %s started (%s).", kind, name, step.phase.function)
            outcome = self._run(ctx, step, scope=scope, limits=limits)
            if outcome.ok:
                logger.info("%s %s completed.", kind, name)
            elif not outcome.stopped:
                logger.info("%s %s failed: %s", kind, name, outcome.error)
        return outcome

    def _run(
        self,
        ctx: ActionContext,
        step: actionset.Step,
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
    ) -> PhaseOutcome:
        assert step.phase is not None
        plan = step.phase
        name = plan.name
        spec = ctx.specs[name]
        try:
            phase_struct = parameters.phase_objects(
                self.api, object_refs=ctx.object_refs.get(name), collected=ctx.params.secrets
            )
            self._set_params(ctx, plan, phase_struct)
            raw_args = {**(plan.args or {}), **ctx.withheld.get(name, {})}
            # Wait/WaitV2 render their own args per poll (Kanister's skipRenderFuncs).
            rendered = (
                raw_args
                if registry.renders_own_args(spec)
                else templates.render_args(raw_args, ctx.params.template)
            )
            args: dict[str, Any] = rendered if isinstance(rendered, dict) else {}
            # A credential passed as a literal arg is masked like Secret data.
            ctx.params.secrets.extend(spec.secret_values(args))
        except (parameters.ParamsError, templates.TemplateError) as exc:
            prefix = (
                "Failed to init phase params: " if isinstance(exc, parameters.ParamsError) else ""
            )
            self._record_start(ctx, name=name, spec=spec, args={}, attempt=step.attempt)
            return self.record_failure(
                ctx, name=name, error=f"{prefix}{exc}", tail=[], attempt=step.attempt
            )
        self._record_start(ctx, name=name, spec=spec, args=args, attempt=step.attempt)
        phase_scope = scope.child(timeout_s=limits.phase_s)
        tail: list[str] = []
        started = time.monotonic()
        progress = progressing.PhaseProgress(
            app=self.app, run_id=ctx.run_id, action_index=ctx.index, phase_name=name,
            attempt=step.attempt, interval_s=self.progress_interval_s,
        )
        progress.start()
        try:
            if spec.run is None:
                raise base.FunctionError(f"Function {spec.name} is not supported by kes yet")
            output = spec.run(self._function_context(ctx, name, phase_scope, tail, progress), args)
        except base.FunctionError as exc:
            progress.stop()
            return self._failed(ctx, name=name, scope=phase_scope, limits=limits, tail=tail,
                                error=str(exc), attempt=step.attempt)
        except Exception as exc:  # unexpected: record it, keep the controller alive
            progress.stop()
            unexpected.log(logger, "Phase %s raised unexpectedly.", name, exc=exc)
            return self._failed(ctx, name=name, scope=phase_scope, limits=limits, tail=tail,
                                error=str(exc), attempt=step.attempt)
        finally:
            progress.stop()
            phase_scope.close()
            if spec.creates_pods and ctx.uid:
                self.sweeper.sweep(podspec.phase_selector(uid=ctx.uid, phase=name))
        duration = time.monotonic() - started
        if phase_scope.reason in (cancelling.TIMED_OUT, cancelling.ACTIONSET_TIMED_OUT):
            return self._failed(ctx, name=name, scope=phase_scope, limits=limits, tail=tail,
                                error="context canceled", attempt=step.attempt)
        self._set_params(ctx, plan, params.phase(
            secrets=phase_struct.field("Secrets"),
            config_maps=phase_struct.field("ConfigMaps"),
            output=output,
        ))
        self.app.complete_phase(
            ctx.run_id,
            action_index=ctx.index,
            phase_name=name,
            output=output,
            duration_s=duration,
            secrets=ctx.params.secrets,
            attempt=step.attempt,
        )
        return PhaseOutcome(ok=True, output=output)

    def _function_context(
        self, ctx: ActionContext, name: str, scope: cancelling.CancelScope, tail: list[str],
        progress: progressing.PhaseProgress,
    ) -> base.PhaseContext:
        return base.PhaseContext(
            api=self.api,
            namespace=self.controller_namespace,
            action_set=base.ActionSetRef(
                name=ctx.run_name, namespace=ctx.run_namespace, uid=ctx.uid, labels=ctx.labels,
            ),
            template_params=params.to_plain(ctx.params.template),
            pod_override=ctx.action_spec.get("podOverride"),
            pod_labels=dict(ctx.action_spec.get("podLabels") or {}),
            pod_annotations=dict(ctx.action_spec.get("podAnnotations") or {}),
            cancel=scope.event,
            phase=name,
            on_log=lambda line: _keep_tail(tail, line),
            on_progress=progress.report,
        )

    @staticmethod
    def _set_params(ctx: ActionContext, plan: ev.PhasePlan, phase: Any) -> None:
        if plan.defer:
            ctx.params.set_defer_phase(phase)
        else:
            ctx.params.add_phase(plan.name, phase)

    def _record_start(
        self, ctx: ActionContext, *, name: str, spec: base.FunctionSpec, args: dict[str, Any],
        attempt: int,
    ) -> None:
        self.app.start_phase(
            ctx.run_id,
            action_index=ctx.index,
            phase_name=name,
            function=spec.name,
            args=args,
            attempt=attempt,
            secrets=ctx.params.secrets,
        )

    def _failed(
        self,
        ctx: ActionContext,
        *,
        name: str,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        tail: list[str],
        error: str,
        attempt: int,
    ) -> PhaseOutcome:
        """Record how the function ended badly: a timeout has its own event (Kanister has
        none; the status shows a failure); a controller that stops or stops leading records
        nothing (the run is resumed from the log, by this controller or the next leader)."""
        if scope.reason in cancelling.UNRECORDED:
            return PhaseOutcome(ok=False, error=error, stopped=True)
        if scope.reason not in (cancelling.TIMED_OUT, cancelling.ACTIONSET_TIMED_OUT):
            return self.record_failure(ctx, name=name, error=error, tail=tail, attempt=attempt)
        if scope.reason == cancelling.TIMED_OUT:
            limit = limits.phase_s or 0.0
            error = f"Phase {name} timed out after {durations.format_seconds(limit)}"
        else:
            limit = limits.actionset_s or 0.0
            error = (
                f"ActionSet {ctx.run_name} timed out after {durations.format_seconds(limit)} "
                f"in phase {name}"
            )
        self.app.time_out_phase(
            ctx.run_id, action_index=ctx.index, phase_name=name, timeout_s=limit, error=error,
            attempt=attempt,
        )
        return PhaseOutcome(ok=False, error=error)

    def record_failure(
        self, ctx: ActionContext, *, name: str, error: str, tail: list[str],
        attempt: int | None = None,
    ) -> PhaseOutcome:
        self.app.fail_phase(
            ctx.run_id,
            action_index=ctx.index,
            phase_name=name,
            error=error,
            log_tail=tail,
            secrets=ctx.params.secrets,
            attempt=attempt,
        )
        # The outcome's error is logged ("Phase x failed: …"): masked like the recorded one.
        return PhaseOutcome(ok=False, error=masking.mask(error, secrets=ctx.params.secrets))


def _keep_tail(tail: list[str], line: str) -> None:
    tail.append(line)
    del tail[:-LOG_TAIL_LINES]
