"""What the controller does about one ActionSet: accept or reject it, run, resume or cancel it.

Called by a worker for one namespace/name key with the newest object from the watch (None when
it is gone). Decisions are recorded in the log first; runs happen on threads of their own, so a
worker is never blocked by a long phase. A finalizer keeps a running ActionSet in the API until
the log holds the end of its run and the status projection has shown it (then it is removed at
once, so deleting a finished ActionSet never waits for the controller). A new ActionSet is
planned here, from its Blueprint read once (`planning.action_plan`), or, for a retry, from the
run it continues (`planning.retry_plan`); the run follows that plan for good.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, customresources, errors
from kes.controller import caching, cancelling, executing, timeouts, unexpected
from kes.domain import actionset, durations, planning, resources, validation
from kes.domain import actionset_events as ev
from kes.functions import base, registry

logger = logging.getLogger(__name__)

FINALIZER = "kes.io/run-recorded"


class Reconciler:
    def __init__(
        self,
        *,
        app: application.KesApplication,
        api: client.Api,
        executor: executing.Executor,
        default_timeouts: timeouts.Timeouts,
        requeue: Callable[[str], None],
        blueprints: caching.ObjectCache,
        status_shown: Callable[[UUID, int], bool] = lambda _run_id, _version: True,
        request_status: Callable[[UUID], None] = lambda _run_id: None,
        on_not_leader: Callable[[str], None] = lambda _message: None,
    ) -> None:
        self.blueprints = blueprints
        self.app = app
        self.api = api
        self.executor = executor
        self.default_timeouts = default_timeouts
        self.requeue = requeue
        self.status_shown = status_shown
        self.request_status = request_status
        self.on_not_leader = on_not_leader
        self._lock = threading.Lock()
        self._active: dict[UUID, tuple[threading.Thread, cancelling.CancelScope]] = {}
        self._behind: set[UUID] = set()  # runs whose log was found behind their status
        # Runs start only between accept_work() and stop(): while this replica leads.
        self._accepting = False

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._active)

    def wait_idle(self, timeout: float | None = None) -> None:
        """Join every run thread, for at most ``timeout`` seconds in all."""
        with self._lock:
            threads = [thread for thread, _ in self._active.values()]
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def accept_work(self) -> None:
        """Start runs from now on (the controller started, or this replica began to lead)."""
        with self._lock:
            self._accepting = True

    def stop(self, reason: str = cancelling.STOPPING) -> int:
        """Start no more runs and stop the running phases without recording an end: a restart,
        or the next leader, resumes them from the log. How many runs were stopped."""
        with self._lock:
            self._accepting = False
            scopes = [scope for _, scope in self._active.values()]
        for scope in scopes:
            scope.cancel(reason)
        return len(scopes)

    # --- one key --------------------------------------------------------------------------

    def reconcile(self, key: str, obj: dict[str, Any] | None) -> None:
        if obj is None:
            return
        meta = obj.get("metadata") or {}
        uid = str(meta.get("uid", ""))
        run_id = actionset.ActionSetRun.id_for(uid)
        deleting = bool(meta.get("deletionTimestamp"))
        try:
            run = self.app.run(run_id)
        except application.RunNotFoundError:
            run = None
        if run is None:
            if deleting:
                self._drop_finalizer(obj)
                return
            state = (obj.get("status") or {}).get("state")
            if state not in (None, "", ev.PENDING):
                # Its status was written from a log that had its run: that log lost events.
                logger.error(
                    "ActionSet %s shows state %s but the event log has no run for it: the log "
                    "lost events (a truncated write-ahead log, an older copy of the store). It is "
                    "not run again; delete and re-create it to run it.", key, state,
                )
                return
            run = self._accept_or_reject(obj)
            if run is None:
                return
        behind = not run.is_terminal and (obj.get("status") or {}).get("state") == ev.COMPLETE
        if behind and run_id not in self._behind:
            self._behind.add(run_id)
            logger.error(
                "ActionSet %s shows state complete but its run in the event log has not ended: "
                "the log lost its last events (a truncated write-ahead log, an older copy of the "
                "store). Going on from the last event recorded.", key,
            )
        if run.is_terminal:
            # The object may go once the status projection has shown the end (the log already
            # has it); until then the projection is asked for it and requeues this key after.
            if self.status_shown(run_id, run.version):
                self._drop_finalizer(obj)
            else:
                self.request_status(run_id)
            return
        if deleting and not run.cancel_requested:
            self.app.request_cancel(run_id, reason="ActionSet deleted")
        if not deleting:
            self._add_finalizer(obj)  # also after a crash between accepting and adding it
        self._ensure_running(key, run_id, obj=obj, cancelled=deleting)

    def deleted(self, obj: dict[str, Any]) -> None:
        """The ActionSet is gone without our finalizer's say: cancel its run if one is running."""
        run_id = actionset.ActionSetRun.id_for(str((obj.get("metadata") or {}).get("uid", "")))
        with self._lock:
            active = self._active.get(run_id)
        if active is None:
            return
        run = self.app.run(run_id)
        if not run.is_terminal and not run.cancel_requested:
            self.app.request_cancel(run_id, reason="ActionSet deleted")
        active[1].cancel(cancelling.DELETED)

    def resume_orphans(self, present_uids: set[str], *, namespaces: tuple[str, ...]) -> None:
        """Runs left unfinished whose ActionSet is gone: cancel them (their deferPhase runs)."""
        for run_id in self.app.list_runs(terminal=False):
            run = self.app.run(run_id)
            if run.uid in present_uids or (namespaces and run.namespace not in namespaces):
                continue
            if not run.cancel_requested:
                self.app.request_cancel(run_id, reason="ActionSet deleted")
            self._ensure_running(f"{run.namespace}/{run.name}", run_id, obj=None, cancelled=True)

    # --- steps ----------------------------------------------------------------------------

    def _accept_or_reject(self, obj: dict[str, Any]) -> actionset.ActionSetRun | None:
        meta = obj["metadata"]
        name, namespace, uid = meta["name"], meta.get("namespace", ""), meta["uid"]
        spec = dict(obj.get("spec") or {})
        retry_of = None
        try:
            parsed = resources.parse_object(obj)
            assert isinstance(parsed, resources.ActionSet)
            validation.validate_actionset(parsed)  # refuses a missing spec
            actions = parsed.spec.actions if parsed.spec is not None else []
            retry = planning.retry_request(meta.get("annotations"))
            if retry is None:
                plan = [self._plan(action, namespace=namespace) for action in actions]
            else:
                plan, retry_of = self._retry_plan(retry, actions, namespace=namespace)
        except (resources.ResourceError, validation.ValidationError) as exc:
            self.app.reject_actionset(
                name=name, namespace=namespace, uid=uid, spec=spec, reason="Error", message=str(exc)
            )
            return self.app.run(actionset.ActionSetRun.id_for(uid))
        except _PlanError as exc:
            self.app.reject_actionset(
                name=name,
                namespace=namespace,
                uid=uid,
                spec=spec,
                reason=exc.reason,
                message=exc.message,
            )
            return self.app.run(actionset.ActionSetRun.id_for(uid))
        run_id = self.app.accept_actionset(
            name=name, namespace=namespace, uid=uid, spec=spec, plan=plan, retry_of=retry_of
        )
        logger.info("ActionSet %s/%s accepted.", namespace, name)
        return self.app.run(run_id)

    def _blueprint(self, action: resources.ActionSpec, *, namespace: str) -> (
        tuple[resources.Blueprint | None, resources.BlueprintAction]
    ):
        blueprint: resources.Blueprint | None = None
        if action.blueprint:
            try:
                found = self.blueprints.get(namespace=namespace, name=action.blueprint)
            except errors.ApiError as exc:
                raise _PlanError(
                    reason="Error", message=f"Failed to query blueprint: {exc}"
                ) from exc
            parsed = resources.parse_object(found)
            assert isinstance(parsed, resources.Blueprint)
            blueprint = parsed
        try:
            return blueprint, validation.resolve_action(spec=action, blueprint=blueprint)
        except validation.ActionResolutionError as exc:
            reason = (
                "Blueprint not specified"
                if blueprint is None
                else f"ActionSetFailed Action: {action.name}"
            )
            raise _PlanError(reason=reason, message=str(exc)) from exc

    def _plan(self, action: resources.ActionSpec, *, namespace: str) -> ev.ActionPlan:
        """The action's plan, from the Blueprint as it is now (read this once, never again)."""
        blueprint, blueprint_action = self._blueprint(action, namespace=namespace)
        assert blueprint is not None
        version = action.preferred_version
        try:
            return planning.action_plan(
                action=action, blueprint=blueprint, blueprint_action=blueprint_action,
                secret_args=lambda function: secret_args(function, version),
            )
        except planning.PlanError as exc:
            raise _PlanError(
                reason=f"ActionSetFailed Action: {action.name}", message=str(exc)
            ) from exc

    def _retry_plan(
        self,
        retry: tuple[str, str | None, bool],
        actions: list[resources.ActionSpec],
        *,
        namespace: str,
    ) -> tuple[list[ev.ActionPlan], ev.RetryOrigin]:
        """A retry's plan: its parent's recorded plan (or the Blueprint now), continued."""
        parent_uid, from_phase, with_current = retry
        try:
            parent = self.app.run(actionset.ActionSetRun.id_for(parent_uid))
        except application.RunNotFoundError:
            raise _PlanError(
                reason="Error",
                message=f"The run this ActionSet retries (uid {parent_uid}) is not in the log.",
            ) from None
        names = [a.name for a in parent.actions]
        if [a.name for a in actions] != names:
            raise _PlanError(
                reason="Error",
                message=f'A retry of ActionSet "{parent.name}" runs its actions '
                        f'({", ".join(names)}), not others.',
            )
        current = (
            [self._plan(action, namespace=namespace) for action in actions]
            if with_current else None
        )
        try:
            return planning.retry_plan(parent, from_phase=from_phase, current=current)
        except planning.RetryRefusedError as exc:
            raise _PlanError(reason="Error", message=str(exc)) from exc

    def _ensure_running(
        self, key: str, run_id: UUID, *, obj: dict[str, Any] | None, cancelled: bool
    ) -> None:
        with self._lock:
            active = self._active.get(run_id)
            if active is not None:
                if cancelled:
                    active[1].cancel(cancelling.DELETED)
                return
            if not self._accepting:
                return  # stopping, or no longer leading: the run is left in the log
            scope = cancelling.CancelScope()
            if cancelled:
                scope.cancel(cancelling.DELETED)
            annotations = ((obj or {}).get("metadata") or {}).get("annotations")
            try:
                run_timeouts = timeouts.from_annotations(
                    annotations, defaults=self.default_timeouts
                )
            except durations.DurationError as exc:
                logger.warning("ActionSet %s has a bad timeout annotation: %s.", key, exc)
                run_timeouts = self.default_timeouts
            labels = dict(((obj or {}).get("metadata") or {}).get("labels") or {})
            thread = threading.Thread(
                target=self._run,
                args=(key, run_id, scope, run_timeouts, labels),
                name=f"run-{key}",
                daemon=True,
            )
            self._active[run_id] = (thread, scope)
        thread.start()

    def _run(
        self,
        key: str,
        run_id: UUID,
        scope: cancelling.CancelScope,
        run_timeouts: timeouts.Timeouts,
        labels: dict[str, str],
    ) -> None:
        try:
            if scope.reason not in cancelling.UNRECORDED:
                self.executor.run(run_id, scope=scope, limits=run_timeouts, labels=labels)
        except application.NotLeaderError as exc:
            logger.warning("Run of ActionSet %s stopped: %s", key, exc)
            self.on_not_leader(str(exc))
        except Exception as exc:
            unexpected.log(logger, "Run of ActionSet %s stopped unexpectedly.", key, exc=exc)
        finally:
            with self._lock:
                self._active.pop(run_id, None)
            self.requeue(key)

    def _add_finalizer(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        if FINALIZER in finalizers:
            return
        try:
            customresources.set_finalizers(
                self.api,
                resource="actionsets",
                namespace=meta.get("namespace", ""),
                name=meta["name"],
                finalizers=[*finalizers, FINALIZER],
            )
        except errors.ApiError as exc:
            logger.warning("Could not add the finalizer to %s: %s.", meta["name"], exc)

    def _drop_finalizer(self, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        if FINALIZER not in finalizers:
            return
        try:
            customresources.set_finalizers(
                self.api,
                resource="actionsets",
                namespace=meta.get("namespace", ""),
                name=meta["name"],
                finalizers=[f for f in finalizers if f != FINALIZER],
            )
        except errors.ApiNotFoundError:
            return
        except errors.ApiError as exc:
            logger.warning("Could not remove the finalizer of %s: %s. Retrying.", meta["name"], exc)
            self.requeue(f"{meta.get('namespace', '')}/{meta['name']}")


def secret_args(function: str, version: str) -> tuple[str, ...]:
    """The args of `function` whose values are credentials (none if it is unknown: its launch
    fails anyway)."""
    try:
        return registry.lookup(function, version).secret_args
    except base.FunctionError:
        return ()


class _PlanError(Exception):
    def __init__(self, *, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
