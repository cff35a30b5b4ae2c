"""What the three `*UsingKopiaServer` functions share: reaching the repository server.

Kanister 0.119.0 (`pkg/function/*_using_kopia_server.go`, reference kopia-and-restic.md 2.4):
the user is `<RepositoryServer.Username>@<hostname>`, the hostname being
`repositoryServerUserHostname` (which must be a key of the user-access Secret) or else a key of
that Secret — the first one Go's map iteration yields, so effectively random; kes takes the first
in sorted order. The client connects to `.RepositoryServer.Address` with the fingerprint of the
server's `tls.crt`, keeping its config under `/tmp/kopia-repository/<host>.config` (dots of the
hostname as dashes) and its log under `/tmp/kopia-log/<host>`.

kopia runs through exec with its password on stdin (`commands.exec_argv`), never in argv.
Restore and delete run in a temporary pod (`bash -c "tail -f /dev/null"`), which kes gives an
emptyDir at /tmp for kopia's config and cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping
from typing import Any

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import podexec, pods, waiting
from kes.adapters.kopia import commands, repository, tls
from kes.domain import masking
from kes.functions import base, podrunning

HOSTNAME_ARG = "repositoryServerUserHostname"
PARALLEL_UPLOAD_ENV = "DATA_STORE_PARALLEL_UPLOAD"
PARALLEL_DOWNLOAD_ENV = "DATA_STORE_PARALLEL_DOWNLOAD"
CONTENT_CACHE_ENV = "DATA_STORE_GENERAL_CONTENT_CACHE_SIZE_MB"
METADATA_CACHE_ENV = "DATA_STORE_GENERAL_METADATA_CACHE_SIZE_MB"
IDLE_COMMAND = ["bash", "-c", "tail -f /dev/null"]
TMP_VOLUME = "kopia-tmp"


def env_int(name: str, default: int) -> int:
    """Kanister's `GetEnvAsIntOrDefault`."""
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclasses.dataclass(frozen=True)
class Access:
    """How this phase connects: server, identity, password and the server's fingerprint."""

    address: str
    username: str
    hostname: str
    password: str
    fingerprint: str

    @property
    def config_file(self) -> str:
        return f"{commands.DEFAULT_CONFIG_DIRECTORY}/{self.hostname.replace('.', '-')}.config"

    @property
    def log_directory(self) -> str:
        return f"{commands.DEFAULT_LOG_DIRECTORY}/{self.hostname.replace('.', '-')}"

    @property
    def client_args(self) -> commands.CommandArgs:
        return commands.CommandArgs(config_file_path=self.config_file,
                                    log_directory=self.log_directory)


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def access(ctx: base.PhaseContext, *, hostname: str = "") -> Access:
    """The server's address, the user's hostname and password, the certificate fingerprint."""
    server = ctx.template_params.get("RepositoryServer")
    if not isinstance(server, Mapping):
        raise base.FunctionError(
            "Failed to fetch User Credentials/Certificate Data from Template Params: the "
            "action has no repositoryServer (set spec.actions[].repositoryServer, or "
            "`kes actionset create --repository-server namespace/name`)"
        )
    credentials = server.get("Credentials") or {}
    cert = ((credentials.get("ServerTLS") or {}).get("Data") or {}).get("tls.crt", b"")
    users = {str(k): _text(v) for k, v in
             ((credentials.get("ServerUserAccess") or {}).get("Data") or {}).items()}
    try:
        fingerprint = tls.fingerprint(cert if isinstance(cert, bytes) else str(cert).encode())
    except tls.CertificateError as exc:
        raise base.FunctionError(
            "Failed to fetch Kopia API Server Certificate Secret Data from Certificate: "
            f"Failed to extract fingerprint Kopia API Server Certificate Secret Data: {exc}"
        ) from None
    if hostname and hostname not in users:
        raise base.FunctionError(
            "Failed to fetch Hostname/User Passphrase from Secret: Failed to find hostname in "
            "the User Access Map: hostname provided in the repository server CR does not "
            "exist in the user access map"
        )
    if not users:
        raise base.FunctionError(
            "Failed to fetch Hostname/User Passphrase from Secret: the user access Secret of "
            f"RepositoryServer {server.get('Name', '')} has no hostname"
        )
    chosen = hostname or sorted(users)[0]
    return Access(address=str(server.get("Address", "")), username=str(server.get("Username", "")),
                  hostname=chosen, password=users[chosen], fingerprint=fingerprint)


