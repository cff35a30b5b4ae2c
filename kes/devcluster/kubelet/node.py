"""The process kubelet: watches pods, runs a worker per pod, serves log and exec.

It follows the pods bound to its node (on the stand-in, every pod: it is the only node and binds
them itself). A new pod gets a worker; a pod marked for deletion or deleted has its processes
stopped (SIGTERM, then SIGKILL after the grace period) and its directory removed, and a real API
server is then told the pod may go (it waits for the kubelet, which the stand-in does not).
As in the real kubelet, housekeeping every two seconds checks each worker's pod against the API,
so a deletion the watch never delivered still stops its processes.
Finished pods keep their logs until deleted. The API is `objectapi.NodeApi`: the stand-in's
store in process, or a real API server over HTTPS (kubelet/config.py says what differs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
import shutil
import time
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from kes.devcluster import objectapi
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import (
    config,
    execing,
    helpers,
    hosts,
    localapi,
    logstream,
    pods,
    recording,
    sandbox,
    serviceaccount,
    volumes,
)

logger = logging.getLogger(__name__)
_DEFAULT_GRACE_SECONDS = 30.0
HOUSEKEEPING_SECONDS = 2.0  # the real kubelet's housekeeping period
SERVICES: store_mod.ResourceKey = ("", "v1", "services")


def grace_seconds(pod: dict[str, Any], *, stand_in: bool = True) -> float:
    meta_grace = pod.get("metadata", {}).get("deletionGracePeriodSeconds")
    spec_grace = pod.get("spec", {}).get("terminationGracePeriodSeconds")
    # The stand-in marks finalizer-held deletions with a grace of 0, so there the pod spec's
    # own grace period is what the user asked for; a real API server sets the deletion's
    # grace from the request (or the spec) and that is the one to honour.
    order = (spec_grace, meta_grace) if stand_in else (meta_grace, spec_grace)
    for value in order:
        if value is not None:
            return float(value)
    return _DEFAULT_GRACE_SECONDS


class Kubelet:
    def __init__(
        self, *, api: objectapi.NodeApi, data_dir: pathlib.Path,
        node: config.NodeConfig | None = None, pod_path: list[pathlib.Path] | None = None,
    ) -> None:
        self.api = api
        self.data_dir = data_dir
        self.node = node or config.NodeConfig()
        self.helpers = helpers.prepare(data_dir=data_dir, pod_path=pod_path or [])
        self.workers: dict[str, pods.PodWorker] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._stopping_uids: set[str] = set()
        self.availability = sandbox.Availability()
        self.hosts_files = hosts.HostsFiles()

    @classmethod
    def on_store(
        cls, *, store: store_mod.Store, data_dir: pathlib.Path,
        pod_path: list[pathlib.Path] | None = None,
    ) -> Kubelet:
        """The stand-in's kubelet, on its store in process."""
        return cls(api=localapi.LocalNodeApi(store=store, data_dir=data_dir), data_dir=data_dir,
                   pod_path=pod_path)

    async def run(self) -> None:
        """Until cancelled: follow pods, start and stop their processes, write their status."""
        started = time.time()
        problem = await self.availability.check()
        await recording.register_node(self.api, node=self.node, runtime_problem=problem)
        if not self.node.api_port:
            await serviceaccount.wait_for_port_file(data_dir=self.data_dir, since=started - 1)
        tasks = [asyncio.create_task(recording.renew_lease(self.api, node=self.node)),
                 asyncio.create_task(self._follow_runtime(problem)),
                 asyncio.create_task(self._follow_services()),
                 asyncio.create_task(self._housekeeping())]
        if self.node.stand_in:
            tasks.append(asyncio.create_task(self._reclaim_volumes()))
        try:
            watcher = self.api.watch(pods.PODS, field_selector=self.node.pod_selector)
            try:
                async for event in watcher:
                    self._handle(event)
            finally:
                watcher.close()
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await self.stop()

    async def _follow_runtime(self, problem: str | None) -> None:
        """While pods cannot get a sandbox the node is NotReady, saying why; probe with a
        back-off until they can (pods waiting on it start on their own next probe)."""
        delay = 1.0
        if problem is not None:
            logger.warning("Pods stay Pending until the sandbox works: %s", problem)
        while problem is not None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            problem = await self.availability.check()
        if delay > 1.0:
            logger.info("The sandbox works now; pods start.")
            await recording.register_node(self.api, node=self.node, runtime_problem=None)

    async def _housekeeping(self) -> None:
        """Stop the workers whose pod is gone, replaced (same name, new uid) or being deleted
        although no watch event said so: a pod's processes never outlive it."""
        while True:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            for uid, worker in list(self.workers.items()):
                try:
                    pod = await self.api.get(pods.PODS, namespace=worker.namespace,
                                             name=worker.name)
                except store_mod.NotFoundError:
                    pod = None
                except store_mod.StoreError:
                    continue  # the API is in trouble: the next round asks again
                if self.workers.get(uid) is not worker:
                    continue  # a watch event handled it meanwhile
                if pod is not None and pod["metadata"].get("uid") == uid:
                    if pod["metadata"].get("deletionTimestamp"):
                        self._handle(store_mod.WatchEvent("MODIFIED", pod))
                    continue
                logger.warning("Pod %s/%s is gone but its processes ran: stopping them.",
                               worker.namespace, worker.name)
                self._handle(store_mod.WatchEvent("DELETED", worker.pod))

    async def _reclaim_volumes(self) -> None:
        """A deleted claim's directory goes too (the Delete reclaim policy of a dynamic
        provisioner), unless a pod here still mounts it. Only on the stand-in: a real cluster
        has a provisioner for that."""
        watcher = self.api.watch(volumes.PVCS)
        try:
            async for event in watcher:
                if event.type != "DELETED":
                    continue
                claim = event.object
                namespace = claim["metadata"].get("namespace")
                name = claim["metadata"]["name"]
                if any(w.namespace == namespace and name in w.claims()
                       for w in self.workers.values()):
                    continue
                directory = volumes.pvc_directory(data_dir=self.data_dir, claim=claim)
                await asyncio.to_thread(shutil.rmtree, directory, True)
        finally:
            watcher.close()

    async def _follow_services(self) -> None:
        """Keep every pod's /etc/hosts listing the Services (there is no cluster DNS)."""
        watcher = self.api.watch(SERVICES)
        try:
            async for event in watcher:
                if event.type in ("ADDED", "MODIFIED", "DELETED"):
                    self.hosts_files.service_event(event_type=event.type, service=event.object)
        finally:
            watcher.close()

    def _handle(self, event: store_mod.WatchEvent) -> None:
        pod = event.object
        meta = pod.get("metadata", {})
        uid = meta.get("uid")
        if event.type == "BOOKMARK" or not uid:
            return
        if event.type == "DELETED" or meta.get("deletionTimestamp"):
            worker = self.workers.pop(uid, None)
            if event.type == "DELETED":
                if worker is not None:
                    self._spawn(worker.stop(grace=grace_seconds(pod, stand_in=self.node.stand_in),
                                            remove_files=True))
            elif worker is not None or uid not in self._stopping_uids:
                self._stopping_uids.add(uid)
                self._spawn(self._terminate(pod, worker))
            return
        if uid in self.workers:
            return
        phase = (pod.get("status") or {}).get("phase")
        if phase in {"Succeeded", "Failed"}:
            return
        worker = pods.PodWorker(api=self.api, pod=pod, data_dir=self.data_dir,
                                availability=self.availability, helpers=self.helpers,
                                hosts_files=self.hosts_files, node=self.node)
        self.workers[uid] = worker
        worker.start()

    async def _terminate(self, pod: dict[str, Any], worker: pods.PodWorker | None) -> None:
        """A graceful deletion: stop the containers, then let the API server remove the pod."""
        meta = pod["metadata"]
        try:
            if worker is not None:
                await worker.stop(grace=grace_seconds(pod, stand_in=self.node.stand_in),
                                  remove_files=True)
            await self.api.delete_pod(namespace=meta.get("namespace", "default"),
                                      name=meta["name"], uid=meta["uid"])
        except store_mod.StoreError as exc:
            logger.warning("Removing pod %s/%s failed: %s", meta.get("namespace"), meta["name"],
                           exc)
        finally:
            self._stopping_uids.discard(meta["uid"])

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        task.add_done_callback(_report_failure)

    def worker_for(self, pod: dict[str, Any]) -> pods.PodWorker | None:
        return self.workers.get(pod.get("metadata", {}).get("uid", ""))

    async def handle_log(
        self, request: web.Request, *, namespace: str, name: str
    ) -> web.StreamResponse:
        return await logstream.handle(request, kubelet=self, namespace=namespace, name=name)

    async def handle_exec(
        self, request: web.Request, *, namespace: str, name: str
    ) -> web.StreamResponse:
        return await execing.handle(request, kubelet=self, namespace=namespace, name=name)

    async def stop(self) -> None:
        """Kill every process (server shutdown); pod directories stay for a restart."""
        workers = list(self.workers.values())
        self.workers.clear()
        await asyncio.gather(*(w.stop(grace=0, remove_files=False) for w in workers),
                             return_exceptions=True)
        for task in list(self._stopping):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("Stopping a pod failed.", exc_info=task.exception())
