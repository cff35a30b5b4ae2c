"""The facts of a RepositoryServer's lifecycle, and the state they build.

Each event is a frozen pydantic model; its ``apply`` is the only code that changes a
:class:`kes.domain.repositoryserver.RepositoryServerLifecycle`. Commands and guards live in
``repositoryserver.py`` (which also keeps these names importable under their first topics).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar

import pydantic

from kes.domain import events

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

# The spec fields Kanister makes immutable (CEL rules and a validating webhook).
IMMUTABLE_FIELDS = ("repository.rootPath", "storage")


@dataclasses.dataclass
class Condition:
    type: str
    status: str
    reason: str
    message: str
    last_transition_time: dt.datetime


@dataclasses.dataclass(frozen=True)
class CommandRun:
    """One kopia command of a step, as `kes history` shows it."""

    step: str
    command: str
    ok: bool
    duration_s: float
    detail: str


def spec_value(spec: dict[str, Any], dotted: str) -> Any:
    value: Any = spec
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


# --- registration and the start of a reconcile ----------------------------------------------


class ServerSetupRequested(events.DomainEvent):
    """A reconcile starts: progress Pending, conditions cleared (Kanister does so every time)."""

    reason: str = ""
    attempt: int = 0
    generation: int = 0  # the CR's metadata.generation this reconcile works on

    def apply(self, server: Any) -> None:
        server.progress, server.conditions = PENDING, []
        server.commands = []
        server.setup_started = self.timestamp
        server.attempt = self.attempt
        server.generation = self.generation
        server.retry_scheduled = None


class ServerSetupResumed(events.DomainEvent):
    """A controller restarted during a reconcile; it continues at ``next_step``."""

    next_step: str

    def apply(self, server: Any) -> None:
        return None


class ServerSecretsRead(events.DomainEvent):
    """The six Secrets were read and validated: the form of each, and their versions."""

    forms: dict[str, str] = pydantic.Field(default_factory=dict)
    versions: dict[str, str] = pydantic.Field(default_factory=dict)
    location_type: str = ""
    credential_kind: str = ""
    hostnames: list[str] = pydantic.Field(default_factory=list)

    def apply(self, server: Any) -> None:
        server.secret_versions = dict(self.versions)
        server.secret_forms = dict(self.forms)


class ServerServiceNamed(events.DomainEvent):
    """The Service's name, recorded before it is created (a restart finds or creates it)."""

    name: str

    def apply(self, server: Any) -> None:
        server.service_name = self.name


class ServerPodNamed(events.DomainEvent):
    """The Pod's name, recorded before it is created (a restart finds or creates it)."""

    name: str

    def apply(self, server: Any) -> None:
        server.pod_name = self.name


class KopiaCommandRan(events.DomainEvent):
    """One kopia command of a step: its redacted command line, outcome and duration."""

    step: str
    command: str
    ok: bool
    duration_s: float = 0.0
    detail: str = ""

    def apply(self, server: Any) -> None:
        server.commands.append(CommandRun(
            step=self.step, command=self.command, ok=self.ok, duration_s=self.duration_s,
            detail=self.detail,
        ))


# --- the five steps -------------------------------------------------------------------------


class _StepSucceeded(events.DomainEvent):
    CONDITION: ClassVar[str] = ""
    duration_s: float = 0.0

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
    started: bool = False  # False: `server status` answered, the running server was kept

    def apply(self, server: Any) -> None:
        super().apply(server)
        server.starts += int(self.started)


class ClientUserInitialized(_StepSucceeded):
    CONDITION = "ClientUserInitialized"
    users: list[str] = pydantic.Field(default_factory=list)


class ServerRefreshed(_StepSucceeded):
    CONDITION = "ServerRefreshed"


class ServerReady(events.DomainEvent):
    """The server answers with its users loaded; ``duration_s`` since the reconcile began."""

    duration_s: float = 0.0

    def apply(self, server: Any) -> None:
        server.progress = READY
        server.attempt = 0


class ServerFailed(events.DomainEvent):
    condition: str
    reason: str
    message: str = ""
    duration_s: float = 0.0

    def apply(self, server: Any) -> None:
        server.set_condition(
            Condition(self.condition, "False", self.reason, self.message, self.timestamp)
        )
        server.progress = FAILED


# --- a Ready server's life ------------------------------------------------------------------


class ServerRechecked(events.DomainEvent):
    """After a controller restart, the Ready server still answered: it was kept as it is."""

    duration_s: float = 0.0

    def apply(self, server: Any) -> None:
        return None


class ServerProcessLost(events.DomainEvent):
    """The Ready server's kopia process stopped answering (it will be set up again)."""

    message: str = ""

    def apply(self, server: Any) -> None:
        server.losses += 1


class ServerSpecChangeRejected(events.DomainEvent):
    """A change Kanister forbids (rootPath, storage); the recorded spec stays in force."""

    fields: list[str]
    message: str
    generation: int = 0

    def apply(self, server: Any) -> None:
        server.rejected_generation = self.generation


class ServerRetryScheduled(events.DomainEvent):
    """A Failed server's secrets changed: it is set up again after ``delay_s``."""

    attempt: int
    delay_s: float
    reason: str = ""

    def apply(self, server: Any) -> None:
        server.retry_scheduled = self.timestamp + dt.timedelta(seconds=self.delay_s)


class ServerDeleted(events.DomainEvent):
    def apply(self, server: Any) -> None:
        server.progress = DELETED
