"""Fixtures of the Blueprint webhook end to end: a cluster of its own, the controller serving
the webhook, with its certificate in a directory laid out as a mounted Secret.

The cluster comes from `admission_cluster`, parametrised by engine: the local stand-in and the
real control plane (`make tools`; `--engine` chooses, as for the session's cluster). A real API
server reaches the controller through deploy/'s Service only with a service proxy, which the
local control plane has not: there the configuration aims at a `url` on 127.0.0.1 instead
(`webhook_harness.configuration`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from devcluster_harness import start_devcluster, stop_devcluster
from e2e_harness import ROOT, Kube, wait_for
from webhook_harness import Cluster, MountedSecret, WebhookController, free_port, new_pair

from kes.controller import certificates


@pytest.fixture(scope="module", params=["kes", "kubernetes"])
def admission_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """A cluster of its own: a webhook for every Blueprint must not reach the session's."""
    engine = str(request.param)
    if request.config.getoption("engine") not in (engine, "both"):
        pytest.skip(f"not run with --engine {request.config.getoption('engine')}")
    cluster = start_devcluster(tmp_path_factory.mktemp(f"admission-cluster-{engine}"),
                               engine=engine)
    try:
        yield Cluster(engine=engine, kubeconfig=cluster.kubeconfig,
                      kube=Kube(Path(cluster.kubeconfig)))
    finally:
        stop_devcluster(cluster)

@pytest.fixture(scope="module")
def first_pair() -> certificates.Pair:
    return new_pair()

@pytest.fixture(scope="module")
def webhook_controller(
    admission_cluster: Cluster, first_pair: certificates.Pair,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebhookController]:
    """`kes controller run` with the webhook certificate in a mounted-Secret-like directory."""
    work = tmp_path_factory.mktemp("webhook-controller")
    certs = MountedSecret(work / "serving-cert")
    certs.write({"tls.crt": first_pair.cert, "tls.key": first_pair.key})
    webhook_port, health_port = free_port(), free_port()
    log = work / "controller.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kes.cli", "controller", "run",
             "--kubeconfig", str(admission_cluster.kubeconfig),
             "--store", str(work / "store.sqlite3"),
             "--health-port", str(health_port),
             "--webhook-cert-dir", str(certs.root), "--webhook-port", str(webhook_port),
             "--log-json"],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
        )
    controller = WebhookController(process=process, certs=certs, webhook_port=webhook_port,
                                    health_port=health_port, log=log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"The controller exited: {log.read_text()[-3000:]}")
        try:
            return controller.get("/readyz")[0] == 200
        except OSError:
            return False

    try:
        wait_for(ready, timeout=60, what="the controller to be ready")
        yield controller
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
