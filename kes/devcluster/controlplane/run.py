"""`python -m kes.devcluster kubernetes`: the real control plane, supervised by one process.

Order of start: credentials and kubeconfigs, etcd, kube-apiserver (waited on until `/readyz`
answers), the objects every start ensures (bootstrap.py), kube-controller-manager and
kube-scheduler, then, in this process, the volume provisioner and the process kubelet as the
node (its API on its own port, its Node and Lease through the API server). The supervisor says
`serving on https://127.0.0.1:<port>` once the node is registered, exactly like the stand-in,
so `kes dev` and the tests start either engine the same way. If a component exits, the
supervisor stops everything and exits with an error naming it and quoting its log. On SIGTERM
it stops the kubelet's pods first and etcd last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
import time
from collections.abc import Callable

from kes.devcluster import httpapi, store_errors
from kes.devcluster.controlplane import bootstrap, flags, pki, processes, provisioner
from kes.devcluster.controlplane import layout as layout_mod
from kes.devcluster.kubelet import config, kubeletapi, node

logger = logging.getLogger(__name__)

START_SECONDS = 180.0
NODES: httpapi.ResourceKey = ("", "v1", "nodes")


class StartError(Exception):
    """The control plane could not start; the message says which part and why."""


async def _wait_ready(admin: httpapi.HttpApi, watched: list[processes.Component]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        for component in watched:
            if component.exited() is not None:
                raise StartError(f"{component.program} exited ({component.exited()}):\n"
                                 f"{component.tail()}")
        with contextlib.suppress(OSError, store_errors.StoreError, ValueError):
            code, _ = await admin.request("GET", "/readyz", timeout=5)
            if code == 200:
                return
        if time.monotonic() > deadline:
            raise StartError(f"kube-apiserver was not ready within {START_SECONDS:.0f} s:\n"
                             f"{watched[-1].tail()}")
        await asyncio.sleep(0.2)


async def _wait_for(api: httpapi.HttpApi, key: httpapi.ResourceKey, *, namespace: str | None,
                    name: str, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(store_errors.StoreError, OSError):
            found = await api.get(key, namespace=namespace, name=name)
            if key != NODES or (found.get("status") or {}).get("conditions"):
                return
        await asyncio.sleep(0.1)
    raise StartError(f"{what} did not appear within {START_SECONDS:.0f} s")


async def _watch_children(components: list[processes.Component]) -> None:
    """Return (with an error) as soon as one component exits."""
    while True:
        for component in components:
            if component.exited() is not None:
                raise StartError(f"{component.program} exited ({component.exited()}):\n"
                                 f"{component.tail()}")
        await asyncio.sleep(0.5)


async def serve(
    *, data_dir: pathlib.Path, port: int, ready: Callable[[int], None] | None = None,
    run_kubelet: bool = True, pod_path: list[pathlib.Path] | None = None,
) -> None:
    """Run until cancelled (or until a component fails: StartError)."""
    missing = processes.missing()
    if missing:
        raise StartError(str(processes.MissingProgramError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed: "
            "`make tools` builds Kubernetes' control plane and etcd from their Go modules")))
    layout = layout_mod.Layout(data_dir)
    keys = pki.ensure(layout)
    ports = layout_mod.choose_ports(layout, apiserver=port)
    url = f"https://127.0.0.1:{ports.apiserver}"
    pki.write_kubeconfigs(layout, keys, url=url)
    (data_dir / "port").unlink(missing_ok=True)
    etcd = processes.Component(program="etcd", argv=flags.etcd(layout, keys, ports),
                               log=layout.log_of("etcd"))
    apiserver = processes.Component(program="kube-apiserver",
                                    argv=flags.apiserver(layout, keys, ports),
                                    log=layout.log_of("kube-apiserver"))
    others = [
        processes.Component(program="kube-controller-manager",
                            argv=flags.controller_manager(layout, keys),
                            log=layout.log_of("kube-controller-manager")),
        processes.Component(program="kube-scheduler", argv=flags.scheduler(layout),
                            log=layout.log_of("kube-scheduler")),
    ]
    admin = httpapi.HttpApi(url=url, ca_file=keys.creds.ca_cert, token=keys.creds.token)
    node_api = httpapi.HttpApi(url=url, ca_file=keys.creds.ca_cert,
                               client_cert=(keys.kubelet_client.cert, keys.kubelet_client.key))
    provisioner_api = httpapi.HttpApi(url=url, ca_file=keys.creds.ca_cert,
                                      client_cert=(keys.provisioner.cert, keys.provisioner.key))
    node_config = config.NodeConfig(stand_in=False, port=ports.kubelet,
                                    api_port=ports.apiserver)
    kubelet = node.Kubelet(api=node_api, data_dir=data_dir, node=node_config, pod_path=pod_path)
    tasks: list[asyncio.Task[None]] = []
    runner = None
    started = time.monotonic()
    try:
        await etcd.start()
        await apiserver.start()
        await _wait_ready(admin, [etcd, apiserver])
        await bootstrap.apply(admin)
        for component in others:
            await component.start()
        tasks.append(asyncio.create_task(provisioner.run(provisioner_api, data_dir=data_dir),
                                         name="provisioner"))
        if run_kubelet:
            runner = await kubeletapi.serve(kubelet, port=ports.kubelet,
                                            context=kubeletapi.ssl_context(
                                                cert=keys.kubelet_serving.cert,
                                                key=keys.kubelet_serving.key,
                                                client_ca=keys.creds.ca_cert))
            tasks.append(asyncio.create_task(kubelet.run(), name="kubelet"))
            await _wait_for(admin, NODES, namespace=None, name=node_config.name,
                            what=f"the node {node_config.name}")
        # Pods are refused until the controller manager made the namespace's default account.
        await _wait_for(admin, ("", "v1", "serviceaccounts"), namespace="default",
                        name="default", what="the default service account")
        # Last: `kes dev up` takes the port file as the sign the cluster takes pods.
        (data_dir / "port").write_text(str(ports.apiserver))
        logger.info("The control plane is serving on %s (started in %.1f s).", url,
                    time.monotonic() - started)
        if ready is not None:
            ready(ports.apiserver)
        watcher = asyncio.create_task(_watch_children([etcd, apiserver, *others]))
        done, _ = await asyncio.wait([watcher, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a component or an in-process part failed: say so
        raise StartError("a part of the control plane stopped")
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if runner is not None:
            await runner.cleanup()
        for closing in (admin, node_api, provisioner_api):
            await closing.close()
        for component in reversed(others):
            await component.stop()
        await apiserver.stop()
        await etcd.stop()
