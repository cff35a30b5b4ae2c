"""The controller process: watch → queue → reconcile → executor, projections alongside.

One direction of flow (STYLE 6): the ActionSet watch fills an object cache and a work queue;
workers reconcile one key at a time; runs execute on their own threads and record everything
through the application; one thread per projection turns the log into status, Events and metrics.

With ``--leader-elect`` several replicas run this; the elector (``electing``) picks one and the
gate (``leading``) lets only that one work: workers take keys, runs start and projections write
only while it is open. Every replica watches and keeps its caches warm (``warming``, the
projections' shadow), so the one that takes over resumes the old leader's runs at once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kes import application
from kes.adapters.k8s import client, customresources, errors, watching
from kes.controller import (
    caching,
    cancelling,
    electing,
    executing,
    leading,
    progressing,
    queueing,
    reconciling,
    serving,
    timeouts,
    unexpected,
    warming,
    webhook,
)
from kes.controller.repositoryservers import running as repositoryservers
from kes.domain import crds
from kes.projections import following, kubeevents, metrics, repositoryserver_status, status

logger = logging.getLogger(__name__)

# The exit code of a controller that cannot record events (a full disk, a lost database).
STORE_FAILED_EXIT = 3


@dataclass(frozen=True)
class Settings:
    namespaces: tuple[str, ...] = ()  # empty = all namespaces
    workers: int = 4
    controller_namespace: str = "default"
    default_timeouts: timeouts.Timeouts = field(default_factory=timeouts.Timeouts)
    create_crds: bool = True
    health_address: str = "127.0.0.1"
    health_port: int | None = None  # None = no HTTP server
    status_interval_s: float = 0.2
    progress_interval_s: float = progressing.DEFAULT_INTERVAL_S
    version: str = "dev"
    repositoryservers: bool = True
    repositoryserver_check_interval_s: float = 10.0
    # The Blueprint webhook serves when the certificate exists (Kanister's rule); None = off.
    webhook_cert_dir: Path | None = None
    webhook_address: str = "127.0.0.1"
    webhook_port: int = webhook.DEFAULT_PORT
    # Leader election on a Lease (several replicas on one PostgreSQL log); None = one replica.
    election: electing.Settings | None = None


class Controller:
    def __init__(self, *, api: client.Api, app: application.KesApplication, settings: Settings):
        self.metrics = metrics.Metrics()
        api = dataclasses.replace(
            api, on_error=lambda verb: self.metrics.api_errors.labels(verb=verb).inc()
        )
        self.api = api
        self.app = app
        self.app.store_failed = self._store_failed
        self.settings = settings
        self.stop_event = threading.Event()
        self.queue = queueing.WorkQueue()
        self.cache: dict[str, dict[str, Any]] = {}
        self.cache_lock = threading.Lock()
        self.synced = threading.Event()
        self.blueprints = caching.ObjectCache(api=api, resource="blueprints")
        self.profiles = caching.ObjectCache(api=api, resource="profiles")
        self.elector: electing.Elector | None = None
        if settings.election is not None:
            self.elector = electing.Elector(
                api=api, settings=settings.election,
                on_started=lambda record: self.gate.take_over(record),
                on_stopped=lambda reason: self.gate.step_down(reason),
            )
            self.gate = leading.Gate(
                app=app, metrics=self.metrics, identity=self.elector.identity,
                lease=settings.election.lease, still_valid=self.elector.leading,
            )
        else:
            self.gate = leading.Gate(app=app, metrics=self.metrics)
        self.gate.on_take_over.append(self._take_over)
        self.gate.on_step_down.append(self._step_down)
        self.gate.after_step_down.append(self._stepped_down)
        self.warmer = warming.Warmer(app=app)
        self._resume_lock = threading.Lock()
        self._resumed = -1  # the gate generation whose runs were resumed
        self._left = 0  # runs a step-down cancelled
        self._crds_applied = False
        self.executor = executing.Executor(
            app=app,
            api=api,
            controller_namespace=settings.controller_namespace,
            profiles=self.profiles,
            blueprints=self.blueprints,
            progress_interval_s=settings.progress_interval_s,
            on_not_leader=self._not_leader,
        )
        self.status = status.StatusProjection(
            app=app,
            api=api,
            interval_s=settings.status_interval_s,
            on_write=self.metrics.status_writes.inc,
            on_shown_terminal=self.queue.add,
        )
        self.reconciler = reconciling.Reconciler(
            app=app,
            api=api,
            executor=self.executor,
            default_timeouts=settings.default_timeouts,
            requeue=self.queue.add,
            blueprints=self.blueprints,
            status_shown=self.status.shows,
            request_status=self.status.request,
            on_not_leader=self._not_leader,
        )
        self.followers: list[following.Follower] = [
            self.status,
            kubeevents.EventsProjection(
                app=app, api=api, on_write=self.metrics.kube_events_written.inc
            ),
            metrics.MetricsProjection(app=app, metrics=self.metrics),
        ]
        # The RepositoryServer controller is leader-only work: a fresh one every term, stopped
        # with the term (the gate's duty); `repositoryservers` is the current term's.
        self.repositoryservers: repositoryservers.RepositoryServers | None = None
        if settings.repositoryservers:
            self.gate.add_duty(self._repositoryservers)
            self.followers.append(repositoryserver_status.RepositoryServerStatusProjection(
                app=app, api=api, interval_s=settings.status_interval_s,
                on_write=self.metrics.status_writes.inc,
            ))
        self._threads: list[threading.Thread] = []
        self._httpd: Any = None
        self.webhook: webhook.WebhookServer | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self._start_webhook()
        if self.settings.create_crds and self.elector is None:
            self._apply_crds()
        namespaces = self.settings.namespaces or ("",)
        caches = {"blueprints": self.blueprints, "profiles": self.profiles}
        # Ready once every watch has listed: ActionSets, and the caches runs read from.
        self._pending_lists = len(namespaces) * (1 + len(caches))
        for namespace in namespaces:
            self._spawn(f"watch-actionsets-{namespace or 'all'}", self._watch, namespace)
            for resource, cache in caches.items():
                self._spawn(
                    f"watch-{resource}-{namespace or 'all'}", self._watch_cache, namespace, cache
                )
        for index in range(self.settings.workers):
            self._spawn(f"worker-{index}", self._work)
        if self.elector is None:
            self.gate.open_unelected()
        else:
            self.warmer.reset()
            self._spawn("election", self.elector.run, self.stop_event)
        # One thread per projection: a hung Event write never holds up status or metrics.
        self._threads.extend(following.start_each(
            self.followers, stop=self.stop_event, leading=self.gate.leading,
            generation=lambda: self.gate.generation, following=self.warmer.step,
        ))
        if self.settings.health_port is not None:
            self._httpd = serving.start(
                address=self.settings.health_address,
                port=self.settings.health_port,
                metrics=self.metrics,
                is_ready=self.is_ready,
                refresh=self.refresh_gauges,
                version=self.settings.version,
                details=self.leadership,
            )
        logger.info("Controller started.")

    def stop(self) -> None:
        self.stop_event.set()
        self.queue.close()
        election = next((t for t in self._threads if t.name == "election"), None)
        if election is not None:
            election.join(timeout=30)  # steps down (records the end, releases the Lease)
        else:
            self.gate.step_down(electing.SHUTDOWN, record=False)
        # Watch threads may sit in a long poll; they are daemons and end with the process.
        for thread in (t for t in self._threads if not t.name.startswith("watch-")):
            thread.join(timeout=10)
        if self._httpd is not None:
            self._httpd.shutdown()
        if self.webhook is not None:
            self.webhook.shutdown()
        logger.info("Controller stopped.")

    def run_forever(self) -> None:
        self.start()
        try:
            self.stop_event.wait()
        finally:
            self.stop()

    @staticmethod
    def _store_failed(error: application.StoreWriteError) -> None:
        """Nothing may be done that the log does not record first: stop at once, as a crash
        would (runs resume from their last recorded event when the store works again)."""
        logger.critical(
            "%s Stopping the controller: it cannot record what it does. Free space or repair "
            "the store, then start it again; runs resume from their last recorded event.", error,
        )
        logging.shutdown()
        os._exit(STORE_FAILED_EXIT)

    def refresh_gauges(self) -> dict[str, int]:
        """Update the gauges that are read, not counted; the projections' lags."""
        lags = {f.name: f.lag() for f in self.followers}
        for name, lag in lags.items():
            self.metrics.projection_lag.labels(projection=name).set(lag)
        self.metrics.running_actionsets.set(self.reconciler.running)
        return lags

    def is_ready(self) -> bool:
        """Ready: the watches have listed once, the Blueprint webhook (when on) serves with a
        certificate valid now, and the leader's projections (a follower's warm cache) have
        caught up. A follower is ready too: it serves the webhook and can take over."""
        if self.webhook is not None and not self.webhook.healthy():
            return False
        if not self.synced.is_set():
            return False
        if self.gate.leading():
            return not any(self.refresh_gauges().values())
        return self.warmer.warm

    def leadership(self) -> dict[str, Any]:
        """Who leads, for `/readyz` (one replica: nothing, the body stays Kanister's)."""
        if self.elector is None:
            return {}
        leads = self.gate.leading()
        return {
            "leader": leads,
            "identity": self.elector.identity,
            "holder": self.elector.identity if leads else self.elector.holder,
            "lease": self.elector.settings.lease,
        }

    # --- leadership -----------------------------------------------------------------------

    def _apply_crds(self) -> None:
        for crd in crds.crd_documents():
            customresources.apply_definition(self.api, crd=crd)

    def _take_over(self) -> None:
        """The gate opened: start runs again and resume what the log left unfinished."""
        self.reconciler.accept_work()
        self._spawn("takeover", self._recover, self.gate.generation)

    def _recover(self, generation: int) -> None:
        self._resume(generation)  # first: a takeover resumes the runs at once
        if self.settings.create_crds and self.elector is not None and not self._crds_applied:
            try:
                self._apply_crds()  # once per process, by its first term
                self._crds_applied = True
            except errors.ApiError as exc:
                logger.warning("Could not create or update the CRDs: %s.", exc)

    def _resume(self, generation: int) -> None:
        """Restart recovery, once per term and once the watches listed: every run the log
        has unfinished is resumed (its ActionSet's key queued) or, if its ActionSet is gone,
        cancelled."""
        with self._resume_lock:
            if (generation != self.gate.generation or self._resumed == generation
                    or not self.synced.is_set() or not self.gate.leading()):
                return
            self._resumed = generation
            with self.cache_lock:
                uids = {str(o["metadata"].get("uid")) for o in self.cache.values()}
                keys = list(self.cache)
            self.reconciler.resume_orphans(uids, namespaces=self.settings.namespaces)
            for key in keys:
                self.queue.add(key)
        logger.info("Resuming work: %d ActionSet(s) to reconcile.", len(keys))

    def _step_down(self, reason: str) -> None:
        """Cancel the running phases (quick: the gate records the end of the term next)."""
        self._left = self.reconciler.stop(
            cancelling.STOPPING if reason == electing.SHUTDOWN else cancelling.LOST_LEADERSHIP
        )

    def _stepped_down(self, reason: str) -> None:
        """Let the cancelled runs finish (they record nothing), then warm the cache again."""
        self.reconciler.wait_idle(timeout=10)
        if self._left:
            logger.info("Left %d running ActionSet(s) to the next leader's restart recovery.",
                        self._left)
        if reason != electing.SHUTDOWN:
            self.warmer.stale = True  # the projection thread reloads it

    def _repositoryservers(self, stop: threading.Event) -> repositoryservers.RepositoryServers:
        """This term's RepositoryServer controller: it lists, watches and reconciles until
        ``stop`` (the end of the term, or of the process)."""
        self.repositoryservers = repositoryservers.RepositoryServers(
            app=self.app, api=self.api, stop=stop, namespaces=self.settings.namespaces,
            check_interval_s=self.settings.repositoryserver_check_interval_s,
        )
        return self.repositoryservers

    def _not_leader(self, message: str) -> None:
        """The log refused a write: another replica's term is newer. Stop leading now."""
        if self.elector is not None:
            self.elector.resign(message)

    def _start_webhook(self) -> None:
        directory = self.settings.webhook_cert_dir
        if directory is None:
            return
        if not webhook.present(directory):
            logger.info("Blueprint webhook off: no %s in %s.", webhook.CERT_FILE, directory)
            return
        self.webhook = webhook.WebhookServer(
            address=self.settings.webhook_address,
            port=self.settings.webhook_port,
            cert_dir=directory,
            metrics=self.metrics,
        )
        self.webhook.start()

    def _spawn(self, name: str, target: Any, *args: Any, **kwargs: Any) -> None:
        thread = threading.Thread(target=target, args=args, kwargs=kwargs, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # --- watch and work -------------------------------------------------------------------

    def _watch(self, namespace: str) -> None:
        collection = watching.Collection(
            group=customresources.GROUP,
            version=customresources.VERSION,
            resource="actionsets",
            namespace=namespace,
        )
        first = True
        for event in watching.follow(self.api, collection=collection, stop=self.stop_event):
            if event.type == watching.RELISTED:
                self._relisted(namespace, event.objects)
                if first:
                    first = False
                    self._list_done()
                continue
            key = queueing.key_of(event.object)
            with self.cache_lock:
                if event.type == "DELETED":
                    self.cache.pop(key, None)
                else:
                    self.cache[key] = event.object
            if event.type == "DELETED" and self.gate.leading():
                self.reconciler.deleted(event.object)
            self.queue.add(key)

    def _watch_cache(self, namespace: str, cache: caching.ObjectCache) -> None:
        collection = watching.Collection(
            group=customresources.GROUP,
            version=customresources.VERSION,
            resource=cache.resource,
            namespace=namespace,
        )
        first = True
        for event in watching.follow(self.api, collection=collection, stop=self.stop_event):
            cache.apply(event, namespace=namespace)
            if event.type == watching.RELISTED and first:
                first = False
                self._list_done()

    def _relisted(self, namespace: str, items: tuple[dict[str, Any], ...]) -> None:
        """Drop cached objects the list no longer has (deleted while the watch was down)."""
        present = {queueing.key_of(item) for item in items}
        with self.cache_lock:
            gone = [
                key
                for key in self.cache
                if key not in present and (not namespace or key.startswith(f"{namespace}/"))
            ]
            for key in gone:
                del self.cache[key]

    def _list_done(self) -> None:
        with self.cache_lock:
            self._pending_lists -= 1
            if self._pending_lists > 0:
                return
        self.synced.set()
        self._resume(self.gate.generation)

    def _work(self) -> None:
        while not self.stop_event.is_set():
            if not self.gate.wait_leading(timeout=0.5):
                continue
            key = self.queue.get(timeout=0.5)
            if key is None:
                continue
            try:
                with self.cache_lock:
                    obj = self.cache.get(key)
                if self.gate.leading():
                    self.reconciler.reconcile(key, obj)
                else:
                    self.queue.add(key)  # for whichever term comes next
            except application.NotLeaderError as exc:
                logger.warning("Reconciling %s stopped: %s", key, exc)
                self._not_leader(str(exc))
                self.queue.add(key)
            except errors.ApiError as exc:
                logger.warning("Reconciling %s failed: %s. Retrying.", key, exc)
                self.stop_event.wait(0.5)
                self.queue.add(key)
            except Exception as exc:
                unexpected.log(logger, "Reconciling %s failed.", key, exc=exc)
            finally:
                self.queue.done(key)
