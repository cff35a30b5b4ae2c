"""A local cluster process for tests and benchmarks, on either engine, and a client for it.

Engine `kes` is the stand-in (`python -m kes.devcluster serve`); engine `kubernetes` is the real
control plane built by `make tools` (`python -m kes.devcluster kubernetes`). Both print
`serving on https://127.0.0.1:<port>` and leave the same files in the data directory (the
admin kubeconfig, `pki/ca.crt`, `pki/token`), so one client class serves both.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ENGINES = ("kes", "kubernetes")
# The programs the kubernetes engine needs (tests/toolcheck.py checks them on PATH).
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
_STOP_SECONDS = {"kes": 15, "kubernetes": 60}
ROOT = Path(__file__).resolve().parent.parent


def pod_path_args() -> list[str]:
    """The project's tools (restic, kopia) on every pod's PATH, as `kes dev up` puts them:
    `KES_TOOLS_DIR`, else the checkout's `.tools`."""
    tools = Path(os.environ.get("KES_TOOLS_DIR") or ROOT / ".tools")
    programs = tools / "bin"
    return ["--pod-path", str(programs.resolve())] if programs.is_dir() else []


class DevCluster:
    """A running local cluster and a client configured for it."""

    def __init__(
        self, *, data_dir: Path, process: subprocess.Popen[str], port: int, engine: str = "kes"
    ) -> None:
        import kubernetes.client
        import kubernetes.config

        self.engine = engine
        self.data_dir = data_dir
        self.process = process
        self.port = port
        self.url = f"https://127.0.0.1:{port}"
        self.kubeconfig = data_dir / "kubeconfig"
        self.token = (data_dir / "pki" / "token").read_text().strip()
        configuration = kubernetes.client.Configuration()
        kubernetes.config.load_kube_config(
            config_file=str(self.kubeconfig), client_configuration=configuration
        )
        self.configuration = configuration
        self.api_client = kubernetes.client.ApiClient(configuration)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        token: str | None = None,
    ) -> tuple[int, Any]:
        """One raw HTTPS request: (status, decoded JSON body or text)."""
        import json
        import ssl
        import urllib.error
        import urllib.request

        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token if token is None else token}")
        if data is not None:
            # urllib would say x-www-form-urlencoded, which a real API server refuses (415).
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        ctx = ssl.create_default_context(cafile=str(self.data_dir / "pki" / "ca.crt"))
        try:
            with urllib.request.urlopen(request, context=ctx, timeout=30) as response:
                code, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            code, text = exc.code, exc.read().decode(errors="replace")
            exc.close()
        try:
            return code, json.loads(text)
        except ValueError:
            return code, text

    def new_client(self) -> Any:
        import kubernetes.client

        return kubernetes.client.ApiClient(self.configuration)

    def service_account_kubeconfig(
        self, *, namespace: str, name: str, path: Path, seconds: int = 24 * 3600
    ) -> Path:
        """A kubeconfig for a ServiceAccount's token (TokenRequest), on the kubernetes engine.

        The stand-in issues no tokens and enforces no RBAC: there, the admin kubeconfig."""
        if self.engine == "kes":
            return self.kubeconfig
        import yaml

        code, body = self.request(
            "POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                  "spec": {"expirationSeconds": seconds}})
        if code != 201:
            raise RuntimeError(f"no token for {namespace}/{name}: {code} {body}")
        config = yaml.safe_load(self.kubeconfig.read_text())
        config["users"][0]["user"] = {"token": body["status"]["token"]}
        path.write_text(yaml.safe_dump(config))
        path.chmod(0o600)
        return path


def start_devcluster(
    data_dir: Path, *, extra: list[str] | None = None, engine: str = "kes"
) -> DevCluster:
    """Start a local cluster of `engine` on a free port and wait until it serves; the caller
    stops it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "server.log").open("w")
    command = "serve" if engine == "kes" else "kubernetes"
    process = subprocess.Popen(
        [sys.executable, "-m", "kes.devcluster", command, "--data-dir", str(data_dir),
         "--port", "0", *pod_path_args(), *(extra or [])],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
    )
    assert process.stdout is not None
    # "serving on https://127.0.0.1:<port>", or EOF when it fails (the supervisor of the
    # kubernetes engine gives up after its own deadline).
    line = process.stdout.readline()
    if not line.startswith("serving on"):
        process.kill()
        process.wait()
        log.close()
        raise RuntimeError(
            f"the devcluster did not start: {(data_dir / 'server.log').read_text()[-2000:]}"
        )
    log.close()
    return DevCluster(data_dir=data_dir, process=process, port=int(line.rsplit(":", 1)[1]),
                      engine=engine)


def stop_devcluster(cluster: DevCluster) -> None:
    cluster.api_client.close()
    cluster.process.terminate()
    try:
        cluster.process.wait(timeout=_STOP_SECONDS[cluster.engine])
    except subprocess.TimeoutExpired:
        cluster.process.kill()
        cluster.process.wait()
    if cluster.process.stdout is not None:
        cluster.process.stdout.close()
