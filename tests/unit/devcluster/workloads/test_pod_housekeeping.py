"""A pod's processes never outlive it: the kubelet's housekeeping stops a worker whose pod went
without a watch event saying so, and a stop cut short still kills the container's processes."""

from __future__ import annotations

import asyncio
import os
import pathlib
import uuid

import workloads_harness as h

from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import logs, processes


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _deaf_to_pod_events(store: store_mod.Store) -> None:
    # What a watch that never delivers the deletion looks like: the kubelet's pod watcher stays
    # open but is no longer told of changes.
    for watcher in list(store._watchers):
        if watcher.key == h.PODS:
            store._unsubscribe(watcher)


def test_a_deleted_pod_whose_event_never_came_is_stopped_by_housekeeping(
    tmp_path: pathlib.Path,
) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(h.PODS, h.pod("quiet", {
                "name": "main", "image": "x", "command": ["sleep", "600"]},
                terminationGracePeriodSeconds=1))
            running = await h.wait_for(store, h.PODS, namespace="default", name="quiet",
                                       predicate=h.phase_is("Running"))
            worker = kubelet.worker_for(running)
            assert worker is not None
            pid = worker._attempts["main"].pid
            assert pid is not None and _alive(pid)
            _deaf_to_pod_events(store)
            await store.delete(h.PODS, namespace="default", name="quiet")
            async with asyncio.timeout(h.DEADLINE):
                while worker.uid in kubelet.workers or kubelet._stopping or _alive(pid):
                    await asyncio.sleep(0.05)
            assert not worker.pod_dir.exists()

    asyncio.run(scenario())


def test_a_stop_cancelled_during_its_grace_period_still_kills(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        log = logs.ContainerLog(directory=tmp_path / "log")
        log.begin(attempt=0)
        attempt = processes.Attempt(log=log)
        marker = tmp_path / f"armed-{uuid.uuid4().hex}"
        await attempt.start(argv=["sh", "-c", f"trap '' TERM; touch {marker}; "
                                  "while true; do sleep 0.1; done"], env=dict(os.environ))
        async with asyncio.timeout(h.DEADLINE):
            while not marker.exists():  # SIGTERM is ignored only once the trap is set
                await asyncio.sleep(0.05)
        pid = attempt.pid
        assert pid is not None
        stopping = asyncio.create_task(attempt.stop(grace=600))
        await asyncio.sleep(0)  # the stop has sent SIGTERM and waits out the grace period
        stopping.cancel()
        async with asyncio.timeout(h.DEADLINE):
            while _alive(pid):
                await asyncio.sleep(0.05)
        assert await attempt.wait() == 128 + 9

    asyncio.run(scenario())
