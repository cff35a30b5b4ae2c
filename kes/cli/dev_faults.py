"""`kes dev up --faults SPEC`: the fault-injecting proxy in front of the local cluster's API.

The proxy is its own program (`python -m kes.devcluster.faults`), started in the background
with the cluster's kubeconfig as its upstream, so it works in front of either engine. It keeps
its state under `DATA_DIR/faults/` (`pid`, `port`, its own credentials, `kubeconfig`, `proxy.log`
and `faults.log`, one line per injected fault). Its kubeconfig is the one to give the controller;
kubectl can keep the direct one to observe the cluster without faults.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import time

import click

START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0


def directory(data_dir: pathlib.Path) -> pathlib.Path:
    return data_dir / "faults"


def pid(data_dir: pathlib.Path) -> int | None:
    """The pid of this data directory's live proxy, or None."""
    try:
        found = int((directory(data_dir) / "pid").read_text().strip())
        os.kill(found, 0)
    except (OSError, ValueError):
        return None
    return found


def start(data_dir: pathlib.Path, *, spec: str, upstream: pathlib.Path) -> pathlib.Path:
    """(Re)start the proxy with `spec`; the path of the kubeconfig that goes through it."""
    stop(data_dir)
    where = directory(data_dir)
    where.mkdir(parents=True, exist_ok=True)
    (where / "port").unlink(missing_ok=True)
    args = [sys.executable, "-m", "kes.devcluster.faults", "--upstream", str(upstream),
            "--data-dir", str(where), "--spec", spec]
    with (where / "proxy.log").open("ab") as log:
        # Our own interpreter and module; the inputs are paths and the SPEC it parses itself.
        process = subprocess.Popen(args, stdout=log, stderr=log,  # noqa: S603
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    (where / "pid").write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT
    while not (where / "port").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
            (where / "pid").unlink(missing_ok=True)
            raise click.ClickException(f"The fault proxy did not start{_why(where)}")
        time.sleep(0.05)
    return where / "kubeconfig"


def _why(where: pathlib.Path) -> str:
    try:
        lines = (where / "proxy.log").read_text(errors="replace").splitlines()
    except OSError:
        return "."
    errors = [line[len("error: "):] for line in lines if line.startswith("error: ")]
    return f": {errors[-1]}" if errors else f"; see {where / 'proxy.log'}."


def url(data_dir: pathlib.Path) -> str:
    return f"https://127.0.0.1:{(directory(data_dir) / 'port').read_text().strip()}"


def stop(data_dir: pathlib.Path) -> bool:
    found = pid(data_dir)
    if found is None:
        (directory(data_dir) / "pid").unlink(missing_ok=True)
        return False
    os.kill(found, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while pid(data_dir) is not None and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(found, os.WNOHANG)  # reap it when `up` ran in this same process
        time.sleep(0.05)
    if pid(data_dir) is not None:
        os.kill(found, signal.SIGKILL)
    (directory(data_dir) / "pid").unlink(missing_ok=True)
    return True
