"""What the controller does about one RepositoryServer, decided from its log.

Called by a worker for one namespace/name with the newest object from the watch. The log says
where the server is: a new one is registered and set up; a reconcile interrupted by a crash is
resumed at its next step (the Service and Pod it named are found, not made again, and a server
that already answers is not started twice); a Ready one is checked (`server status`) once after
a controller start and then on every tick, and is set up again when its process is gone or its
user-access Secret changed; a Failed one is set up again, with backoff, only when one of its
Secrets changed; a spec change Kanister forbids (rootPath, storage) is recorded and refused.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from kes import application
from kes.adapters.k8s import client
from kes.controller.repositoryservers import serversecrets, steps
from kes.domain import events, masking, repositoryserver

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 300.0


def retry_delay(attempt: int) -> float:
    """1 s, 2 s, 4 s … up to 5 minutes between set-ups of a server that keeps failing."""
    return min(float(2 ** max(attempt - 1, 0)), MAX_RETRY_DELAY_S)


class Reconciler:
    def __init__(
        self, *, app: application.KesApplication, api: client.Api, stop: threading.Event,
        check_interval_s: float = 10.0,
        requeue_after: Callable[[str, float], None] = lambda _key, _delay: None,
    ) -> None:
        self.requeue_after = requeue_after
        self.app = app
        self.api = api
        self.stop = stop
        self.check_interval_s = check_interval_s
        self._checked: dict[UUID, float] = {}  # last `server status` by this process

    # --- entry points -------------------------------------------------------------------------

    def reconcile(self, obj: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            return  # owner references remove the pod and service; DELETED records the end
        server_id = repositoryserver.RepositoryServerLifecycle.id_for(str(meta.get("uid", "")))
        server = self._server(server_id)
        if server is None:
            self.app.register_repositoryserver(
                name=meta["name"], namespace=meta.get("namespace", ""), uid=str(meta["uid"]),
                spec=dict(obj.get("spec") or {}),
            )
            server = self.app.server(server_id)
        if server.is_terminal:
            return
        spec = self._effective_spec(server_id, server, obj)
        if self._decide(server_id, server, obj, spec):
            self._drive(server_id, obj, spec)

    def deleted(self, obj: Mapping[str, Any]) -> None:
        uid = str((obj.get("metadata") or {}).get("uid", ""))
        self.forget(repositoryserver.RepositoryServerLifecycle.id_for(uid))

    def forget(self, server_id: UUID) -> None:
        """The CR is gone: record `ServerDeleted` (its pod and service go with it)."""
        server = self._server(server_id)
        if server is not None and not server.is_terminal:
            self.app.server_command(server_id, lambda s: s.delete())
            logger.info("RepositoryServer %s/%s deleted.", server.namespace, server.name)
        self._checked.pop(server_id, None)

    # --- decisions ----------------------------------------------------------------------------

    def _server(self, server_id: UUID) -> repositoryserver.RepositoryServerLifecycle | None:
        try:
            return self.app.server(server_id)
        except application.RunNotFoundError:
            return None

    def _effective_spec(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle,
        obj: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The CR's spec with Kanister's immutable fields as recorded at registration."""
        spec = copy.deepcopy(dict(obj.get("spec") or {}))
        changed = server.changed_immutable_fields(spec)
        if not changed:
            return spec
        generation = int((obj.get("metadata") or {}).get("generation") or 0)
        if server.rejected_generation != generation:
            message = (f"{', '.join('spec.' + f for f in changed)} cannot change once a "
                       f"RepositoryServer exists (Kanister makes them immutable); "
                       "the recorded values stay in force. Create a new RepositoryServer.")
            self.app.server_command(server_id, lambda s: s.reject_spec_change(
                fields=list(changed), message=message, generation=generation))
            logger.warning("RepositoryServer %s/%s: %s", server.namespace, server.name, message)
        spec["storage"] = copy.deepcopy(server.spec.get("storage"))
        spec.setdefault("repository", {})["rootPath"] = (
            (server.spec.get("repository") or {}).get("rootPath"))
        return spec

    def _decide(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle,
        obj: Mapping[str, Any], spec: Mapping[str, Any],
    ) -> bool:
        """Record what happens now; True when a set-up (new or resumed) is to run."""
        generation = int((obj.get("metadata") or {}).get("generation") or 0)
        if server.progress == repositoryserver.PENDING:
            if server.setup_started is None:
                self._request(server_id, reason="created", attempt=0, generation=generation)
            else:
                self.app.server_command(server_id, lambda s: s.resume_setup())
            return True
        if generation and generation != server.generation:
            self._request(server_id, reason="spec changed", attempt=0, generation=generation)
            return True
        if server.progress == repositoryserver.READY:
            return self._check_ready(server_id, server, obj, spec, generation)
        if server.progress == repositoryserver.FAILED:
            return self._maybe_retry(server_id, server, spec, generation)
        return False

    def _request(self, server_id: UUID, *, reason: str, attempt: int, generation: int) -> None:
        self.app.server_command(server_id, lambda s: s.request_setup(
            reason=reason, attempt=attempt, generation=generation))

    def _check_ready(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle,
        obj: Mapping[str, Any], spec: Mapping[str, Any], generation: int,
    ) -> bool:
        first = server_id not in self._checked
        if not first and time.monotonic() - self._checked[server_id] < self.check_interval_s:
            return False
        self._checked[server_id] = time.monotonic()
        versions = serversecrets.versions(self.api, spec=spec, namespace=server.namespace)
        recorded = server.secret_versions.get("userAccess")
        if versions.get("userAccess") and recorded and versions["userAccess"] != recorded:
            self._request(server_id, reason="user access secret changed", attempt=0,
                          generation=generation)
            return True
        started = time.monotonic()
        answered, problem = self._answers(server, obj, spec)
        if answered:
            if first:
                self.app.server_command(server_id, lambda s: s.recheck(
                    duration_s=time.monotonic() - started))
            return False
        self.app.server_command(server_id, lambda s: s.lose_server_process(message=problem))
        logger.warning("RepositoryServer %s/%s stopped answering: %s. Setting it up again.",
                       server.namespace, server.name, problem)
        self._request(server_id, reason="server process lost", attempt=0, generation=generation)
        return True

    def _answers(
        self, server: repositoryserver.RepositoryServerLifecycle, obj: Mapping[str, Any],
        spec: Mapping[str, Any],
    ) -> tuple[bool, str]:
        ctx = steps.Context(api=self.api, cr=obj, spec=spec, cancel=self.stop,
                            record_command=_ignore, pod_name=server.pod_name,
                            service_name=server.service_name)
        try:
            steps.read_secrets(ctx)
            ctx.pod = steps.pod_of(ctx)
            if ctx.pod is None:
                return False, f"pod {server.pod_name} is gone"
            if steps.status_ok(ctx, record=False):
                return True, ""
        except steps.StepError as exc:
            return False, str(exc)
        return False, "kopia server status failed: the server does not answer"

    def _maybe_retry(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle,
        spec: Mapping[str, Any], generation: int,
    ) -> bool:
        now = events.utcnow()
        if server.retry_scheduled is not None:
            if now < server.retry_scheduled:
                self.requeue_after(f"{server.namespace}/{server.name}",
                                   (server.retry_scheduled - now) / dt.timedelta(seconds=1))
                return False
            self._request(server_id, reason="secrets changed", attempt=server.attempt + 1,
                          generation=generation)
            return True
        versions = serversecrets.versions(self.api, spec=spec, namespace=server.namespace)
        changed = sorted(role for role, version in versions.items()
                         if version != server.secret_versions.get(role, ""))
        if not changed:
            return False
        attempt = server.attempt + 1
        delay = retry_delay(attempt)
        self.app.server_command(server_id, lambda s: s.schedule_retry(
            attempt=attempt, delay_s=delay, reason=f"secret(s) changed: {', '.join(changed)}"))
        self.requeue_after(f"{server.namespace}/{server.name}", delay)
        return False

    # --- the set-up ---------------------------------------------------------------------------

    def _drive(self, server_id: UUID, obj: Mapping[str, Any], spec: dict[str, Any]) -> None:
        server = self.app.server(server_id)

        def record(step: str, command: str, ok: bool, seconds: float, detail: str) -> None:
            self.app.server_command(server_id, lambda s: s.record_command(
                step=step, command=command, ok=ok, duration_s=seconds, detail=detail))

        ctx = steps.Context(api=self.api, cr=obj, spec=spec, record_command=record,
                            cancel=self.stop, pod_name=server.pod_name,
                            service_name=server.service_name)
        while not self.stop.is_set():
            server = self.app.server(server_id)
            step = server.next_step()
            if step is None:
                self._ready(server_id, server)
                return
            started = time.monotonic()
            try:
                self._step(server_id, server, step, ctx)
            except steps.StepError as exc:
                if self.stop.is_set():
                    return  # a stopping controller records no failure: the next one resumes
                self._fail(server_id, server, step=step, error=str(exc), ctx=ctx,
                           seconds=time.monotonic() - started)
                return
            except _PodLostError:
                self._request(server_id, reason="server pod lost", attempt=0,
                              generation=server.generation)
                ctx.pod, ctx.pod_name, ctx.secrets = None, "", None

    def _ready(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle
    ) -> None:
        began = server.setup_started or events.utcnow()
        total = (events.utcnow() - began) / dt.timedelta(seconds=1)
        self.app.server_command(server_id, lambda s: s.mark_ready(duration_s=total))
        self._checked[server_id] = time.monotonic()
        logger.info("RepositoryServer %s/%s is Ready after %.2f s.", server.namespace,
                    server.name, total)

    def _step(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle, step: str,
        ctx: steps.Context,
    ) -> None:
        started = time.monotonic()
        if step == "ServerSetup":
            self._setup(server_id, ctx)
            self.app.server_command(server_id, lambda s: s.record_setup(
                pod_name=ctx.pod_name, service_name=ctx.service_name,
                duration_s=time.monotonic() - started))
            return
        if ctx.secrets is None:
            steps.read_secrets(ctx)
        if ctx.pod is None:
            ctx.pod = steps.pod_of(ctx)
            if ctx.pod is None:
                raise _PodLostError()
        if step == "RepositoryConnected":
            steps.connect(ctx)
            self.app.server_command(server_id, lambda s: s.record_repository_connected(
                duration_s=time.monotonic() - started))
        elif step == "ServerInitialized":
            started_server = steps.initialize(ctx)
            self.app.server_command(server_id, lambda s: s.record_server_initialized(
                started=started_server, duration_s=time.monotonic() - started))
        elif step == "ClientUserInitialized":
            users = steps.users(ctx)
            self.app.server_command(server_id, lambda s: s.record_client_users_initialized(
                users=users, duration_s=time.monotonic() - started))
        elif step == "ServerRefreshed":
            steps.refresh(ctx)
            self.app.server_command(server_id, lambda s: s.record_refreshed(
                duration_s=time.monotonic() - started))

    def _setup(self, server_id: UUID, ctx: steps.Context) -> None:
        namespace = str(ctx.cr["metadata"]["namespace"])
        try:
            secrets = steps.read_secrets(ctx)
        except steps.StepError:
            versions = serversecrets.versions(self.api, spec=ctx.spec, namespace=namespace)
            self.app.server_command(server_id, lambda s: s.record_secrets_read(
                forms={}, versions=versions, location_type="", credential_kind="",
                hostnames=[]))
            raise
        self.app.server_command(server_id, lambda s: s.record_secrets_read(
            forms=secrets.forms, versions=secrets.versions, location_type=secrets.location.type,
            credential_kind=secrets.credentials.kind, hostnames=sorted(secrets.user_access)))
        def name_service(name: str) -> None:
            self.app.server_command(server_id, lambda s: s.name_service(name=name))

        def name_pod(name: str) -> None:
            self.app.server_command(server_id, lambda s: s.name_pod(name=name))

        steps.setup(ctx, name_service=name_service, name_pod=name_pod)


    def _fail(
        self, server_id: UUID, server: repositoryserver.RepositoryServerLifecycle, *, step: str,
        error: str, ctx: steps.Context, seconds: float,
    ) -> None:
        secrets = ctx.secrets.values() if ctx.secrets is not None else []
        message = masking.mask(error, secrets=secrets)
        self.app.server_command(server_id, lambda s: s.fail(
            condition=step, message=message, duration_s=seconds))
        logger.warning("RepositoryServer %s/%s failed at %s after %.2f s: %s", server.namespace,
                       server.name, step, seconds, message)


class _PodLostError(Exception):
    """The pod named in the log is gone: the reconcile starts over."""


def _ignore(_step: str, _command: str, _ok: bool, _seconds: float, _detail: str) -> None:
    return None
