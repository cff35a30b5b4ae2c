"""The controller process: watch → queue → reconcile → executor, projections alongside.

One direction of flow (STYLE 6): the ActionSet watch fills an object cache and a work queue;
workers reconcile one key at a time; runs execute on their own threads and record everything
through the application; the projection thread turns the log into status, Events and metrics.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kes import application
from kes.adapters.k8s import client, customresources, errors, watching
from kes.controller import (
    caching,
    executing,
    progressing,
    queueing,
    reconciling,
    serving,
    timeouts,
    unexpected,
    webhook,
)
from kes.controller.repositoryservers import running as repositoryservers
from kes.domain import crds
from kes.projections import following, kubeevents, metrics, repositoryserver_status, status

logger = logging.getLogger(__name__)


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


class Controller:
    def __init__(self, *, api: client.Api, app: application.KesApplication, settings: Settings):
        self.metrics = metrics.Metrics()
        api = dataclasses.replace(
            api, on_error=lambda verb: self.metrics.api_errors.labels(verb=verb).inc()
        )
        self.api = api
        self.app = app
        self.settings = settings
        self.stop_event = threading.Event()
        self.queue = queueing.WorkQueue()
        self.cache: dict[str, dict[str, Any]] = {}
        self.cache_lock = threading.Lock()
        self.synced = threading.Event()
        self.blueprints = caching.ObjectCache(api=api, resource="blueprints")
        self.profiles = caching.ObjectCache(api=api, resource="profiles")
        self.executor = executing.Executor(
            app=app,
            api=api,
            controller_namespace=settings.controller_namespace,
            profiles=self.profiles,
            blueprints=self.blueprints,
            progress_interval_s=settings.progress_interval_s,
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
        )
        self.followers: list[following.Follower] = [
            self.status,
            kubeevents.EventsProjection(
                app=app, api=api, on_write=self.metrics.kube_events_written.inc
            ),
            metrics.MetricsProjection(app=app, metrics=self.metrics),
        ]
        self.repositoryservers: repositoryservers.RepositoryServers | None = None
        if settings.repositoryservers:
            self.repositoryservers = repositoryservers.RepositoryServers(
                app=app, api=api, stop=self.stop_event, namespaces=settings.namespaces,
                check_interval_s=settings.repositoryserver_check_interval_s,
            )
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
        if self.settings.create_crds:
            for crd in crds.crd_documents():
                customresources.apply_definition(self.api, crd=crd)
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
        if self.repositoryservers is not None:
            self.repositoryservers.start()
        self._spawn("projections", following.run_forever, self.followers, stop=self.stop_event)
        if self.settings.health_port is not None:
            self._httpd = serving.start(
                address=self.settings.health_address,
                port=self.settings.health_port,
                metrics=self.metrics,
                is_ready=self.is_ready,
                refresh=self.refresh_gauges,
                version=self.settings.version,
            )
        logger.info("Controller started.")

    def stop(self) -> None:
        self.stop_event.set()
        self.queue.close()
        self.reconciler.stop()
        self.reconciler.wait_idle(timeout=10)
        if self.repositoryservers is not None:
            self.repositoryservers.stop_and_wait()
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

    def refresh_gauges(self) -> dict[str, int]:
        """Update the gauges that are read, not counted; the projections' lags."""
        lags = {f.name: f.lag() for f in self.followers}
        for name, lag in lags.items():
            self.metrics.projection_lag.labels(projection=name).set(lag)
        self.metrics.running_actionsets.set(self.reconciler.running)
        return lags

    def is_ready(self) -> bool:
        """Ready: the ActionSet watch has listed once, the projections have caught up, and the
        Blueprint webhook (when on) serves with a certificate valid now."""
        if self.webhook is not None and not self.webhook.healthy():
            return False
        return self.synced.is_set() and not any(self.refresh_gauges().values())

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
            if event.type == "DELETED":
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
            uids = {str(o["metadata"].get("uid")) for o in self.cache.values()}
        self.reconciler.resume_orphans(uids, namespaces=self.settings.namespaces)
        self.synced.set()

    def _work(self) -> None:
        while not self.stop_event.is_set():
            key = self.queue.get(timeout=0.5)
            if key is None:
                continue
            try:
                with self.cache_lock:
                    obj = self.cache.get(key)
                self.reconciler.reconcile(key, obj)
            except errors.ApiError as exc:
                logger.warning("Reconciling %s failed: %s. Retrying.", key, exc)
                self.stop_event.wait(0.5)
                self.queue.add(key)
            except Exception as exc:
                unexpected.log(logger, "Reconciling %s failed.", key, exc=exc)
            finally:
                self.queue.done(key)
