"""`kes dev`: start, inspect, stop and reset the local cluster.

Two engines: `kes` (the default), the Kubernetes API stand-in of this project, which starts in
about a second (`python -m kes.devcluster serve`); and `kubernetes`, Kubernetes' own API server,
controller manager and scheduler with etcd, built by `make tools`, with the same process kubelet
as its node (`python -m kes.devcluster kubernetes`). This module only manages the background
process and its data directory, and talks to the cluster over HTTPS like any client. The data
directory holds the state, the credentials, `engine`, `pid`, `port` and `server.log`; one data
directory belongs to one engine.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import click
import yaml

from kes.cli import dev_faults

DEFAULT_DIR = pathlib.Path(".kes") / "dev"
ENGINES = {"kes": "serve", "kubernetes": "kubernetes"}
NAMES = {"kes": "The kes devcluster", "kubernetes": "The Kubernetes dev cluster"}
# The real control plane takes seconds to start warm, more on a loaded machine.
START_TIMEOUT = {"kes": 30.0, "kubernetes": 240.0}
STOP_TIMEOUT = {"kes": 15.0, "kubernetes": 60.0}
NODE_TIMEOUT = 5.0
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
NODE_PATH = "/api/v1/nodes/kes-devcluster"

data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=pathlib.Path), default=DEFAULT_DIR,
    show_default=True, help="Where the local cluster keeps its state and credentials.",
)


def _pid(data_dir: pathlib.Path) -> int | None:
    """The pid of a live local cluster for this data directory, or None."""
    try:
        pid = int((data_dir / "pid").read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _engine(data_dir: pathlib.Path) -> str:
    """The engine this data directory belongs to (`kes` when none is recorded)."""
    try:
        recorded = (data_dir / "engine").read_text().strip()
    except OSError:
        return "kes"
    return recorded if recorded in ENGINES else "kes"


def _name(data_dir: pathlib.Path) -> str:
    return NAMES[_engine(data_dir)]


def _url(data_dir: pathlib.Path) -> str:
    return f"https://127.0.0.1:{(data_dir / 'port').read_text().strip()}"


def _request(data_dir: pathlib.Path, method: str, path: str,
             body: object | None = None) -> tuple[int, object]:
    ctx = ssl.create_default_context(cafile=str(data_dir / "pki" / "ca.crt"))
    data = None if body is None else json.dumps(body).encode()
    # The URL is always https://127.0.0.1:<port> built here, never user input.
    request = urllib.request.Request(  # noqa: S310
        _url(data_dir) + path, data=data, method=method)
    token = (data_dir / "pki" / "token").read_text().strip()
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, context=ctx, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            return exc.code, json.loads(exc.read() or b"null")


def _answers(data_dir: pathlib.Path) -> bool:
    try:
        code, _ = _request(data_dir, "GET", "/version")
    except (OSError, ValueError):
        return False
    return code == 200


def _install_crds(data_dir: pathlib.Path, deploy: pathlib.Path) -> list[str]:
    """Create the CustomResourceDefinitions in deploy/crds/ (existing ones are kept)."""
    installed = []
    for path in sorted((deploy / "crds").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            code, body = _request(data_dir, "POST", CRD_PATH, doc)
            if code not in (201, 409):
                message = body.get("message") if isinstance(body, dict) else body
                raise click.ClickException(f"Installing CRD from {path} failed: {message}")
            installed.append(str(doc["metadata"]["name"]))
    return installed


def tools_dir() -> pathlib.Path | None:
    """The project's tools (restic, kopia): `KES_TOOLS_DIR`, else the checkout's `.tools`."""
    configured = os.environ.get("KES_TOOLS_DIR")
    if configured:
        return pathlib.Path(configured).resolve()
    checkout = pathlib.Path(__file__).resolve().parents[2] / ".tools"
    return checkout if checkout.is_dir() else None


def pod_path_args() -> list[str]:
    """`--pod-path` flags for the stand-in: the tools' bin directory, when there is one."""
    tools = tools_dir()
    if tools is None:
        return []
    programs = tools / "bin" if (tools / "bin").is_dir() else tools
    return ["--pod-path", str(programs)] if programs.is_dir() else []


