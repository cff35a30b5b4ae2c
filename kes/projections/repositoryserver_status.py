"""The RepositoryServer status projection: `status` of each CR, computed from its log.

Like the ActionSet status projection, the status is recomputed from the aggregate
(`status.repositoryserver_status`) and written through the status subresource, so writing it
twice is harmless; a server is written at most once per `interval_s` and its last state always
(it stays dirty until a write succeeds). A deleted server's CR is gone: nothing is written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client, customresources, errors
from kes.domain import repositoryserver, repositoryserver_events, status
from kes.projections import following
from kes.storage import crashpoints

logger = logging.getLogger(__name__)

_MODULES = {repositoryserver.__name__, repositoryserver_events.__name__}


class RepositoryServerStatusProjection(following.Follower):
    name = "repositoryserver-status"

    def __init__(
        self, *, app: application.KesApplication, api: client.Api, interval_s: float = 0.2,
        on_write: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(app=app)
        self.api = api
        self.interval_s = interval_s
        self.on_write = on_write
        self.dirty: set[UUID] = set()
        self.last_write: dict[UUID, float] = {}
        self.last_status: dict[UUID, dict[str, Any]] = {}

    def pending(self) -> int:
        return len(self.dirty)

    def apply(self, event: Any, *, notification_id: int) -> None:
        if type(event).__module__ in _MODULES:
            self.dirty.add(event.originator_id)

    def flush(self) -> bool:
        now = time.monotonic()
        for server_id in sorted(self.dirty, key=str):
            if now - self.last_write.get(server_id, 0.0) < self.interval_s:
                continue
            if self._write(server_id):
                self.dirty.discard(server_id)
                self.last_write[server_id] = now
        return not self.dirty

    def _write(self, server_id: UUID) -> bool:
        try:
            server = self.app.server(server_id)
        except application.RunNotFoundError:
            return True
        if server.is_terminal:
            return True
        body = status.status_of(server)  # written whole: cleared conditions go too
        if self.last_status.get(server_id) == body:
            return True
        try:
            crashpoints.reach("status-before", "repositoryserver")
            customresources.patch_status(
                self.api, resource="repositoryservers", namespace=server.namespace,
                name=server.name, status=body,
            )
            crashpoints.reach("status-after", "repositoryserver")
        except errors.ApiNotFoundError:
            return True  # the CR is gone; the log keeps its story
        except errors.ApiError as exc:
            logger.warning("Writing the status of RepositoryServer %s/%s failed: %s. Retrying.",
                           server.namespace, server.name, exc)
            return False
        self.on_write()
        self.last_status[server_id] = body
        return True
