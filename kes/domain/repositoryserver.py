"""RepositoryServerLifecycle: the event-sourced reconcile of one Kopia RepositoryServer.

Kanister's controller walks five steps, each ending in a condition (reference
kopia-and-restic.md 2.3): ServerSetup → RepositoryConnected → ServerInitialized →
ClientUserInitialized → ServerRefreshed, then progress ``Ready``; a failing step sets its
condition False with the step's reason and progress ``Failed``. Every reconcile starts from a
clean slate (progress ``Pending``, no conditions) and reuses the pod and service it recorded.

Commands: ``RepositoryServerLifecycle.register(...)``; ``request_setup()`` (a reconcile starts);
``record_setup(pod_name=, service_name=)``, ``record_repository_connected()``,
``record_server_initialized()``, ``record_client_users_initialized(users=)``,
``record_refreshed()``; ``mark_ready()``; ``fail(condition=, message=)``; ``delete()``.
Illegal transitions raise :class:`RepositoryServerError` and emit nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any, ClassVar

import pydantic

from kes.domain import events

SERVER_NAMESPACE = uuid.UUID("0b7d8f5e-2c4a-4a0e-8f3e-7f3b2f1d9c21")

PENDING, READY, FAILED, DELETED = "Pending", "Ready", "Failed", "Deleted"

# Condition type → (reason on success, reason on failure), in reconcile order.
STEPS: dict[str, tuple[str, str]] = {
    "ServerSetup": (
        "KopiaRepositoryServerSetupSucceeded", "KopiaRepositoryServerSetupFailed"),
    "RepositoryConnected": (
        "KopiaRepositoryConnectionSucceeded", "KopiaRepositoryConnectionFailed"),
    "ServerInitialized": (
        "KopiaRepositoryServerInitializationSucceeded",
        "KopiaRepositoryServerInitializationFailed",
    ),
    "ClientUserInitialized": ("ClientInitializationSucceeded", "ClientInitializationFailed"),
    "ServerRefreshed": ("ServerRefreshed", "ServerRefreshFailed"),
}
STEP_ORDER = list(STEPS)


class RepositoryServerError(events.DomainError):
    """A command that does not fit the server's lifecycle."""


class StepOutOfOrderError(RepositoryServerError):
    """Steps happen in Kanister's order, each once per reconcile."""


class ServerDeletedError(RepositoryServerError):
    """A deleted server takes no more commands."""


class UnknownConditionError(RepositoryServerError):
    """Only Kanister's five condition types exist."""


@dataclasses.dataclass
class Condition:
    type: str
    status: str
    reason: str
    message: str
    last_transition_time: dt.datetime


# --- events ---------------------------------------------------------------------------------


class ServerRegistered(events.CreatedEvent):
    name: str
    namespace: str
    uid: str
    spec: dict[str, Any] = pydantic.Field(default_factory=dict)

    def apply(self, server: Any) -> None:
        server.init(name=self.name, namespace=self.namespace, uid=self.uid, spec=self.spec)


class ServerSetupRequested(events.DomainEvent):
    """A reconcile starts: progress Pending, conditions cleared (Kanister does so every time)."""

    def apply(self, server: Any) -> None:
        server.progress, server.conditions = PENDING, []


class _StepSucceeded(events.DomainEvent):
    CONDITION: ClassVar[str] = ""

    def apply(self, server: Any) -> None:
        server.set_condition(
            Condition(self.CONDITION, "True", STEPS[self.CONDITION][0], "", self.timestamp)
        )


class ServerSetup(_StepSucceeded):
    CONDITION = "ServerSetup"
    pod_name: str
    service_name: str

    def apply(self, server: Any) -> None:
        super().apply(server)
        server.pod_name, server.service_name = self.pod_name, self.service_name


class RepositoryConnected(_StepSucceeded):
    CONDITION = "RepositoryConnected"


class ServerInitialized(_StepSucceeded):
    CONDITION = "ServerInitialized"


class ClientUserInitialized(_StepSucceeded):
    CONDITION = "ClientUserInitialized"
    users: list[str] = pydantic.Field(default_factory=list)


class ServerRefreshed(_StepSucceeded):
    CONDITION = "ServerRefreshed"


class ServerReady(events.DomainEvent):
    def apply(self, server: Any) -> None:
        server.progress = READY


class ServerFailed(events.DomainEvent):
    condition: str
    reason: str
    message: str = ""

    def apply(self, server: Any) -> None:
        server.set_condition(
            Condition(self.condition, "False", self.reason, self.message, self.timestamp)
        )
        server.progress = FAILED


class ServerDeleted(events.DomainEvent):
    def apply(self, server: Any) -> None:
        server.progress = DELETED


# --- aggregate ------------------------------------------------------------------------------


class RepositoryServerLifecycle(events.EventSourced):
    """One RepositoryServer; id = :meth:`id_for` its ``metadata.uid``."""

    def init(self, *, name: str, namespace: str, uid: str, spec: dict[str, Any]) -> None:
        self.name, self.namespace, self.uid, self.spec = name, namespace, uid, dict(spec)
        self.progress = PENDING
        self.conditions: list[Condition] = []
        self.pod_name = ""
        self.service_name = ""

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

    # --- commands ---------------------------------------------------------------------------

    def request_setup(self) -> None:
        self.check_not_deleted()
        self.trigger_event(ServerSetupRequested)

    def record_setup(self, *, pod_name: str, service_name: str) -> None:
        self.check_next_step("ServerSetup")
        self.trigger_event(ServerSetup, pod_name=pod_name, service_name=service_name)

    def record_repository_connected(self) -> None:
        self.check_next_step("RepositoryConnected")
        self.trigger_event(RepositoryConnected)

    def record_server_initialized(self) -> None:
        self.check_next_step("ServerInitialized")
        self.trigger_event(ServerInitialized)

    def record_client_users_initialized(self, *, users: list[str]) -> None:
        self.check_next_step("ClientUserInitialized")
        self.trigger_event(ClientUserInitialized, users=users)

    def record_refreshed(self) -> None:
        self.check_next_step("ServerRefreshed")
        self.trigger_event(ServerRefreshed)

    def mark_ready(self) -> None:
        self.check_not_deleted()
        if self.progress != PENDING or self.next_step() is not None:
            raise StepOutOfOrderError(
                f'RepositoryServer "{self.name}" is not ready: next step {self.next_step()}.'
            )
        self.trigger_event(ServerReady)

    def fail(self, *, condition: str, message: str = "") -> None:
        """The step establishing ``condition`` failed (Kanister's reason for it is recorded)."""
        self.check_next_step(condition)
        self.trigger_event(
            ServerFailed, condition=condition, reason=STEPS[condition][1], message=message
        )

    def delete(self) -> None:
        self.check_not_deleted()
        self.trigger_event(ServerDeleted)