def _node_problem(data_dir: pathlib.Path, *, since: float) -> str | None:
    """Why pods cannot run, as the stand-in's Node reports it (NotReady), or None.

    The node is refreshed by the kubelet as it starts; a report older than `since` is the
    previous run's and is waited out (briefly)."""
    fresh = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since - 1))
    deadline = time.monotonic() + NODE_TIMEOUT
    while time.monotonic() < deadline:
        try:
            code, node = _request(data_dir, "GET", NODE_PATH)
        except (OSError, ValueError):
            code, node = 0, None
        conditions = (node.get("status") or {}).get("conditions") or [] if (
            code == 200 and isinstance(node, dict)) else []
        ready = next((c for c in conditions if c.get("type") == "Ready"), None)
        if ready is not None and str(ready.get("lastHeartbeatTime") or "") >= fresh:
            return None if ready.get("status") == "True" else str(ready.get("message") or "")
        time.sleep(0.1)
    return None


@click.group()
def dev() -> None:
    """A local cluster for trying kes (development and tests only): the kes API stand-in, or
    Kubernetes' own control plane (`--engine kubernetes`)."""


@dev.command()
@data_dir_option
@click.option("--port", type=int, default=6443, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--kubeconfig", type=click.Path(path_type=pathlib.Path), default=None,
              help="Where to write the kubeconfig [default: DATA_DIR/kubeconfig].")
@click.option("--deploy-dir", type=click.Path(path_type=pathlib.Path),
              default=pathlib.Path("deploy"), show_default=True,
              help="CRDs found here are installed once the cluster answers.")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default=None,
              help="kes: the project's API stand-in (starts in a second). kubernetes: "
                   "Kubernetes' own control plane with etcd, built by `make tools`. "
                   "[default: the data directory's engine, else kes]")
@click.option("--faults", metavar="SPEC", default=None,
              help="Put a fault-injecting proxy in front of the API, e.g. "
                   "conflict=0.2,unavailable=0.05,watch-cut=0.1,gone=0.05,hang=0.01,latency=50ms; "
                   "the kubeconfig printed last goes through it.")
