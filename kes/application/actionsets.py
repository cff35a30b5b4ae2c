"""The ActionSet use cases: every change of a run, each one command saved in one transaction.

Free-form values (rendered args, outputs, errors, log tails, artifacts) are masked against the
secrets the caller passes before they reach an event. Queries return copies of runs or plain
data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from kes.application import log
from kes.domain import actionset, masking
from kes.domain import actionset_events as ev


class ActionSetUseCases(log.EventLog):
    """What the controller and the CLI do to ActionSet runs."""

    def accept_actionset(
        self, *, name: str, namespace: str, uid: str, spec: dict[str, Any],
        plan: Sequence[ev.ActionPlan | dict[str, Any]], retry_of: ev.RetryOrigin | None = None,
    ) -> UUID:
        """Record that the ActionSet was accepted (idempotent per ``uid``); returns the run id."""
        return self.create(actionset.ActionSetRun.accept(
            name=name, namespace=namespace, uid=uid, spec=spec, plan=plan, retry_of=retry_of,
        ))

    def reject_actionset(
        self, *, name: str, namespace: str, uid: str, spec: dict[str, Any], reason: str,
        message: str, secrets: Iterable[str | bytes] = (),
    ) -> UUID:
        return self.create(actionset.ActionSetRun.reject(
            name=name, namespace=namespace, uid=uid, spec=spec, reason=reason,
            message=masking.mask(message, secrets=secrets),
        ))

    def run_command(
        self, run_id: UUID, command: Callable[[actionset.ActionSetRun], None]
    ) -> actionset.ActionSetRun:
        """Run any ActionSetRun command with the load → command → save → retry loop."""
        run: actionset.ActionSetRun = self.execute(run_id, command)
        return run

    def start_action(self, run_id: UUID, *, action_index: int) -> None:
        self.execute(run_id, lambda r: r.start_action(action_index))

    def start_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, function: str,
        args: dict[str, Any], attempt: int = 1, secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(args, secrets=secrets)
        self.execute(run_id, lambda r: r.start_phase(
            action_index=action_index, phase_name=phase_name, function=function,
            masked_args=masked, attempt=attempt,
        ))

    # ``attempt`` (the phase commands below): the attempt the caller ran; refused when the run
    # has moved on to another (a controller that lost the run to another replica).

    def progress_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, progress: dict[str, Any],
        attempt: int | None = None,
    ) -> None:
        self.execute(run_id, lambda r: r.progress_phase(
            action_index=action_index, phase_name=phase_name, progress=progress, attempt=attempt,
        ))

    def complete_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str,
        output: dict[str, Any] | None, duration_s: float, secrets: Iterable[str | bytes] = (),
        attempt: int | None = None,
    ) -> None:
        masked = masking.mask(output, secrets=secrets)
        self.execute(run_id, lambda r: r.complete_phase(
            action_index=action_index, phase_name=phase_name, output=masked,
            duration_s=duration_s, attempt=attempt,
        ))

    def fail_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, error: str,
        log_tail: Sequence[str] = (), secrets: Iterable[str | bytes] = (),
        attempt: int | None = None,
    ) -> None:
        masker = masking.Masker(secrets)
        self.execute(run_id, lambda r: r.fail_phase(
            action_index=action_index, phase_name=phase_name, error=masker(error),
            log_tail=masker(list(log_tail)), attempt=attempt,
        ))

    def time_out_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, timeout_s: float, error: str,
        attempt: int | None = None,
    ) -> None:
        self.execute(run_id, lambda r: r.time_out_phase(
            action_index=action_index, phase_name=phase_name, timeout_s=timeout_s, error=error,
            attempt=attempt,
        ))

    def interrupt_phase(
        self, run_id: UUID, *, action_index: int, phase_name: str, reason: str,
        rerun: bool, error: str = "",
    ) -> None:
        self.execute(run_id, lambda r: r.interrupt_phase(
            action_index=action_index, phase_name=phase_name, reason=reason, rerun=rerun,
            error=error,
        ))

    def render_artifacts(
        self, run_id: UUID, *, action_index: int, artifacts: dict[str, Any],
        secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(artifacts, secrets=secrets)
        self.execute(run_id, lambda r: r.render_artifacts(
            action_index=action_index, artifacts=masked,
        ))

    def complete_action(self, run_id: UUID, *, action_index: int) -> None:
        self.execute(run_id, lambda r: r.complete_action(action_index))

    def fail_action(
        self, run_id: UUID, *, action_index: int, error: str,
        secrets: Iterable[str | bytes] = (), launching: bool = False,
    ) -> None:
        masked = masking.mask(error, secrets=secrets)
        self.execute(run_id, lambda r: r.fail_action(
            action_index=action_index, error=masked, launching=launching,
        ))

    def request_cancel(self, run_id: UUID, *, reason: str = "") -> None:
        self.execute(run_id, lambda r: r.request_cancel(reason))

    def complete_run(self, run_id: UUID) -> None:
        self.execute(run_id, lambda r: r.complete())

    def fail_run(
        self, run_id: UUID, *, error: str = "", secrets: Iterable[str | bytes] = ()
    ) -> None:
        masked = masking.mask(error, secrets=secrets)
        self.execute(run_id, lambda r: r.fail(masked))

    def cancel_run(self, run_id: UUID) -> None:
        self.execute(run_id, lambda r: r.cancel())

    # --- queries ----------------------------------------------------------------------------

    def run(self, run_id: UUID) -> actionset.ActionSetRun:
        """A copy of the run (changing it changes nothing recorded)."""
        run: actionset.ActionSetRun = self.copy_of(run_id)
        return run

    def run_for(self, namespace: str, name: str) -> UUID | None:
        return self.find(kind="actionset", namespace=namespace, name=name)

    def list_runs(self, *, terminal: bool | None = False) -> list[UUID]:
        """Run ids, oldest first; by default only those still to finish (restart recovery)."""
        ids = [aggregate_id for aggregate_id, _ in self.created("actionset")]
        if terminal is None:
            return ids
        return [i for i in ids if self._is_terminal(i) == terminal]

    def _is_terminal(self, aggregate_id: UUID) -> bool:
        with self.stripe(aggregate_id):
            return bool(self.fresh(aggregate_id).is_terminal)

    def retries_of(self, run_id: UUID) -> list[tuple[UUID, str, str]]:
        """(id, namespace, name) of the runs that retried ``run_id``, oldest first."""
        found = []
        for aggregate_id, state in self.created("actionset"):
            origin = state.get("retry_of") or {}
            if origin.get("run_id") == str(run_id):
                found.append((aggregate_id, str(state["namespace"]), str(state["name"])))
        return found
