"""RepositoryServerLifecycle: the event-sourced reconcile of one Kopia RepositoryServer.

Kanister's controller walks five steps, each ending in a condition (reference
kopia-and-restic.md 2.3): ServerSetup → RepositoryConnected → ServerInitialized →
ClientUserInitialized → ServerRefreshed, then progress ``Ready``; a failing step sets its
condition False with the step's reason and progress ``Failed``. Every reconcile starts from a
clean slate (progress ``Pending``, no conditions) and reuses the pod and service it recorded.

kes records more than the conditions: the Secrets' form and versions it read, the Service and
Pod as soon as they exist (so a restarted controller reuses them), every kopia command with its
redacted command line, duration and outcome, and each step's duration. A reconcile interrupted
by a controller crash resumes at its next step (``ServerSetupResumed``). A Ready server is
re-checked after a restart (``ServerRechecked``); one whose kopia process died is recorded
(``ServerProcessLost``) before it is set up again. Spec changes Kanister forbids are refused
(``ServerSpecChangeRejected``).

Commands: ``register``; ``request_setup(reason=)``, ``resume_setup()``;
``record_secrets_read(...)``, ``name_service``, ``name_pod``;
``record_setup``, ``record_repository_connected``, ``record_server_initialized``,
``record_client_users_initialized``, ``record_refreshed``; ``record_command(...)``;
``mark_ready``; ``fail``; ``recheck``; ``lose_server_process``; ``reject_spec_change``;
``schedule_retry``; ``delete``. Illegal transitions raise :class:`RepositoryServerError`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pydantic

from kes.domain import events
from kes.domain import repositoryserver_events as ev

SERVER_NAMESPACE = uuid.UUID("0b7d8f5e-2c4a-4a0e-8f3e-7f3b2f1d9c21")

PENDING, READY, FAILED, DELETED = ev.PENDING, ev.READY, ev.FAILED, ev.DELETED
STEPS, STEP_ORDER, IMMUTABLE_FIELDS = ev.STEPS, ev.STEP_ORDER, ev.IMMUTABLE_FIELDS
Condition = ev.Condition
CommandRun = ev.CommandRun

class ServerRegistered(events.CreatedEvent):
    """The first event (defined here so its topic, which finds a server by name, is stable)."""

    name: str
    namespace: str
    uid: str
    spec: dict[str, Any] = pydantic.Field(default_factory=dict)

    def apply(self, server: Any) -> None:
        server.init(name=self.name, namespace=self.namespace, uid=self.uid, spec=self.spec)


# Events first recorded under this module's topics (`kes.domain.repositoryserver:<Name>`)
# resolve through these names.
ServerSetupRequested = ev.ServerSetupRequested
ServerSetupResumed = ev.ServerSetupResumed
ServerSecretsRead = ev.ServerSecretsRead
ServerServiceNamed = ev.ServerServiceNamed
ServerPodNamed = ev.ServerPodNamed
KopiaCommandRan = ev.KopiaCommandRan
ServerSetup = ev.ServerSetup
RepositoryConnected = ev.RepositoryConnected
ServerInitialized = ev.ServerInitialized
ClientUserInitialized = ev.ClientUserInitialized
ServerRefreshed = ev.ServerRefreshed
ServerReady = ev.ServerReady
ServerFailed = ev.ServerFailed
ServerRechecked = ev.ServerRechecked
ServerProcessLost = ev.ServerProcessLost
ServerSpecChangeRejected = ev.ServerSpecChangeRejected
ServerRetryScheduled = ev.ServerRetryScheduled
ServerDeleted = ev.ServerDeleted


class RepositoryServerError(events.DomainError):
    """A command that does not fit the server's lifecycle."""


class StepOutOfOrderError(RepositoryServerError):
    """Steps happen in Kanister's order, each once per reconcile."""


class ServerDeletedError(RepositoryServerError):
    """A deleted server takes no more commands."""


