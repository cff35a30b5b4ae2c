"""Kanister's five steps of bringing a repository server up, each a function of a `Context`.

Reference kopia-and-restic.md 2.3. Each step returns what its event records and raises
`StepError` with the condition message Kanister would show. Two deliberate differences:
every step uses the spec's `configuration` paths (Kanister's `server start`, `users` and
`refresh` ignore `configFilePath`, a latent bug), and a failed server start keeps its error as
the condition message (Kanister leaves it empty).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from kes.adapters.k8s import client, errors, pods, waiting
from kes.adapters.kopia import commands, parsing, passwords, repository, server, tls
from kes.adapters.kopia import errors as kopia_errors
from kes.controller.repositoryservers import owned, podkopia, serversecrets
from kes.domain import durations

START_TIMEOUT_ENV = "KOPIA_SERVER_START_TIMEOUT"
DEFAULT_START_TIMEOUT_S = 600.0
POD_READY_TIMEOUT_ENV = "KANISTER_POD_READY_WAIT_TIMEOUT"  # minutes, as Kanister
GENERAL_CONTENT_CACHE_ENV = "DATA_STORE_GENERAL_CONTENT_CACHE_SIZE_MB"
GENERAL_METADATA_CACHE_ENV = "DATA_STORE_GENERAL_METADATA_CACHE_SIZE_MB"


class StepError(Exception):
    """A step failed; `message` is the condition message (masked)."""


@dataclasses.dataclass
class Context:
    """What the steps of one reconcile share."""

    api: client.Api
    cr: Mapping[str, Any]
    spec: Mapping[str, Any]  # the recorded spec for immutable fields, the CR's for the rest
    record_command: podkopia.Recorder
    cancel: threading.Event = dataclasses.field(default_factory=threading.Event)
    secrets: serversecrets.ServerSecrets | None = None
    # The users' password hashes, computed (scrypt) while the earlier steps wait on kopia.
    hashes: concurrent.futures.Future[dict[str, str]] | None = None
    pod: dict[str, Any] | None = None
    pod_name: str = ""
    service_name: str = ""

    @property
    def namespace(self) -> str:
        return str(self.cr["metadata"]["namespace"])

    def kopia(self) -> podkopia.PodKopia:
        assert self.secrets is not None
        return podkopia.PodKopia(
            api=self.api, namespace=self.namespace, pod=self.pod_name,
            container=owned.CONTAINER, record=self.record_command,
            secrets=list(self.secrets.values()), cancel=self.cancel,
        )


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def cache_settings(spec: Mapping[str, Any]) -> commands.CacheArgs:
    """`cacheSizeSettings`, else DATA_STORE_GENERAL_* (content 0, metadata 500 MB)."""
    settings = (spec.get("repository") or {}).get("cacheSizeSettings") or {}
    content = settings.get("content")
    metadata = settings.get("metadata")
    return commands.CacheArgs(
        content_cache_limit_mb=int(content) if content is not None
        else _env_int(GENERAL_CONTENT_CACHE_ENV, 0),
        metadata_cache_limit_mb=int(metadata) if metadata is not None
        else _env_int(GENERAL_METADATA_CACHE_ENV, 500),
    )


def configuration(spec: Mapping[str, Any]) -> tuple[str, str, str]:
    """(config file, log directory, cache directory), Kanister's defaults where unset."""
    conf = (spec.get("repository") or {}).get("configuration") or {}
    return (
        conf.get("configFilePath") or commands.DEFAULT_CONFIG_FILE_PATH,
        conf.get("logDirectory") or commands.DEFAULT_LOG_DIRECTORY,
        conf.get("cacheDirectory") or commands.DEFAULT_CACHE_DIRECTORY,
    )


def start_timeout() -> float:
    """KOPIA_SERVER_START_TIMEOUT as a Go duration (Kanister multiplies it by 1 s: a bug)."""
    raw = os.environ.get(START_TIMEOUT_ENV, "")
    try:
        return durations.parse_seconds(raw) if raw else DEFAULT_START_TIMEOUT_S
    except durations.DurationError:
        return DEFAULT_START_TIMEOUT_S


def _pod_ready_timeout() -> float:
    raw = os.environ.get(POD_READY_TIMEOUT_ENV, "")
    try:
        return float(raw) * 60 if raw else 15 * 60.0
    except ValueError:
        return 15 * 60.0


# --- ServerSetup ----------------------------------------------------------------------------


_HASHING = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                 thread_name_prefix="kopia-hash")


def read_secrets(ctx: Context) -> serversecrets.ServerSecrets:
    try:
        ctx.secrets = serversecrets.read(ctx.api, spec=ctx.spec, namespace=ctx.namespace)
    except serversecrets.SecretsError as exc:
        raise StepError(f"Failed to get Kopia API server secrets: {exc}") from exc
    users = dict(ctx.secrets.user_access)
    ctx.hashes = _HASHING.submit(
        lambda: {host: passwords.hash_password(pw) for host, pw in users.items()})
    return ctx.secrets


