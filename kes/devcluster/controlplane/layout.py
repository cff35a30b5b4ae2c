"""Where the real control plane keeps its files in a `kes dev` data directory, and its ports.

The files sit next to those of the stand-in engine (`pki/`, `kubeconfig`, `port`, `server.log`),
so `kes dev` and the tests read the same names whichever engine runs. The ports are chosen once
and kept in `controlplane.json`, so a restart finds etcd where its data says it is.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import socket

NODE_NAME = "kes-devcluster"  # the kubelet's (kubelet/config.py; a unit test keeps them equal)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Paths of one data directory."""

    data_dir: pathlib.Path

    @property
    def pki(self) -> pathlib.Path:
        return self.data_dir / "pki"

    @property
    def etcd_data(self) -> pathlib.Path:
        return self.data_dir / "etcd"

    @property
    def logs(self) -> pathlib.Path:
        return self.data_dir / "logs"

    @property
    def components(self) -> pathlib.Path:
        """Kubeconfigs of the controller manager, the scheduler, the kubelet, the provisioner."""
        return self.data_dir / "components"

    @property
    def tokens_file(self) -> pathlib.Path:
        return self.pki / "tokens.csv"

    @property
    def ports_file(self) -> pathlib.Path:
        return self.data_dir / "controlplane.json"

    def kubeconfig_of(self, component: str) -> pathlib.Path:
        return self.components / f"{component}.kubeconfig"

    def log_of(self, component: str) -> pathlib.Path:
        return self.logs / f"{component}.log"


@dataclasses.dataclass(frozen=True)
class Ports:
    """Every port the control plane listens on, all on 127.0.0.1."""

    apiserver: int
    etcd_client: int
    etcd_peer: int
    kubelet: int


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice for port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_ports(layout: Layout, *, apiserver: int) -> Ports:
    """The ports of this run: the ones of the last run where still free, else new free ones;
    `apiserver` 0 means any free port."""
    try:
        before = json.loads(layout.ports_file.read_text())
    except (OSError, ValueError):
        before = {}

    def pick(name: str, wanted: int = 0) -> int:
        if wanted:
            return wanted
        old = before.get(name)
        return int(old) if isinstance(old, int) and old and _is_free(old) else free_port()

    ports = Ports(apiserver=pick("apiserver", apiserver), etcd_client=pick("etcd_client"),
                  etcd_peer=pick("etcd_peer"), kubelet=pick("kubelet"))
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    layout.ports_file.write_text(json.dumps(dataclasses.asdict(ports)) + "\n")
    return ports
