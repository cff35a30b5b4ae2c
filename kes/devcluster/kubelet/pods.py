"""One pod's life on this node: volumes, init containers, containers, restarts, status.

A worker owns the processes of one pod (by uid) and is the only writer of its status. Status
writes are coalesced: state changes mark the status dirty and one publisher task writes the
latest computed status, so a burst of container events costs one write.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import pathlib
import shutil
from typing import Any

from kes.devcluster import objectapi
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import (
    config,
    environment,
    helpers,
    hosts,
    leftovers,
    logs,
    podstatus,
    processes,
    recording,
    runtimes,
    sandbox,
    security,
    serviceaccount,
    volumes,
)

PODS: store_mod.ResourceKey = ("", "v1", "pods")
_CONFIG_RETRY_SECONDS = 1.0
_MAX_BACKOFF_SECONDS = 10.0
_KILLING_EVENT_SECONDS = 2.0  # a slow API delays the kill by this much at most

logger = logging.getLogger(__name__)


class PodWorker:
    def __init__(
        self, *, api: objectapi.NodeApi, pod: dict[str, Any], data_dir: pathlib.Path,
        availability: sandbox.Availability, helpers: helpers.Helpers,
        hosts_files: hosts.HostsFiles | None = None, node: config.NodeConfig | None = None,
    ) -> None:
        self.api = api
        self.node = node or config.NodeConfig()
        self.hosts_files = hosts_files
        self.pod = copy.deepcopy(pod)
        self.uid: str = pod["metadata"]["uid"]
        self.namespace: str = pod["metadata"].get("namespace", "default")
        self.name: str = pod["metadata"]["name"]
        self.data_dir = data_dir
        self.pod_dir = data_dir / "pods" / self.uid
        self._availability = availability
        self.helpers = helpers
        self._sandbox_problem: str | None = None
        spec = pod.get("spec", {})
        self.policy: str = spec.get("restartPolicy", "Always")
        self.init_specs: list[dict[str, Any]] = spec.get("initContainers") or []
        self.specs: list[dict[str, Any]] = spec.get("containers") or []
        self.init = [podstatus.ContainerState(name=c["name"], image=c.get("image", ""))
                     for c in self.init_specs]
        self.containers = [podstatus.ContainerState(name=c["name"], image=c.get("image", ""))
                           for c in self.specs]
        self.logs = {c["name"]: logs.ContainerLog(directory=self.pod_dir / "logs" / c["name"])
                     for c in [*self.init_specs, *self.specs]}
        self.runtimes: dict[str, runtimes.Runtime] = {}
        self._attempts: dict[str, processes.Attempt] = {}
        self._start_time = logs.now_rfc3339()
        self._failure: dict[str, Any] | None = None
        self._dirty = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run_guarded()),
                       asyncio.create_task(self._publish())]
        for task in self._tasks:
            task.add_done_callback(self._report_crash)
        self._dirty.set()

    def _report_crash(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("A task of pod %s/%s stopped with an error.", self.namespace, self.name,
                         exc_info=task.exception())

    async def stop(self, *, grace: float, remove_files: bool) -> None:
        """Stop every process (SIGTERM, SIGKILL after `grace`) and optionally drop the pod dir."""
        self._stopping = True
        # No status is written from here on: a deleted pod has none to write, and after a
        # server shutdown the next kubelet reports lost containers itself (podstatus.resume).
        for task in self._tasks[1:]:
            task.cancel()
        for name in list(self._attempts):
            # Best effort: a refused or failed Event must never keep the processes running.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._event("Killing", f"Stopping container {name}"),
                                       timeout=_KILLING_EVENT_SECONDS)
        await asyncio.gather(*(a.stop(grace=grace) for a in list(self._attempts.values())))
        # What execs started in the background dies with the pod, as in a container.
        await leftovers.end(self.uid, grace=grace)
        if self.hosts_files is not None:
            self.hosts_files.forget(self.uid)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for log in self.logs.values():
            await log.release()
        if remove_files:
            shutil.rmtree(self.pod_dir, ignore_errors=True)

    def claims(self) -> set[str]:
        """Names of the PersistentVolumeClaims this pod mounts."""
        return {v["persistentVolumeClaim"]["claimName"]
                for v in self.pod.get("spec", {}).get("volumes") or []
                if "persistentVolumeClaim" in v}

    def is_running(self, container: str) -> bool:
        return any(c.name == container and c.state == "running" for c in self.containers)

    # -- the pod's run -----------------------------------------------------------------------

    async def _event(self, reason: str, message: str, *, warning: bool = False,
                     component: str = "kubelet") -> None:
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": self.pod["metadata"]}
        await recording.event(self.api, obj=obj, reason=reason, message=message,
                              warning=warning, component=component, node=self.node.name)

    async def _bind(self) -> None:
        """On the stand-in (no scheduler): set `spec.nodeName` as the scheduler's binding
        would, and say so."""
        if not self.node.stand_in:
            return
        for _ in range(5):
            try:
                current = await self.api.get(PODS, namespace=self.namespace, name=self.name)
                if current["metadata"].get("uid") != self.uid:
                    return
                if not current.get("spec", {}).get("nodeName"):
                    current = copy.deepcopy(current)
                    current.setdefault("spec", {})["nodeName"] = self.node.name
                    await self.api.update(PODS, current)
            except store_mod.ConflictError:
                continue
            except store_mod.StoreError:
                return
            break
        await self._event(
            "Scheduled",
            f"Successfully assigned {self.namespace}/{self.name} to {self.node.name}",
            component="default-scheduler")

    async def _run_guarded(self) -> None:
        """A fault of the kubelet fails the pod with a message rather than leaving it Pending
        for ever."""
        try:
            await self._run()
        except Exception as exc:
            logger.exception("Running pod %s/%s failed.", self.namespace, self.name)
            self._failure = podstatus.failed(
                reason="KubeletError", message=f"The kes kubelet could not run the pod: {exc}",
                now=self._start_time)
            self._dirty.set()

    async def _run(self) -> None:
        await self._bind()
        await self._await_sandbox()
        init_runs, runs = self._resume()
        if not any(runs):
            self._dirty.set()
            return
        await self._prepare()
        for spec, state, again in zip(self.init_specs, self.init, init_runs, strict=True):
            while again and not self._stopping:
                code = await self._run_once(spec=spec, state=state)
                if code == 0:
                    break
                if not podstatus.will_restart(
                    policy="OnFailure" if self.policy == "Always" else self.policy,
                    exit_code=code,
                ):
                    return
                await self._back_off(state)
        await asyncio.gather(*(
            self._supervise(spec=spec, state=state)
            for spec, state, again in zip(self.specs, self.containers, runs, strict=True)
            if again))

    async def _await_sandbox(self) -> None:
        """Stay Pending while no sandbox can be made (bwrap missing or refused), as a real
        kubelet does while its runtime is down, probing again with a back-off."""
        delay = _CONFIG_RETRY_SECONDS
        while not self._stopping:
            problem = await self._availability.check()
            if problem != self._sandbox_problem:
                self._sandbox_problem = problem
                self._dirty.set()
            if problem is None:
                return
            await self._event(podstatus.SANDBOX_REASON,
                              f"Failed to create pod sandbox: {problem}", warning=True)
            await asyncio.sleep(delay)
            delay = min(_MAX_BACKOFF_SECONDS, delay * 2)

    def _resume(self) -> tuple[list[bool], list[bool]]:
        """Which containers run: all of a new pod; after a kubelet restart, those the restart
        policy brings back (see podstatus.resume)."""
        previous = self.pod.get("status") or {}
        if not previous.get("containerStatuses"):
            return [True] * len(self.init), [True] * len(self.containers)
        self._start_time = previous.get("startTime") or self._start_time
        now = logs.now_rfc3339()

        def carry(states: list[podstatus.ContainerState], field: str, init: bool) -> list[bool]:
            before = {c.get("name"): c for c in previous.get(field) or []}
            return [podstatus.resume(state=s, previous=before.get(s.name), policy=self.policy,
                                     now=now, init=init) for s in states]

        return (carry(self.init, "initContainerStatuses", True),
                carry(self.containers, "containerStatuses", False))

    async def _prepare(self) -> None:
        """Volumes and environments; missing references keep the pod waiting and retrying."""
        while not self._stopping:
            try:
                await self._prepare_once()
                return
            except (environment.ConfigError, security.RunAsError, store_mod.StoreError) as exc:
                # A reference not found yet, or (on a real API server) not readable yet.
                if any(state.message != str(exc) for state in [*self.init, *self.containers]):
                    await self._event("Failed", f"Error: {exc}", warning=True)
                for state in [*self.init, *self.containers]:
                    state.reason, state.message = "CreateContainerConfigError", str(exc)
                self._dirty.set()
                await asyncio.sleep(_CONFIG_RETRY_SECONDS)

    async def _prepare_once(self) -> None:
        paths = await volumes.prepare(api=self.api, pod=self.pod, pod_dir=self.pod_dir,
                                      data_dir=self.data_dir)
        readonly = volumes.readonly(pod=self.pod)
        # A real API server's admission adds the token volume to the pod itself.
        account = serviceaccount.mount(
            pod=self.pod, data_dir=self.data_dir, pod_dir=self.pod_dir,
        ) if self.node.stand_in else None
        api_env = serviceaccount.environment(data_dir=self.data_dir, port=self.node.api_port)
        api_env[leftovers.MARKER] = self.uid
        etc_hosts = None if self.hosts_files is None else self.hosts_files.mount_for(
            uid=self.uid, pod=self.pod, pod_dir=self.pod_dir)
        for spec in [*self.init_specs, *self.specs]:
            mounts = volumes.mounts(container=spec, volume_paths=paths,
                                    readonly_volumes=readonly)
            if account is not None and all(m.target != account.target for m in mounts):
                mounts.append(account)
            if etc_hosts is not None and all(m.target != hosts.TARGET for m in mounts):
                mounts.append(etc_hosts)
            mounts.extend(self.helpers.mounts)
            env = await environment.resolve(api=self.api, pod=self.pod, container=spec,
                                            path_first=self.helpers.search_path)
            who = security.identity(pod=self.pod, container=spec)
            launch = security.launch(who=who, switcher=self.helpers.switcher,
                                     container=spec["name"])
            if who is not None:
                env["HOME"] = who.home
            if launch.warning is not None:
                await self._event(security.NOT_SWITCHED, launch.warning, warning=True)
            self.runtimes[spec["name"]] = runtimes.Runtime(
                env=api_env | env, mounts=mounts, working_dir=spec.get("workingDir"),
                launch=launch)

    async def _supervise(self, *, spec: dict[str, Any], state: podstatus.ContainerState) -> None:
        while not self._stopping:
            code = await self._run_once(spec=spec, state=state)
            if self._stopping or not podstatus.will_restart(policy=self.policy, exit_code=code):
                return
            await self._back_off(state)

    async def _back_off(self, state: podstatus.ContainerState) -> None:
        state.last_terminated = state.terminated_body()
        state.restart_count += 1
        state.state, state.reason, state.message = "waiting", "CrashLoopBackOff", (
            f"back-off restarting failed container {state.name} in pod {self.name}")
        self._dirty.set()
        await self._event(
            "BackOff", f"Back-off restarting failed container {state.name} in pod "
            f"{self.name}_{self.namespace}({self.uid})", warning=True)
        await asyncio.sleep(min(_MAX_BACKOFF_SECONDS, 0.5 * 2 ** (state.restart_count - 1)))

    async def _run_once(self, *, spec: dict[str, Any], state: podstatus.ContainerState) -> int:
        runtime = self.runtimes[spec["name"]]
        log = self.logs[spec["name"]]
        log.begin(attempt=state.restart_count)
        attempt = processes.Attempt(log=log)
        argv = processes.argv_of(spec)
        missing = None if argv is None else processes.missing_executable(
            argv=argv, search_path=self.helpers.on_host(runtime.env.get("PATH", "")))
        if missing is not None:
            await log.end()
            await self._event("Failed", f"Error: {missing}", warning=True)
            return self._terminated(state=state, code=128, reason="StartError",
                                    message=f"failed to start container process: {missing}")
        try:
            wrapped = None if argv is None else runtime.command(argv)
            await attempt.start(argv=wrapped, env=runtime.env)
        except (OSError, sandbox.SandboxUnavailableError) as exc:
            await log.end()
            return self._terminated(state=state, code=128, reason="StartError", message=str(exc))
        self._attempts[spec["name"]] = attempt
        await self._event("Pulled", f'Container image "{state.image}" already present on machine')
        await self._event("Created", f"Created container: {state.name}")
        await self._event("Started", f"Started container {state.name}")
        state.state, state.reason, state.message = "running", "", ""
        state.started_at, state.finished_at, state.exit_code = logs.now_rfc3339(), None, None
        state.container_id = f"kes://{self.uid}/{spec['name']}/{attempt.pid or 'idle'}"
        self._dirty.set()
        code = await attempt.wait()
        self._attempts.pop(spec["name"], None)
        return self._terminated(state=state, code=code,
                                reason="Completed" if code == 0 else "Error", message="")

    def _terminated(
        self, *, state: podstatus.ContainerState, code: int, reason: str, message: str
    ) -> int:
        state.state, state.exit_code, state.reason, state.message = (
            "terminated", code, reason, message)
        state.started_at = state.started_at or logs.now_rfc3339()
        state.finished_at = logs.now_rfc3339()
        self._dirty.set()
        return code

    # -- status ------------------------------------------------------------------------------

    def status(self, *, previous: dict[str, Any] | None) -> dict[str, Any]:
        if self._failure is not None:
            return self._failure
        return podstatus.build(init=self.init, containers=self.containers, policy=self.policy,
                               start_time=self._start_time, now=logs.now_rfc3339(),
                               previous=previous, sandbox_problem=self._sandbox_problem)

    async def _publish(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                current = await self.api.get(PODS, namespace=self.namespace, name=self.name)
            except store_mod.NotFoundError:
                return
            if current["metadata"].get("uid") != self.uid:
                return
            new_status = self.status(previous=current.get("status"))
            server_qos = (current.get("status") or {}).get("qosClass")
            if server_qos and "qosClass" in new_status:
                new_status["qosClass"] = server_qos  # a real API server computes it
            if new_status == current.get("status"):
                continue
            # The whole object, as a kubelet sends it (NodeRestriction refuses a status write
            # that would drop labels), without its resourceVersion: the kubelet owns the
            # status, and a pod's status update needs no precondition.
            body = {**current, "status": new_status,
                    "metadata": {k: v for k, v in current["metadata"].items()
                                 if k != "resourceVersion"}}
            try:
                await self.api.update(PODS, body, subresource="status")
            except store_mod.NotFoundError:
                return
            except store_mod.StoreError:
                logger.exception("Writing the status of pod %s/%s failed; retrying.",
                                 self.namespace, self.name)
                self._dirty.set()
                await asyncio.sleep(_CONFIG_RETRY_SECONDS)
