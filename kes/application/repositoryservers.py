"""The RepositoryServer use cases: the lifecycle of one Kopia repository server, recorded.

New RepositoryServer use cases (the RepositoryServer controller's) belong in this module, as
methods of :class:`RepositoryServerUseCases`; :class:`kes.application.KesApplication` inherits
them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from kes.application import log
from kes.domain import masking, repositoryserver


class RepositoryServerUseCases(log.EventLog):
    """What the controller does to RepositoryServers, and what the CLI reads of them."""

    def register_repositoryserver(
        self, *, name: str, namespace: str, uid: str, spec: dict[str, Any] | None = None
    ) -> UUID:
        return self.create(repositoryserver.RepositoryServerLifecycle.register(
            name=name, namespace=namespace, uid=uid, spec=spec,
        ))

    def server_command(
        self, server_id: UUID,
        command: Callable[[repositoryserver.RepositoryServerLifecycle], None],
    ) -> repositoryserver.RepositoryServerLifecycle:
        """Run any RepositoryServerLifecycle command with the retry loop."""
        server: repositoryserver.RepositoryServerLifecycle = self.execute(server_id, command)
        return server

    def fail_repositoryserver(
        self, server_id: UUID, *, condition: str, message: str,
        secrets: Iterable[str | bytes] = (),
    ) -> None:
        masked = masking.mask(message, secrets=secrets)
        self.execute(server_id, functools.partial(
            repositoryserver.RepositoryServerLifecycle.fail, condition=condition,
            message=masked,
        ))

    def server(self, server_id: UUID) -> repositoryserver.RepositoryServerLifecycle:
        server: repositoryserver.RepositoryServerLifecycle = self.copy_of(server_id)
        return server

    def list_servers(self) -> list[UUID]:
        """Every RepositoryServer ever registered, oldest first."""
        return [aggregate_id for aggregate_id, _ in self.created("repositoryserver")]
