"""A `python -m kes.devcluster serve` process for tests and benchmarks, and a client for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def pod_path_args() -> list[str]:
    """The project's tools (restic, kopia) on every pod's PATH, as `kes dev up` puts them:
    `KES_TOOLS_DIR`, else the checkout's `.tools`."""
    tools = Path(os.environ.get("KES_TOOLS_DIR") or ROOT / ".tools")
    programs = tools / "bin"
    return ["--pod-path", str(programs.resolve())] if programs.is_dir() else []


class DevCluster:
    """A running `python -m kes.devcluster serve` and a client configured for it."""

    def __init__(self, *, data_dir: Path, process: subprocess.Popen[str], port: int) -> None:
        import kubernetes.client
        import kubernetes.config

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
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        ctx = ssl.create_default_context(cafile=str(self.data_dir / "pki" / "ca.crt"))
        try:
            with urllib.request.urlopen(request, context=ctx, timeout=30) as response:
                code, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            code, text = exc.code, exc.read().decode()
            exc.close()
        try:
            return code, json.loads(text)
        except ValueError:
            return code, text

    def new_client(self) -> Any:
        import kubernetes.client

        return kubernetes.client.ApiClient(self.configuration)


def start_devcluster(data_dir: Path, *, extra: list[str] | None = None) -> DevCluster:
    """Start a stand-in on a free port and wait until it serves; the caller stops it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kes.devcluster", "serve", "--data-dir", str(data_dir),
         "--port", "0", *pod_path_args(), *(extra or [])],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "serving on https://127.0.0.1:<port>", or EOF on failure
    if not line.startswith("serving on"):
        process.kill()
        process.wait()
        log.close()
        raise RuntimeError(
            f"the devcluster did not start: {(data_dir / 'server.log').read_text()[-2000:]}"
        )
    log.close()
    return DevCluster(data_dir=data_dir, process=process, port=int(line.rsplit(":", 1)[1]))


def stop_devcluster(cluster: DevCluster) -> None:
    cluster.api_client.close()
    cluster.process.terminate()
    try:
        cluster.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        cluster.process.kill()
        cluster.process.wait()
    if cluster.process.stdout is not None:
        cluster.process.stdout.close()