def setup(
    ctx: Context, *, name_service: Callable[[str], None], name_pod: Callable[[str], None],
) -> None:
    """Service, Pod (names recorded before they are created), the pod ready, GCP credentials."""
    secrets = ctx.secrets or read_secrets(ctx)
    try:
        service = ctx.service_name or f"{owned.SERVICE_PREFIX}-{owned.random_suffix()}"
        if not ctx.service_name:
            name_service(service)
            ctx.service_name = service
        owned.ensure_service(ctx.api, cr=ctx.cr, name=service)
    except errors.ApiError as exc:
        raise StepError(f"Failed to reconcile service: {exc}") from exc
    try:
        pod = owned.get_pod(ctx.api, namespace=ctx.namespace, name=ctx.pod_name)
        if pod is not None:
            owned.label_pod(ctx.api, pod=pod, service_name=service)
        else:
            pod = _create_pod(ctx, secrets, name_pod=name_pod)
    except errors.ApiError as exc:
        raise StepError(f"Failed to reconcile Kopia API server pod: {exc}") from exc
    ctx.pod = _wait_ready(ctx, pod)
    if secrets.credentials.kind == "gcp":
        try:
            ctx.kopia().write_file("ServerSetup", path=repository.GOOGLE_CLOUD_CREDS_FILE_PATH,
                                   content=secrets.credentials.service_account_json)
        except podkopia.CommandFailedError as exc:
            raise StepError(str(exc)) from exc


def _create_pod(
    ctx: Context, secrets: serversecrets.ServerSecrets, *, name_pod: Callable[[str], None]
) -> dict[str, Any]:
    claim = None
    if secrets.location.type == "filestore":
        if not secrets.location.claim_name:
            raise StepError("Failed to reconcile Kopia API server pod: Claim name not set for "
                            "file store location secret, failed to retrieve PVC")
        try:
            read_only = owned.claim_mode(ctx.api, namespace=ctx.namespace,
                                         claim_name=secrets.location.claim_name)
        except errors.ApiError as exc:
            raise StepError("Failed to reconcile Kopia API server pod: Failed to validate if "
                            f"PVC exists: {exc}") from exc
        claim = (secrets.location.claim_name, read_only)
    name = f"{owned.POD_PREFIX}-{owned.random_suffix()}"
    name_pod(name)
    ctx.pod_name = name
    body = owned.pod_body(
        cr=ctx.cr, name=name, service_name=ctx.service_name, tls_secret=secrets.tls_secret,
        credentials_secret=secrets.credentials_secret, credentials=secrets.credentials,
        claim=claim,
        override=owned.controller_pod_override(ctx.api, namespace=_controller_namespace()),
    )
    try:
        return pods.create(ctx.api, body=body)
    except errors.ApiConflictError:  # created before a crash, recorded just before it
        found = owned.get_pod(ctx.api, namespace=ctx.namespace, name=name)
        if found is None:
            raise
        return found


def _controller_namespace() -> str:
    return client.controller_namespace()