class UnknownConditionError(RepositoryServerError):
    """Only Kanister's five condition types exist."""


class NotReadyError(RepositoryServerError):
    """Only a Ready server is re-checked or found to have lost its process."""


# --- aggregate ------------------------------------------------------------------------------


class RepositoryServerLifecycle(events.EventSourced):
    """One RepositoryServer; id = :meth:`id_for` its ``metadata.uid``."""

    def init(self, *, name: str, namespace: str, uid: str, spec: dict[str, Any]) -> None:
        self.name, self.namespace, self.uid, self.spec = name, namespace, uid, dict(spec)
        self.progress = PENDING
        self.conditions: list[Condition] = []
        self.pod_name = ""
        self.service_name = ""
        self.commands: list[CommandRun] = []
        self.secret_versions: dict[str, str] = {}
        self.secret_forms: dict[str, str] = {}
        self.setup_started: dt.datetime | None = None
        self.retry_scheduled: dt.datetime | None = None
        self.attempt = 0
        self.starts = 0
        self.losses = 0
        self.generation = 0
        self.rejected_generation = 0

    @staticmethod
    def id_for(uid: str) -> uuid.UUID:
        return uuid.uuid5(SERVER_NAMESPACE, f"repositoryserver/{uid}")

    @classmethod
    def register(
        cls, *, name: str, namespace: str, uid: str, spec: dict[str, Any] | None = None
    ) -> RepositoryServerLifecycle:
        return cls._start(
            ServerRegistered, id=cls.id_for(uid), name=name, namespace=namespace, uid=uid,
            spec=spec or {},
        )

    # --- queries ----------------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.progress == DELETED

    def set_condition(self, condition: Condition) -> None:
        self.conditions = [c for c in self.conditions if c.type != condition.type]
        self.conditions.append(condition)

    def next_step(self) -> str | None:
        """The condition the reconcile establishes next, or None when all are True."""
        if self.progress != PENDING:
            return None
        done = {c.type for c in self.conditions if c.status == "True"}
        return next((step for step in STEP_ORDER if step not in done), None)

    def changed_immutable_fields(self, spec: dict[str, Any]) -> list[str]:
        """Which of Kanister's immutable fields differ from the spec recorded at registration."""
        return [
            f for f in IMMUTABLE_FIELDS if ev.spec_value(spec, f) != ev.spec_value(self.spec, f)
        ]

    # --- guards -----------------------------------------------------------------------------

    def check_not_deleted(self) -> None:
        if self.progress == DELETED:
            raise ServerDeletedError(f'RepositoryServer "{self.name}" was deleted.')

    def check_next_step(self, condition: str) -> None:
        self.check_not_deleted()
        if condition not in STEPS:
            raise UnknownConditionError(f'Unknown condition type "{condition}".')
        expected = self.next_step()
        if expected != condition:
            raise StepOutOfOrderError(
                f'RepositoryServer "{self.name}" cannot record {condition} now '
                f"(progress {self.progress}, next step: {expected or 'none'})."
            )

    def check_pending(self) -> None:
        self.check_not_deleted()
        if self.progress != PENDING:
            raise StepOutOfOrderError(
                f'RepositoryServer "{self.name}" is {self.progress}, not being set up.'
            )

    def check_ready(self) -> None:
        self.check_not_deleted()
        if self.progress != READY:
            raise NotReadyError(f'RepositoryServer "{self.name}" is {self.progress}, not Ready.')

    # --- commands ---------------------------------------------------------------------------

    def request_setup(self, *, reason: str = "", attempt: int = 0, generation: int = 0) -> None:
        self.check_not_deleted()
        self.trigger_event(ServerSetupRequested, reason=reason, attempt=attempt,
                           generation=generation)

    def resume_setup(self) -> None:
        self.check_pending()
        self.trigger_event(ServerSetupResumed, next_step=self.next_step() or "ServerReady")

    def record_secrets_read(
        self, *, forms: dict[str, str], versions: dict[str, str], location_type: str,
        credential_kind: str, hostnames: list[str],
    ) -> None:
        self.check_pending()
        self.trigger_event(
            ServerSecretsRead, forms=forms, versions=versions, location_type=location_type,
            credential_kind=credential_kind, hostnames=hostnames,
        )

    def name_service(self, *, name: str) -> None:
        self.check_next_step("ServerSetup")
        self.trigger_event(ServerServiceNamed, name=name)

    def name_pod(self, *, name: str) -> None:
        self.check_next_step("ServerSetup")
        self.trigger_event(ServerPodNamed, name=name)

    def record_command(
        self, *, step: str, command: str, ok: bool, duration_s: float, detail: str = ""
    ) -> None:
        self.check_not_deleted()
        self.trigger_event(KopiaCommandRan, step=step, command=command, ok=ok,
                           duration_s=round(duration_s, 6), detail=detail)

    def record_setup(self, *, pod_name: str, service_name: str, duration_s: float = 0.0) -> None:
        self.check_next_step("ServerSetup")
        self.trigger_event(ServerSetup, pod_name=pod_name, service_name=service_name,
                           duration_s=round(duration_s, 6))

    def record_repository_connected(self, *, duration_s: float = 0.0) -> None:
        self.check_next_step("RepositoryConnected")
        self.trigger_event(RepositoryConnected, duration_s=round(duration_s, 6))

    def record_server_initialized(self, *, started: bool = False, duration_s: float = 0.0) -> None:
        self.check_next_step("ServerInitialized")
        self.trigger_event(ServerInitialized, started=started, duration_s=round(duration_s, 6))

    def record_client_users_initialized(
        self, *, users: list[str], duration_s: float = 0.0
    ) -> None:
        self.check_next_step("ClientUserInitialized")
        self.trigger_event(ClientUserInitialized, users=users, duration_s=round(duration_s, 6))

    def record_refreshed(self, *, duration_s: float = 0.0) -> None:
        self.check_next_step("ServerRefreshed")
        self.trigger_event(ServerRefreshed, duration_s=round(duration_s, 6))

    def mark_ready(self, *, duration_s: float = 0.0) -> None:
        self.check_not_deleted()
        if self.progress != PENDING or self.next_step() is not None:
            raise StepOutOfOrderError(
                f'RepositoryServer "{self.name}" is not ready: next step {self.next_step()}.'
            )
        self.trigger_event(ServerReady, duration_s=round(duration_s, 6))

    def fail(self, *, condition: str, message: str = "", duration_s: float = 0.0) -> None:
        """The step establishing ``condition`` failed (Kanister's reason for it is recorded)."""
        self.check_next_step(condition)
        self.trigger_event(
            ServerFailed, condition=condition, reason=STEPS[condition][1], message=message,
            duration_s=round(duration_s, 6),
        )

    def recheck(self, *, duration_s: float = 0.0) -> None:
        self.check_ready()
        self.trigger_event(ServerRechecked, duration_s=round(duration_s, 6))

    def lose_server_process(self, *, message: str) -> None:
        self.check_ready()
        self.trigger_event(ServerProcessLost, message=message)

    def reject_spec_change(self, *, fields: list[str], message: str, generation: int = 0) -> None:
        self.check_not_deleted()
        self.trigger_event(ServerSpecChangeRejected, fields=fields, message=message,
                           generation=generation)

    def schedule_retry(self, *, attempt: int, delay_s: float, reason: str) -> None:
        self.check_not_deleted()
        if self.progress != FAILED:
            raise StepOutOfOrderError(
                f'RepositoryServer "{self.name}" is {self.progress}; only a Failed one retries.'
            )
        self.trigger_event(ServerRetryScheduled, attempt=attempt, delay_s=delay_s, reason=reason)

    def delete(self) -> None:
        self.check_not_deleted()
        self.trigger_event(ServerDeleted)