def up(data_dir: pathlib.Path, port: int, kubeconfig: pathlib.Path | None,
       deploy_dir: pathlib.Path, engine: str | None, faults: str | None) -> None:
    """Start the local cluster in the background and wait until it answers."""
    data_dir = data_dir.resolve()
    recorded = _engine(data_dir) if (data_dir / "engine").exists() or (
        data_dir / "state.db").exists() else None
    engine = engine or recorded or "kes"
    if recorded is not None and recorded != engine:
        raise click.ClickException(
            f"{data_dir} holds a cluster of the {recorded} engine; use another --data-dir, "
            f"or `kes dev reset` to delete it.")
    pid = _pid(data_dir)
    if pid is not None:
        click.echo(f"{_name(data_dir)} is already running (pid {pid}, {_url(data_dir)}).")
        _echo_kubeconfig(data_dir, kubeconfig, faults)
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "engine").write_text(engine + "\n")
    (data_dir / "port").unlink(missing_ok=True)
    started_at = time.time()
    args = [sys.executable, "-m", "kes.devcluster", ENGINES[engine], "--data-dir", str(data_dir),
            "--port", str(port), *pod_path_args()]
    if kubeconfig is not None:
        args += ["--kubeconfig", str(kubeconfig.resolve())]
    with (data_dir / "server.log").open("ab") as log:
        # Our own interpreter and module; the only inputs are paths and a port number.
        process = subprocess.Popen(args, stdout=log, stderr=log,  # noqa: S603
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    (data_dir / "pid").write_text(str(process.pid))
    deadline = time.monotonic() + START_TIMEOUT[engine]
    while not ((data_dir / "port").exists() and _answers(data_dir)):
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                _stop(data_dir)
            (data_dir / "pid").unlink(missing_ok=True)
            raise click.ClickException(
                f"{NAMES[engine]} did not start; see {data_dir / 'server.log'}.{_why(data_dir)}")
        time.sleep(0.1)
    installed = _install_crds(data_dir, deploy_dir) if deploy_dir.is_dir() else []
    click.echo(f"{NAMES[engine]} is running at {_url(data_dir)} (pid {process.pid}).")
    if installed:
        click.echo(f"Installed CRDs: {', '.join(installed)}.")
    problem = _node_problem(data_dir, since=started_at)
    if problem:
        click.echo(f"Warning: pods cannot run and stay Pending: {problem} They start once "
                   "bubblewrap works (`make debs` installs it).", err=True)
    _echo_kubeconfig(data_dir, kubeconfig, faults)


def _echo_kubeconfig(data_dir: pathlib.Path, kubeconfig: pathlib.Path | None,
                     faults: str | None) -> None:
    """The kubeconfig path, last; with --faults, the proxy's (started or restarted first)."""
    direct = kubeconfig.resolve() if kubeconfig else data_dir / "kubeconfig"
    if faults is None:
        click.echo(str(direct))
        return
    through = dev_faults.start(data_dir, spec=faults, upstream=direct)
    click.echo(f"The fault proxy ({faults or 'no faults'}) is running at "
               f"{dev_faults.url(data_dir)}; the direct kubeconfig is {direct}.")
    click.echo(str(through))


def _why(data_dir: pathlib.Path) -> str:
    """The server's own last error line, if it printed one (a missing program, a port)."""
    try:
        lines = (data_dir / "server.log").read_text(errors="replace").splitlines()
    except OSError:
        return ""
    errors = [line for line in lines if line.startswith("error: ")]
    return f"\n{errors[-1]}" if errors else ""


@dev.command()
@data_dir_option
def status(data_dir: pathlib.Path) -> None:
    """Say whether the local cluster runs, where, its engine, its kubeconfig (exit 1: stopped)."""
    data_dir = data_dir.resolve()
    pid = _pid(data_dir)
    if pid is None:
        click.echo(f"{_name(data_dir)} is not running.")
        sys.exit(1)
    answering = _answers(data_dir)
    state = "answering" if answering else "not answering"
    click.echo(f"{_name(data_dir)} is running at {_url(data_dir)} (pid {pid}, {state}).")
    click.echo(f"engine: {_engine(data_dir)}")
    click.echo(f"kubeconfig: {data_dir / 'kubeconfig'}")
    if dev_faults.pid(data_dir) is not None:
        click.echo(f"fault proxy: {dev_faults.url(data_dir)} "
                   f"(kubeconfig: {dev_faults.directory(data_dir) / 'kubeconfig'})")
    problem = _node_problem(data_dir, since=0) if answering else None
    if problem:
        click.echo(f"Warning: pods cannot run and stay Pending: {problem}", err=True)


def _stop(data_dir: pathlib.Path) -> bool:
    pid = _pid(data_dir)
    if pid is None:
        (data_dir / "pid").unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT[_engine(data_dir)]
    while _pid(data_dir) is not None and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when `up` ran in this same process
        time.sleep(0.05)
    if _pid(data_dir) is not None:
        os.kill(pid, signal.SIGKILL)
    (data_dir / "pid").unlink(missing_ok=True)
    return True


@dev.command()
@data_dir_option
def down(data_dir: pathlib.Path) -> None:
    """Stop the local cluster (and its fault proxy); its state stays for the next `up`."""
    data_dir = data_dir.resolve()
    if dev_faults.stop(data_dir):
        click.echo("The fault proxy stopped.")
    if _stop(data_dir):
        click.echo(f"{_name(data_dir)} stopped.")
    else:
        click.echo(f"{_name(data_dir)} is not running.")


@dev.command()
@data_dir_option
@click.confirmation_option(prompt="Delete every object of the local cluster?")
def reset(data_dir: pathlib.Path) -> None:
    """Stop the local cluster and delete its data directory (state and credentials)."""
    data_dir = data_dir.resolve()
    name = _name(data_dir)
    dev_faults.stop(data_dir)
    _stop(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    click.echo(f"{name} state in {data_dir} is deleted.")


@dev.command()
@data_dir_option
@click.option("--faults", "through_faults", is_flag=True,
              help="The kubeconfig that goes through the fault proxy.")
def kubeconfig(data_dir: pathlib.Path, through_faults: bool) -> None:
    """Print the path of the kubeconfig (use: export KUBECONFIG=$(kes dev kubeconfig))."""
    path = data_dir.resolve() / "kubeconfig"
    if through_faults:
        if dev_faults.pid(data_dir.resolve()) is None:
            raise click.ClickException("No fault proxy runs: `kes dev up --faults SPEC`.")
        path = dev_faults.directory(data_dir.resolve()) / "kubeconfig"
    if not path.exists():
        raise click.ClickException("No kubeconfig yet: run `kes dev up` first.")
    click.echo(str(path))
