"""The fault-injecting proxy (`python -m kes.devcluster.faults`) for tests, and its control API.

A test starts the proxy in front of a cluster's kubeconfig, gives the code under test the
proxy's kubeconfig, and either sets a random profile or asks for one exact fault at one exact
request (`rule`): the request the defect was about.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class FaultProxy:
    def __init__(self, *, data_dir: Path, process: subprocess.Popen[str], url: str) -> None:
        self.data_dir = data_dir
        self.process = process
        self.url = url
        self.kubeconfig = data_dir / "kubeconfig"
        self.token = (data_dir / "pki" / "token").read_text().strip()

    def _call(self, method: str, what: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/kes-faults/{what}", data=data,
                                         method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        context = ssl.create_default_context(cafile=str(self.data_dir / "pki" / "ca.crt"))
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                raise AssertionError(f"fault proxy control: {exc.read().decode()}") from None

    def rule(self, fault: str, *, path: str = "", method: str = "", times: int = 1,
             skip: int = 0, watch: bool | None = None) -> None:
        """The next `times` requests matching method and path regex (after `skip`) get `fault`."""
        self._call("POST", "rules", {"fault": fault, "path": path, "method": method,
                                     "times": times, "skip": skip, "watch": watch})

    def clear(self) -> None:
        """No rules left, and the counts of injected faults back to zero."""
        self._call("DELETE", "rules")
        self._call("DELETE", "stats")

    def profile(self, spec: str) -> None:
        self._call("PUT", "profile", {"spec": spec})

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "stats")
        return result

    def injected(self, fault: str) -> int:
        return int(self.stats()["injected"].get(fault, 0))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_proxy(*, upstream: Path, data_dir: Path, spec: str = "") -> FaultProxy:
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "proxy.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "kes.devcluster.faults", "--upstream", str(upstream),
         "--data-dir", str(data_dir), "--port", "0", "--spec", spec],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
    )
    log.close()
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("serving on"):
        process.kill()
        process.wait()
        raise RuntimeError(f"the fault proxy did not start: "
                           f"{(data_dir / 'proxy.log').read_text()[-2000:]}")
    return FaultProxy(data_dir=data_dir, process=process, url=line.split()[2])
