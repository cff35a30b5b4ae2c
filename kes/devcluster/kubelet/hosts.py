"""Service names inside process pods: a hosts file per pod, bind-mounted over /etc/hosts.

The local cluster has no cluster DNS and its pods share the machine's network, so every Service
is reachable on 127.0.0.1 at its own port. Like a real kubelet, this one gives each pod an
`etc-hosts` file in its directory, bind-mounted over /etc/hosts; it holds the machine's own
entries, the pod's hostname and, for every Service, `<svc>.<ns>`, `<svc>.<ns>.svc` and
`<svc>.<ns>.svc.cluster.local` (plus `<svc>` for Services of the pod's own namespace, which
cluster DNS reaches through the search path) pointing to 127.0.0.1. The files are rewritten in
place as Services come and go: the bind mount follows the file, not a name, so it must never
be replaced by a rename.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Iterable
from typing import Any

from kes.devcluster.kubelet import sandbox

FILE_NAME = "etc-hosts"
TARGET = "/etc/hosts"
CLUSTER_DOMAIN = "cluster.local"
LOOPBACK = "127.0.0.1"
_HOST_FILE = pathlib.Path("/etc/hosts")


def service_names(*, name: str, namespace: str, pod_namespace: str) -> list[str]:
    names = [f"{name}.{namespace}", f"{name}.{namespace}.svc",
             f"{name}.{namespace}.svc.{CLUSTER_DOMAIN}"]
    return [name, *names] if namespace == pod_namespace else names


def render(
    *, services: Iterable[tuple[str, str]], pod_namespace: str, hostname: str,
    machine_entries: str = "",
) -> str:
    """The hosts file of one pod; `services` are (namespace, name) pairs."""
    lines = ["# Written by the kes devcluster kubelet: Services resolve to 127.0.0.1."]
    lines.extend(line for line in machine_entries.splitlines() if line.strip())
    lines.append(f"{LOOPBACK}\t{hostname}")
    for namespace, name in sorted(set(services)):
        names = service_names(name=name, namespace=namespace, pod_namespace=pod_namespace)
        lines.append(f"{LOOPBACK}\t{' '.join(names)}")
    return "\n".join(lines) + "\n"


def write_in_place(path: pathlib.Path, content: str) -> None:
    """Overwrite the file's bytes (same inode, so mounts of it see the change), then trim."""
    data = content.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


@dataclasses.dataclass
class _Pod:
    path: pathlib.Path
    namespace: str
    hostname: str


class HostsFiles:
    """The hosts files of this node's pods and the Services they list."""

    def __init__(self, *, machine_hosts: pathlib.Path = _HOST_FILE) -> None:
        try:
            self.machine_entries = machine_hosts.read_text()
        except OSError:
            self.machine_entries = "127.0.0.1\tlocalhost\n"
        self.services: set[tuple[str, str]] = set()
        self.pods: dict[str, _Pod] = {}

    def mount_for(self, *, uid: str, pod: dict[str, Any], pod_dir: pathlib.Path) -> sandbox.Mount:
        """Write the pod's hosts file and return the mount that puts it at /etc/hosts."""
        meta = pod.get("metadata") or {}
        hostname = (pod.get("spec") or {}).get("hostname") or meta.get("name", "")
        entry = _Pod(path=pod_dir / FILE_NAME, namespace=meta.get("namespace", "default"),
                     hostname=hostname)
        entry.path.parent.mkdir(parents=True, exist_ok=True)
        self.pods[uid] = entry
        self._write(entry)
        return sandbox.Mount(source=entry.path, target=TARGET, read_only=True)

    def forget(self, uid: str) -> None:
        self.pods.pop(uid, None)

    def service_event(self, *, event_type: str, service: dict[str, Any]) -> None:
        meta = service.get("metadata") or {}
        key = (str(meta.get("namespace", "default")), str(meta.get("name", "")))
        before = set(self.services)
        if event_type == "DELETED" or meta.get("deletionTimestamp"):
            self.services.discard(key)
        elif event_type in ("ADDED", "MODIFIED"):
            self.services.add(key)
        if self.services != before:
            for entry in list(self.pods.values()):
                self._write(entry)

    def _write(self, entry: _Pod) -> None:
        content = render(services=self.services, pod_namespace=entry.namespace,
                         hostname=entry.hostname, machine_entries=self.machine_entries)
        try:
            write_in_place(entry.path, content)
        except OSError:
            return  # the pod's directory went with the pod
