"""Helpers of the webhook tests (a uniquely named module): a mounted-Secret-like directory,
the controller process's handles, and deploy/'s webhook objects aimed at it."""

from __future__ import annotations

import base64
import dataclasses
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from e2e_harness import ROOT, Kube, wait_for

from kes.controller import certificates

SERVICE, NAMESPACE = "kes-controller", "kes"


@dataclasses.dataclass
class Cluster:
    engine: str
    kubeconfig: Path
    kube: Kube



class MountedSecret:
    """A directory laid out as the kubelet mounts a Secret: files link through `..data`, which a
    Secret update swaps atomically to a new timestamped directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.generation = 0

    def write(self, files: dict[str, bytes]) -> None:
        self.generation += 1
        target = self.root / f"..gen_{self.generation}"
        target.mkdir()
        for name, data in files.items():
            (target / name).write_bytes(data)
        link = self.root / "..data_tmp"
        link.symlink_to(target.name)
        os.replace(link, self.root / "..data")
        for name in files:
            if not (self.root / name).is_symlink():
                (self.root / name).symlink_to(f"..data/{name}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class WebhookController:
    process: subprocess.Popen[bytes]
    certs: MountedSecret
    webhook_port: int
    health_port: int
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.health_port}{path}", timeout=5
            ) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return int(exc.code), exc.read().decode()


def new_pair(common_name: str = "kes-controller") -> certificates.Pair:
    hosts = [*certificates.service_names(service=SERVICE, namespace=NAMESPACE), "127.0.0.1"]
    return certificates.generate(common_name=common_name, hosts=hosts)




def deploy_objects() -> list[dict[str, Any]]:
    """deploy/ as kustomize renders it."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "kubectl"), "kustomize", str(ROOT / "deploy")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def configuration(
    objects: list[dict[str, Any]], *, ca_bundle: bytes, webhook_port: int, engine: str = "kes"
) -> list[dict[str, Any]]:
    """deploy/'s webhook objects aimed at the controller process: its Service's target port is
    the process's port (pods of the stand-in share the host's network), the caBundle ours. On
    the real control plane, which has no service proxy, the webhook is the same path by `url`
    on 127.0.0.1."""
    found = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    config = found[("ValidatingWebhookConfiguration", "blueprints.cr.kanister.io")]
    service = found[("Service", SERVICE)]
    namespace = found[("Namespace", NAMESPACE)]
    for hook in config["webhooks"]:
        hook["clientConfig"]["caBundle"] = base64.b64encode(ca_bundle).decode()
        if engine == "kubernetes":
            path = hook["clientConfig"].pop("service")["path"]
            hook["clientConfig"]["url"] = f"https://127.0.0.1:{webhook_port}{path}"
    for port in service["spec"]["ports"]:
        if port["name"] == "webhook":
            port["targetPort"] = webhook_port
    return [namespace, service, config]


def wait_until(predicate: Any, *, what: str, timeout: float = 30) -> Any:
    return wait_for(predicate, timeout=timeout, what=what)
