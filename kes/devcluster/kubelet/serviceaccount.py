"""In-cluster API access for pods, as on a real node: the service account directory and the
KUBERNETES_SERVICE_* variables.

Tools inside a pod (`kubectl`, the Python client's in-cluster config) read
/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace} and
KUBERNETES_SERVICE_HOST/PORT. The stand-in has one token (the admin token from `<data dir>/pki`)
and serves on the port it writes to `<data dir>/port`; a pod of this development cluster gets
both, unless it sets `automountServiceAccountToken: false`. Without a `pki` directory (the
kubelet running without the server, as in unit tests) pods get neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import time
from typing import Any

from kes.devcluster.kubelet import sandbox

MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_PORT_WAIT_SECONDS = 5.0


async def wait_for_port_file(*, data_dir: pathlib.Path, since: float) -> None:
    """The server writes its port once listening, after the kubelet starts; a port file from
    an earlier run would be stale, so wait (briefly) for a fresh one."""
    if not (data_dir / "pki").is_dir():
        return
    deadline = time.monotonic() + _PORT_WAIT_SECONDS
    port_file = data_dir / "port"
    while time.monotonic() < deadline:
        if port_file.exists() and port_file.stat().st_mtime >= since:
            return
        await asyncio.sleep(0.05)


def _port(data_dir: pathlib.Path) -> str | None:
    try:
        port = (data_dir / "port").read_text().strip()
    except OSError:
        return None
    return port if port.isdigit() else None


def environment(*, data_dir: pathlib.Path, port: int | None = None) -> dict[str, str]:
    """The KUBERNETES_SERVICE_* variables: the API server's `port` when the node knows it
    (a real control plane), else the stand-in's port file."""
    text = str(port) if port else _port(data_dir)
    if text is None or not (data_dir / "pki" / "token").exists():
        return {}
    return _variables(text)


def _variables(port: str) -> dict[str, str]:
    return {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": port,
        "KUBERNETES_SERVICE_PORT_HTTPS": port,
        "KUBERNETES_PORT": f"tcp://127.0.0.1:{port}",
        "KUBERNETES_PORT_443_TCP": f"tcp://127.0.0.1:{port}",
        "KUBERNETES_PORT_443_TCP_ADDR": "127.0.0.1",
        "KUBERNETES_PORT_443_TCP_PORT": port,
        "KUBERNETES_PORT_443_TCP_PROTO": "tcp",
    }


def mount(
    *, pod: dict[str, Any], data_dir: pathlib.Path, pod_dir: pathlib.Path
) -> sandbox.Mount | None:
    """Write the pod's service account directory; None when the pod opts out or there is no
    token to give."""
    if pod.get("spec", {}).get("automountServiceAccountToken") is False:
        return None
    pki = data_dir / "pki"
    if not (pki / "token").exists() or not (pki / "ca.crt").exists():
        return None
    target = pod_dir / "serviceaccount"
    target.mkdir(parents=True, exist_ok=True)
    (target / "token").write_bytes((pki / "token").read_bytes().strip())
    (target / "ca.crt").write_bytes((pki / "ca.crt").read_bytes())
    (target / "namespace").write_text(pod["metadata"].get("namespace", "default"))
    for path in target.iterdir():
        path.chmod(0o644)
    _own_token(pod=pod, token=target / "token")
    return sandbox.Mount(source=target, target=MOUNT_PATH, read_only=True)


def _own_token(*, pod: dict[str, Any], token: pathlib.Path) -> None:
    """The token is readable by the pod's user only, as the kubelet makes it: owned by the
    pod's runAsUser, group fsGroup (0640), or root-only (0600) when the pod sets neither."""
    context = (pod.get("spec") or {}).get("securityContext") or {}
    uid, gid = context.get("runAsUser"), context.get("fsGroup")
    with contextlib.suppress(OSError):  # a kubelet that is not root cannot give files away
        os.chown(token, -1 if uid is None else int(uid), -1 if gid is None else int(gid))
    token.chmod(0o640 if gid is not None else 0o600)
