"""Run one phase: record it started, run its Kanister function, record how it ended.

Decide, then act (DESIGN rule 2): the start is in the log before the function runs, so a
controller that dies during a phase finds it started but not ended. `recover_running` resolves
that case: an idempotent function runs again, any other is recorded as failed. Secret values
that went into the params are masked by the application before anything is recorded.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, errors, pods
from kes.controller import cancelling, logcontext, parameters, timeouts, unexpected
from kes.domain import actionset_events as ev
from kes.domain import durations, masking, params, templates
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


@dataclass
class PhaseOutcome:
    ok: bool
    output: dict[str, Any] | None = None
    error: str = ""


class PhaseRunner:
    """Runs phases through the application; holds no state of a run."""

    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        controller_namespace: str,
        on_phase_finished: Callable[[str, float], None],
    ) -> None:
        self.app = app
        self.api = api
        self.controller_namespace = controller_namespace
        self.on_phase_finished = on_phase_finished

    def recover_running(
        self, ctx: ActionContext, phase_spec: Mapping[str, Any], *, defer: bool
    ) -> bool:
        """A phase the log shows running but no one runs: the controller died during it.

        An idempotent function is run again (True); any other is recorded as failed, since
        running it twice could do harm (False).
        """
        name = str(phase_spec.get("name", ""))
        spec = ctx.specs[name]
        idempotent = registry.is_idempotent(spec, phase_spec.get("args"))
        # The pods the lost attempt started would run on, unwatched: delete them first.
        with contextlib.suppress(errors.ApiError):
            for pod in pods.delete_labelled(
                self.api, label_selector=podspec.phase_selector(uid=ctx.uid, phase=name)
            ):
                logger.info("Deleted pod %s left by the interrupted phase %s.", pod, name)
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
            self.record_failure(ctx, name=name, error=error, tail=[], defer=defer)
        return idempotent

    def run(
        self,
        ctx: ActionContext,
        phase_spec: Mapping[str, Any],
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        defer: bool,
    ) -> PhaseOutcome:
        """`_run` with the phase on every log line (logcontext), its start and end said."""
        name = str(phase_spec.get("name", ""))
        kind = "deferPhase" if defer else "Phase"
        with logcontext.bound(phase=name):
            logger.info("%s %s started (%s).", kind, name, phase_spec.get("func", ""))
            outcome = self._run(ctx, phase_spec, scope=scope, limits=limits, defer=defer)
            if outcome.ok:
                logger.info("%s %s completed.", kind, name)
            else:
                logger.info("%s %s failed: %s", kind, name, outcome.error)
        return outcome

    def _run(
        self,
        ctx: ActionContext,
        phase_spec: Mapping[str, Any],
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        defer: bool,
    ) -> PhaseOutcome:
        name = str(phase_spec.get("name", ""))
        spec = ctx.specs[name]
        attempt = self._attempt_of(ctx, name)
        try:
            phase_struct = parameters.phase_objects(
                self.api, object_refs=ctx.object_refs.get(name), collected=ctx.params.secrets
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
            return self.record_failure(ctx, name=name, error=f"{prefix}{exc}", tail=[], defer=defer)
        self._record_start(ctx, name=name, spec=spec, args=args, attempt=attempt, defer=defer)
        phase_scope = scope.child(timeout_s=limits.phase_s)
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
                    labels=ctx.labels,
                ),
                template_params=params.to_plain(ctx.params.template),
                pod_override=ctx.action_spec.get("podOverride"),
                pod_labels=dict(ctx.action_spec.get("podLabels") or {}),
                pod_annotations=dict(ctx.action_spec.get("podAnnotations") or {}),
                cancel=phase_scope.event,
                phase=name,
                on_log=lambda line: _keep_tail(tail, line),
            )
            output = spec.run(function_ctx, args)
        except base.FunctionError as exc:
            if _timed_out(phase_scope):
                return self._time_out(
                    ctx, name=name, scope=phase_scope, limits=limits, tail=tail, defer=defer
                )
            return self.record_failure(ctx, name=name, error=str(exc), tail=tail, defer=defer)
        except Exception as exc:  # unexpected: record it, keep the controller alive
            unexpected.log(logger, "Phase %s raised unexpectedly.", name, exc=exc)
            return self.record_failure(ctx, name=name, error=str(exc), tail=tail, defer=defer)
        finally:
            phase_scope.close()
            self.on_phase_finished(spec.name, time.monotonic() - started)
        duration = time.monotonic() - started
        if _timed_out(phase_scope):
            return self._time_out(
                ctx, name=name, scope=phase_scope, limits=limits, tail=tail, defer=defer
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
        return PhaseOutcome(ok=True, output=output)

    def run_defer(
        self,
        ctx: ActionContext,
        blueprint_action: Mapping[str, Any],
        *,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
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
            and not self.recover_running(ctx, defer_spec, defer=True)
        ):
            return False
        # The deferPhase runs even after a cancellation: give it a scope of its own, bounded by
        # the phase timeout only.
        defer_scope = cancelling.CancelScope()
        outcome = self.run(ctx, defer_spec, scope=defer_scope, limits=limits, defer=True)
        return outcome.ok

    def _attempt_of(self, ctx: ActionContext, name: str) -> int:
        current = self.app.run(ctx.run_id).actions[ctx.index].phase(name)
        return (current.attempt if current else 0) + 1

    def _record_start(
        self,
        ctx: ActionContext,
        *,
        name: str,
        spec: base.FunctionSpec,
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

    def _time_out(
        self,
        ctx: ActionContext,
        *,
        name: str,
        scope: cancelling.CancelScope,
        limits: timeouts.Timeouts,
        tail: list[str],
        defer: bool,
    ) -> PhaseOutcome:
        """Record the expiry as its own event (Kanister has none; the status shows a failure)."""
        if scope.reason == cancelling.TIMED_OUT:
            limit = limits.phase_s or 0.0
            error = f"Phase {name} timed out after {durations.format_seconds(limit)}"
        else:
            limit = limits.actionset_s or 0.0
            error = (
                f"ActionSet {ctx.run_name} timed out after {durations.format_seconds(limit)} "
                f"in phase {name}"
            )
        if defer:
            return self.record_failure(ctx, name=name, error=error, tail=tail, defer=True)
        self.app.time_out_phase(
            ctx.run_id, action_index=ctx.index, phase_name=name, timeout_s=limit, error=error
        )
        return PhaseOutcome(ok=False, error=error)

    def record_failure(
        self, ctx: ActionContext, *, name: str, error: str, tail: list[str], defer: bool
    ) -> PhaseOutcome:
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
        # The outcome's error is logged ("Phase x failed: …"): masked like the recorded one.
        return PhaseOutcome(ok=False, error=masking.mask(error, secrets=ctx.params.secrets))

    # --- lookups --------------------------------------------------------------------------


def _timed_out(scope: cancelling.CancelScope) -> bool:
    return scope.cancelled and scope.reason in (
        cancelling.TIMED_OUT,
        cancelling.ACTIONSET_TIMED_OUT,
    )


def _keep_tail(tail: list[str], line: str) -> None:
    tail.append(line)
    del tail[:-LOG_TAIL_LINES]