def _wait_ready(ctx: Context, pod: Mapping[str, Any]) -> dict[str, Any]:
    name = pod["metadata"]["name"]

    def check() -> dict[str, Any] | None:
        current = pods.get(ctx.api, namespace=ctx.namespace, name=name)
        if (current.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            raise errors.ApiError(f"pod {name} ended ({pods.describe(current)})")
        return current if owned.is_ready(current) else None

    try:
        return waiting.poll(check, cancel=ctx.cancel, timeout=_pod_ready_timeout(),
                            what=f"pod {ctx.namespace}/{name}")
    except errors.ApiError as exc:
        raise StepError(f"Kopia API server pod not in ready state: Failed while waiting for "
                        f"pod {name} to be ready: {exc}") from exc


# --- RepositoryConnected --------------------------------------------------------------------


def connect(ctx: Context) -> None:
    """`repository connect <storage>` with the repository password, in the server pod."""
    assert ctx.secrets is not None
    config, log_dir, cache_dir = configuration(ctx.spec)
    repo = ctx.spec.get("repository") or {}
    try:
        cmd = repository.connect(repository.RepositoryArgs(
            common=commands.CommandArgs(repo_password=ctx.secrets.repo_password,
                                        config_file_path=config, log_directory=log_dir),
            location=ctx.secrets.location.data, repo_path_prefix=str(repo.get("rootPath", "")),
            cache=cache_settings(ctx.spec), cache_directory=cache_dir,
            hostname=str(repo.get("hostname") or ""), username=str(repo.get("username") or ""),
        ))
        ctx.kopia().run("RepositoryConnected", cmd)
    except commands.CommandError as exc:
        raise StepError(f"Failed to connect to the backup repository: {exc}") from exc
    except podkopia.CommandFailedError as exc:
        raise StepError(kopia_errors.connect_message(exc.error_class, str(exc))) from exc


# --- ServerInitialized ----------------------------------------------------------------------


def _client_args(ctx: Context) -> server.ClientArgs:
    assert ctx.secrets is not None and ctx.pod is not None
    config, log_dir, _ = configuration(ctx.spec)
    try:
        fingerprint = tls.fingerprint(ctx.secrets.tls_cert)
    except tls.CertificateError as exc:
        raise StepError("Failed to extract fingerprint from Kopia API server certificate "
                        f"secret data: {exc}") from exc
    pod_ip = (ctx.pod.get("status") or {}).get("podIP") or "127.0.0.1"
    return server.ClientArgs(
        common=commands.CommandArgs(repo_password=ctx.secrets.repo_password,
                                    config_file_path=config, log_directory=log_dir),
        server_address=server.address(pod_ip), server_username=ctx.secrets.admin_username,
        server_password=ctx.secrets.admin_password, fingerprint=fingerprint,
    )


def status_ok(ctx: Context, *, step: str = "ServerInitialized", record: bool = True) -> bool:
    try:
        ctx.kopia().run(step, server.status(_client_args(ctx)), record=record)
    except podkopia.CommandFailedError:
        return False
    return True


def initialize(ctx: Context) -> bool:
    """Start the server unless `server status` answers; wait until it does. True if started."""
    if status_ok(ctx):
        return False
    args = _client_args(ctx)
    config, log_dir, _ = configuration(ctx.spec)
    assert ctx.secrets is not None
    start = server.start(server.StartArgs(
        common=commands.CommandArgs(config_file_path=config, log_directory=log_dir),
        server_address=args.server_address, tls_cert_file=owned.TLS_CERT_PATH,
        tls_key_file=owned.TLS_KEY_PATH, server_username=ctx.secrets.admin_username,
        server_password=ctx.secrets.admin_password,
    ))
    kopia = ctx.kopia()
    try:
        kopia.run("ServerInitialized", start, background=True)
    except podkopia.CommandFailedError as exc:
        raise StepError(f"Failed to start Kopia API server: {exc}") from exc
    _wait_answering(ctx, kopia, args)
    return True


def _wait_answering(ctx: Context, kopia: podkopia.PodKopia, args: server.ClientArgs) -> None:
    """Kanister's backoff (100 ms doubling) on `server status`, capped at 1 s between polls,
    until KOPIA_SERVER_START_TIMEOUT; one recorded entry for the whole wait."""
    cmd = server.status(args)
    started = time.monotonic()
    deadline = started + start_timeout()
    delay, polls, last = 0.1, 0, ""
    while True:
        polls += 1
        try:
            kopia.run("ServerInitialized", cmd, record=False)
            kopia.record("ServerInitialized", f"{cmd.logged()}  (until it answered: "
                         f"{polls} polls)", True, time.monotonic() - started, "")
            return
        except podkopia.CommandFailedError as exc:
            last = str(exc)
        if ctx.cancel.is_set() or time.monotonic() + delay > deadline:
            kopia.record("ServerInitialized", f"{cmd.logged()}  ({polls} polls)", False,
                         time.monotonic() - started, last)
            raise StepError(f"Failed to check Kopia API server status: {last}")
        ctx.cancel.wait(delay)
        delay = min(delay * 2, 1.0)


# --- ClientUserInitialized ------------------------------------------------------------------


def users(ctx: Context) -> list[str]:
    """`server user list`, then `set` for each existing `<username>@<host>`, else `add`."""
    assert ctx.secrets is not None
    config, log_dir, _ = configuration(ctx.spec)
    common = commands.CommandArgs(repo_password=ctx.secrets.repo_password,
                                  config_file_path=config, log_directory=log_dir)
    kopia = ctx.kopia()
    try:
        listed = kopia.run("ClientUserInitialized", server.list_users(common))
    except podkopia.CommandFailedError as exc:
        raise StepError(f"Failed to list users from the Kopia repository: {exc}") from exc
    try:
        existing = set(parsing.user_names(listed.stdout))
    except parsing.ParseError as exc:
        raise StepError(f"Failed to unmarshal user list: {exc}") from exc
    username = str(((ctx.spec.get("server") or {}).get("userAccess") or {}).get("username", ""))
    hashes = ctx.hashes.result() if ctx.hashes is not None else {}
    done = []
    for host, password in ctx.secrets.user_access.items():
        user = f"{username}@{host}"
        if user in existing:
            cmd = server.set_user(common, username=user, user_password=password,
                                  password_hash=hashes.get(host))
            failure = "Failed to update existing user passphrase from the Kopia API server"
        else:
            cmd = server.add_user(common, username=user, user_password=password,
                                  password_hash=hashes.get(host))
            failure = "Failed to add new user to the Kopia API server"
        try:
            kopia.run("ClientUserInitialized", cmd)
        except podkopia.CommandFailedError as exc:
            raise StepError(f"{failure}: {exc}") from exc
        done.append(user)
    return done


# --- ServerRefreshed ------------------------------------------------------------------------


def refresh(ctx: Context) -> None:
    try:
        ctx.kopia().run("ServerRefreshed", server.refresh(_client_args(ctx)))
    except podkopia.CommandFailedError as exc:
        raise StepError(f"Failed to refresh Kopia API server: {exc}") from exc


def pod_of(ctx: Context) -> dict[str, Any] | None:
    """The recorded pod, as it is now (None when it is gone)."""
    return owned.get_pod(ctx.api, namespace=ctx.namespace, name=ctx.pod_name)
