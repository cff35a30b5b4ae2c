"""Phases of the same functions run at once on one shared API handle without mixing results."""

from __future__ import annotations

from collections.abc import Callable
from concurrent import futures
from typing import Any

from kes.adapters.k8s import pods
from kes.functions import base, registry


def test_concurrent_kubeexec_and_kubetask_keep_their_own_outputs(
    make_ctx: Callable[..., base.PhaseContext], namespace: str
) -> None:
    ctx = make_ctx()
    body = {
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": "busybox", "command": ["sleep", "600"]}]},
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    kube_exec, kube_task = registry.lookup("KubeExec").run, registry.lookup("KubeTask").run
    assert kube_exec is not None and kube_task is not None

    def phase(i: int) -> Any:
        logs: list[str] = []
        own = make_ctx(on_log=logs.append)
        command = ["sh", "-c", f"echo line-{i}; kando output n {i}"]
        if i % 2:
            out = kube_exec(own, {"namespace": namespace, "pod": "app", "command": command})
        else:
            out = kube_task(own, {"image": "busybox", "command": command})
        return out, logs

    with futures.ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(phase, range(12)))
    for i, (out, logs) in enumerate(results):
        assert out == {"n": str(i)}
        assert f"line-{i}" in logs
        assert not any(line.startswith("line-") and line != f"line-{i}" for line in logs)
