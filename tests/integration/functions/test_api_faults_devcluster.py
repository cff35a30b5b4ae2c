"""Functions behind the fault-injecting proxy: one transient API failure never fails a phase
whose pod is fine, a retried create never makes a twin, and no pod is left behind.

Each test asks the proxy for one exact fault at the request the defect was about (issue 16's
baseline run): a 503 after the server created the pod, 503s during the pending and completion
waits and the log stream, a stream cut mid-line, failed deletes, a request never answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import faults_harness
import pytest

from kes.adapters.k8s import client, errors, objects, podexec, sweeping
from kes.functions import base, registry

pytestmark = pytest.mark.timeout(120)

KubeTask = registry.lookup("KubeTask")
PODS = r"/namespaces/[^/]+/pods$"
POD = r"/namespaces/[^/]+/pods/kanister-job-[^/]+$"


@pytest.fixture(scope="module")
def proxy(cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    started = faults_harness.start_proxy(upstream=cluster.data_dir / "kubeconfig",
                                         data_dir=tmp_path_factory.mktemp("faults"))
    yield started
    started.stop()


@pytest.fixture
def faulty(proxy: Any) -> Iterator[client.Api]:
    """An Api through the proxy, with a short request timeout; rules cleared afterwards."""
    proxy.clear()
    api = client.from_kubeconfig(path=str(proxy.kubeconfig), timeout_s=3.0)
    yield api
    proxy.clear()
    api.close()


def _job_pods(api: client.Api, namespace: str) -> list[dict[str, Any]]:
    return objects.list_objects(api, group="", version="v1", resource="pods",
                                namespace=namespace, label_selector="createdBy=kanister")


def _counting_command(counter: Path, script: str = "") -> list[str]:
    # Pods share this machine's filesystem: each run of the command leaves one line.
    return ["sh", "-c", f"echo ran >> {counter}; {script}"]


def test_a_pod_created_behind_a_lost_answer_is_used_not_created_twice(
    make_ctx: Callable[..., base.PhaseContext], faulty: client.Api, proxy: Any,
    cluster: Any, namespace: str, tmp_path: Path, wait_until: Callable[..., Any],
) -> None:
    proxy.rule("unavailable-after", method="POST", path=PODS)
    counter = tmp_path / "runs"
    assert KubeTask.run is not None
    out = KubeTask.run(make_ctx(api=faulty), {
        "image": "busybox", "command": _counting_command(counter, "kando output done yes")})
    assert out == {"done": "yes"}
    assert proxy.injected("unavailable-after") == 1
    assert counter.read_text().splitlines() == ["ran"]
    wait_until(lambda: not _job_pods(cluster.api, namespace), what="the job pod to go")


def test_transient_errors_while_waiting_and_following_the_log_do_not_fail_the_phase(
    make_ctx: Callable[..., base.PhaseContext], faulty: client.Api, proxy: Any,
    recorder: Any,
) -> None:
    proxy.rule("unavailable", method="GET", path=POD, times=3)  # pending wait
    proxy.rule("unavailable", method="GET", path=r"/log$", times=1)  # the stream's open
    proxy.rule("cut", path=r"/log$", watch=True, times=2)  # then cut twice, mid-line
    proxy.rule("unavailable", method="GET", path=POD, times=2, skip=4)  # completion wait
    script = "for i in 1 2 3 4 5 6; do echo line-$i-abcdefghijklmnop; sleep 0.3; done; " \
             "kando output done yes"
    assert KubeTask.run is not None
    out = KubeTask.run(make_ctx(api=faulty), {"image": "busybox",
                                              "command": ["sh", "-c", script]})
    assert out == {"done": "yes"}
    lines = [line for line in recorder.lines if line.startswith("line-")]
    assert lines == [f"line-{i}-abcdefghijklmnop" for i in range(1, 7)]  # each once, in order
    stats = proxy.stats()["injected"]
    assert stats.get("unavailable", 0) >= 4
    assert stats.get("cut", 0) >= 1


def test_a_failed_delete_is_retried_until_the_pod_is_gone(
    make_ctx: Callable[..., base.PhaseContext], faulty: client.Api, proxy: Any,
    cluster: Any, namespace: str, wait_until: Callable[..., Any],
) -> None:
    proxy.rule("unavailable", method="DELETE", path=POD, times=3)
    assert KubeTask.run is not None
    KubeTask.run(make_ctx(api=faulty), {"image": "busybox", "command": ["true"]})
    assert proxy.injected("unavailable") == 3
    assert not _job_pods(cluster.api, namespace)


def test_a_create_that_keeps_failing_leaves_no_pod_behind(
    make_ctx: Callable[..., base.PhaseContext], faulty: client.Api, proxy: Any,
    cluster: Any, namespace: str, wait_until: Callable[..., Any],
) -> None:
    # The first create succeeds but its answer is lost; the lookups of the next seven attempts
    # fail too, so the create fails for good: the pod it made must not stay behind.
    proxy.rule("unavailable-after", method="POST", path=PODS, times=1)
    proxy.rule("unavailable", method="GET", path=PODS, times=7)
    assert KubeTask.run is not None
    with pytest.raises(base.FunctionError, match=r"^Failed to create pod: "):
        KubeTask.run(make_ctx(api=faulty), {"image": "busybox", "command": ["sleep", "30"]})
    assert proxy.stats()["injected"] == {"unavailable-after": 1, "unavailable": 7}
    wait_until(lambda: not _job_pods(cluster.api, namespace), what="the lost pod to go")


def test_a_sweep_that_fails_is_repeated_in_the_background(
    faulty: client.Api, proxy: Any, cluster: Any, namespace: str,
    wait_until: Callable[..., Any],
) -> None:
    for index in range(2):
        objects.request(cluster.api, method="POST",
                        url_path=objects.path(group="", version="v1", resource="pods",
                                              namespace=namespace),
                        body={"metadata": {"name": f"left-{index}", "labels": {"sweep": "me"}},
                              "spec": {"containers": [{"name": "c", "image": "busybox",
                                                       "command": ["sleep", "60"]}]}})
    proxy.rule("unavailable", method="DELETE", path=r"/pods/left-", times=30)
    sweeper = sweeping.PodSweeper(faulty, interval_s=0.2)
    assert sweeper.sweep("sweep=me") == []
    assert sweeper.pending() == {"sweep=me"}
    proxy.clear()
    wait_until(lambda: not sweeper.pending(), what="the background sweep to succeed")
    assert not objects.list_objects(cluster.api, group="", version="v1", resource="pods",
                                    namespace=namespace, label_selector="sweep=me")


def test_a_request_never_answered_times_out_and_is_retried(
    faulty: client.Api, proxy: Any, namespace: str
) -> None:
    proxy.rule("hang", method="GET", path=r"/namespaces/[^/]+$", times=1)
    done = threading.Event()
    found: list[dict[str, Any]] = []

    def read() -> None:
        found.append(objects.get(faulty, group="", version="v1", resource="namespaces",
                                 namespace="", name=namespace))
        done.set()

    began = time.monotonic()
    threading.Thread(target=read, daemon=True).start()
    assert done.wait(30), "a request that is never answered blocked its caller"
    assert found[0]["metadata"]["name"] == namespace
    assert time.monotonic() - began >= 3.0  # it waited out the 3 s timeout, then retried


def test_an_exec_upgrade_refused_with_503_is_retried(
    faulty: client.Api, proxy: Any, cluster: Any, namespace: str,
    wait_until: Callable[..., Any],
) -> None:
    objects.request(cluster.api, method="POST",
                    url_path=objects.path(group="", version="v1", resource="pods",
                                          namespace=namespace),
                    body={"metadata": {"name": "target"},
                          "spec": {"containers": [{"name": "c", "image": "busybox",
                                                   "command": ["sleep", "60"]}]}})
    wait_until(lambda: (objects.get(cluster.api, group="", version="v1", resource="pods",
                                    namespace=namespace, name="target").get("status") or {}
                        ).get("phase") == "Running", what="the pod to run")
    proxy.rule("unavailable", path=r"/pods/target/exec$", times=2)
    result = podexec.run(faulty, namespace=namespace, pod="target", command=["echo", "hi"])
    assert result.stdout == b"hi\n"
    assert proxy.injected("unavailable") == 2


def test_reads_answered_503_and_429_are_retried(faulty: client.Api, proxy: Any,
                                                namespace: str) -> None:
    proxy.rule("unavailable", method="GET", path=r"/namespaces/[^/]+$", times=2)
    proxy.rule("too-many-requests", method="GET", path=r"/namespaces/[^/]+$", times=1)
    got = objects.get(faulty, group="", version="v1", resource="namespaces", namespace="",
                      name=namespace)
    assert got["metadata"]["name"] == namespace
    stats = proxy.stats()["injected"]
    assert stats == {"unavailable": 2, "too-many-requests": 1}


def test_a_write_that_is_not_safe_to_repeat_is_not_repeated(
    faulty: client.Api, proxy: Any, namespace: str
) -> None:
    proxy.rule("unavailable", method="POST", path=r"/configmaps$", times=1)
    with pytest.raises(errors.ApiUnavailableError):
        objects.request(faulty, method="POST",
                        url_path=objects.path(group="", version="v1", resource="configmaps",
                                              namespace=namespace),
                        body={"metadata": {"name": "once"}})
    assert proxy.injected("unavailable") == 1