def connect_command(server: Access) -> commands.Command:
    """`repository connect server` as the three functions build it (general cache sizes)."""
    return repository.connect_server(repository.ServerConnectArgs(
        user_password=server.password, config_file_path=server.config_file,
        log_directory=server.log_directory, server_url=server.address,
        fingerprint=server.fingerprint, cache_directory=commands.DEFAULT_CACHE_DIRECTORY,
        hostname=server.hostname, username=server.username,
        cache=commands.CacheArgs(content_cache_limit_mb=env_int(CONTENT_CACHE_ENV, 0),
                                 metadata_cache_limit_mb=env_int(METADATA_CACHE_ENV, 500)),
    ))


def _lines(ctx: base.PhaseContext, data: bytes, secrets: list[str | bytes]) -> None:
    for line in data.decode("utf-8", errors="replace").splitlines():
        if line.strip():
            ctx.on_log(masking.mask(line, secrets=secrets))


def run(
    ctx: base.PhaseContext, *, namespace: str, pod: str, container: str,
    cmd: commands.Command, failure: str,
) -> podexec.ExecResult:
    """Exec `cmd` in the container; its output goes to the phase log. A failure raises
    `FunctionError("<failure>: <exec error>")`, masked."""
    argv, stdin = commands.exec_argv(cmd.invocation())
    secrets: list[str | bytes] = list(cmd.secrets())
    try:
        result = podexec.run(ctx.api, namespace=namespace, pod=pod, container=container,
                             command=argv, stdin=stdin, cancel=ctx.cancel)
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except podexec.ExecError as exc:
        _lines(ctx, exc.stdout + b"\n" + exc.stderr, secrets)
        raise base.FunctionError(masking.mask(f"{failure}: {exc}", secrets=secrets)) from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(masking.mask(f"{failure}: {exc}", secrets=secrets)) from None
    _lines(ctx, result.stdout + b"\n" + result.stderr, secrets)
    return result


@contextlib.contextmanager
def temporary_pod(
    ctx: base.PhaseContext, *, namespace: str, image: str, generate_name: str,
    volumes: Mapping[str, str] | None = None, pod_override: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None, annotations: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, str, str]]:
    """A running pod idling with `tail -f /dev/null`: yields (namespace, name, container);
    deleted at the end, also on failure and cancellation (Kanister's PodRunner)."""
    body = podrunning.job_pod(
        ctx, namespace=namespace, image=image, command=IDLE_COMMAND, pod_override=pod_override,
        labels=labels, annotations=annotations, generate_name=generate_name, volumes=volumes,
    )
    spec = body["spec"]
    main = spec["containers"][0]
    if all(m.get("mountPath") != "/tmp" for m in main.get("volumeMounts") or []):  # noqa: S108
        spec.setdefault("volumes", []).append({"name": TMP_VOLUME, "emptyDir": {}})
        main.setdefault("volumeMounts", []).append(
            {"name": TMP_VOLUME, "mountPath": "/tmp"})  # noqa: S108 (inside the pod)
    if ctx.cancel.is_set():
        raise base.FunctionCancelledError()
    try:
        created = pods.create(ctx.api, body=body)
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(f"Failed to create pod: {exc}") from exc
    name, pod_namespace = created["metadata"]["name"], created["metadata"]["namespace"]
    try:
        _wait_running(ctx, namespace=pod_namespace, name=name)
        yield pod_namespace, name, main["name"]
    finally:
        with contextlib.suppress(k8s_errors.ApiError):
            pods.delete(ctx.api, namespace=pod_namespace, name=name)


def _wait_running(ctx: base.PhaseContext, *, namespace: str, name: str) -> None:
    def check() -> dict[str, Any] | None:
        pod = pods.get(ctx.api, namespace=namespace, name=name)
        phase = pods.phase(pod)
        if phase in ("Failed", "Succeeded"):
            raise pods.PodFailedError(f"Pod {name} ended: {pods.describe(pod)}", pod=pod)
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (pod.get("status") or {}).get("conditions") or [])
        return pod if phase == "Running" and ready else None

    try:
        waiting.poll(check, cancel=ctx.cancel, timeout=podrunning.ready_timeout(),
                     what=f"pod {namespace}/{name}")
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(
            f"Failed while waiting for Pod to be ready: {exc}"
        ) from exc
