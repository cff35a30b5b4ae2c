"""The RepositoryServer side of the controller: watch, queue, workers and a periodic tick.

Kanister runs this as a separate controller-runtime manager with three concurrent reconciles;
kes runs it inside `kes controller run`: a list-and-watch of RepositoryServers fills a cache and
a work queue keyed by namespace/name (one server is never handled twice at once), three workers
reconcile, and a tick re-queues every server each `check_interval_s` so Ready servers are
checked and Failed ones notice changed Secrets. A server deleted while the controller was down
is recorded as deleted when the first list does not have it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from kes import application
from kes.adapters.k8s import client, customresources, errors, watching
from kes.controller import queueing, unexpected
from kes.controller.repositoryservers import reconciling

logger = logging.getLogger(__name__)

WORKERS = 3  # Kanister's MaxConcurrentReconciles


class RepositoryServers:
    def __init__(
        self, *, app: application.KesApplication, api: client.Api, stop: threading.Event,
        namespaces: tuple[str, ...] = (), check_interval_s: float = 10.0,
    ) -> None:
        self.app = app
        self.api = api
        self.stop = stop
        self.namespaces = namespaces or ("",)
        self.check_interval_s = check_interval_s
        self.queue = queueing.WorkQueue()
        self.cache: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.listed = threading.Event()
        self._pending_lists = len(self.namespaces)
        self.reconciler = reconciling.Reconciler(
            app=app, api=api, stop=stop, check_interval_s=check_interval_s,
            requeue_after=self._requeue_after)
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for namespace in self.namespaces:
            self._spawn(f"watch-repositoryservers-{namespace or 'all'}", self._watch, namespace)
        for index in range(WORKERS):
            self._spawn(f"repositoryserver-worker-{index}", self._work)
        self._spawn("repositoryserver-tick", self._tick)

    def stop_and_wait(self, timeout: float = 10.0) -> None:
        self.queue.close()
        for thread in self._threads:
            if not thread.name.startswith("watch-"):
                thread.join(timeout)

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _watch(self, namespace: str) -> None:
        collection = watching.Collection(
            group=customresources.GROUP, version=customresources.VERSION,
            resource="repositoryservers", namespace=namespace,
        )
        first = True
        for event in watching.follow(self.api, collection=collection, stop=self.stop):
            if event.type == watching.RELISTED:
                self._relisted(namespace, event.objects, first=first)
                first = False
                continue
            key = queueing.key_of(event.object)
            with self.lock:
                if event.type == "DELETED":
                    self.cache.pop(key, None)
                else:
                    self.cache[key] = event.object
            if event.type == "DELETED":
                self._safely(key, self.reconciler.deleted, event.object)
            else:
                self.queue.add(key)

    def _relisted(
        self, namespace: str, items: tuple[dict[str, Any], ...], *, first: bool
    ) -> None:
        present = {queueing.key_of(item) for item in items}
        uids = {str(item["metadata"].get("uid")) for item in items}
        with self.lock:
            for key in [k for k in self.cache if k not in present
                        and (not namespace or k.startswith(f"{namespace}/"))]:
                del self.cache[key]
        self._forget_missing(namespace, uids)
        if first:
            with self.lock:
                self._pending_lists -= 1
                if self._pending_lists <= 0:
                    self.listed.set()

    def _forget_missing(self, namespace: str, uids: set[str]) -> None:
        """Servers the log has but the API no longer lists were deleted meanwhile."""
        for server_id in self.app.list_servers():
            try:
                server = self.app.server(server_id)
            except application.RunNotFoundError:
                continue
            if server.is_terminal or server.uid in uids:
                continue
            if namespace and server.namespace != namespace:
                continue
            self._safely(f"{server.namespace}/{server.name}", self.reconciler.forget, server_id)

    def _requeue_after(self, key: str, delay_s: float) -> None:
        timer = threading.Timer(max(delay_s, 0.0), self.queue.add, args=(key,))
        timer.daemon = True
        timer.start()

    def _tick(self) -> None:
        while not self.stop.wait(self.check_interval_s):
            with self.lock:
                keys = list(self.cache)
            for key in keys:
                self.queue.add(key)

    def _work(self) -> None:
        while not self.stop.is_set():
            key = self.queue.get(timeout=0.5)
            if key is None:
                continue
            try:
                with self.lock:
                    obj = self.cache.get(key)
                if obj is not None:
                    self.reconciler.reconcile(obj)
            except errors.ApiError as exc:
                logger.warning("Reconciling RepositoryServer %s failed: %s. Retrying.", key, exc)
                self.stop.wait(0.5)
                self.queue.add(key)
            except Exception as exc:
                unexpected.log(logger, "Reconciling RepositoryServer %s failed.", key, exc=exc)
            finally:
                self.queue.done(key)

    def _safely(self, key: str, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except Exception as exc:
            unexpected.log(logger, "Recording the deletion of RepositoryServer %s failed.", key,
                           exc=exc)
