"""`kopia server start|status|refresh` and `server user list|add|set` (Kanister's server.go).

Reference kopia-and-restic.md 1.3. Kanister passes the admin credentials both as the HTTP
basic-auth pair (`--server-username/--server-password`) and as the control-API pair; the
client commands (`status`, `refresh`) still use kopia's hidden `--server-username/-password`
aliases of `--server-control-*`. In kes each password argument names the variable kopia reads
instead: `server start` reads KOPIA_SERVER_PASSWORD and KOPIA_SERVER_CONTROL_PASSWORD, the
client commands KOPIA_SERVER_PASSWORD; a user's password becomes its kopia password hash.
"""

from __future__ import annotations

import dataclasses

from kes.adapters.kopia import commands, passwords

SERVER_PORT = 51515
SERVER_PASSWORD_ENV = "KOPIA_SERVER_PASSWORD"  # noqa: S105 (a variable name)
SERVER_CONTROL_PASSWORD_ENV = "KOPIA_SERVER_CONTROL_PASSWORD"  # noqa: S105


@dataclasses.dataclass(frozen=True)
class StartArgs:
    """Kanister's `ServerStartCommandArgs`."""

    common: commands.CommandArgs
    server_address: str
    tls_cert_file: str
    tls_key_file: str
    server_username: str
    server_password: str
    cache: commands.CacheArgs = dataclasses.field(default_factory=commands.CacheArgs)
    cache_directory: str = ""
    htpasswd_file_path: str = ""
    read_only: bool = False
    auto_generate_cert: bool = False
    enable_pprof: bool = False
    metrics_listen_address: str = ""
    max_concurrency: int = 0


def start(args: StartArgs) -> commands.Command:
    """`server start` without Kanister's `> /dev/null 2>&1 &` (see `commands.exec_argv`)."""
    cmd = commands.common(commands.CommandArgs(
        config_file_path=args.common.config_file_path, log_directory=args.common.log_directory,
        log_level=args.common.log_level, file_log_level=args.common.file_log_level,
    ))
    cmd = cmd.loggable("server", "start")
    if args.auto_generate_cert:
        cmd = cmd.loggable("--tls-generate-cert")
    cmd = cmd.loggable_kv("--address", args.server_address)
    cmd = cmd.loggable_kv("--tls-cert-file", args.tls_cert_file)
    cmd = cmd.loggable_kv("--tls-key-file", args.tls_key_file)
    if args.htpasswd_file_path:
        cmd = cmd.loggable_kv("--htpasswd-file", args.htpasswd_file_path)
    cmd = cmd.loggable_kv("--server-username", args.server_username)
    cmd = cmd.redacted_kv("--server-password", args.server_password, env=SERVER_PASSWORD_ENV)
    cmd = cmd.loggable_kv("--server-control-username", args.server_username)
    cmd = cmd.redacted_kv(
        "--server-control-password", args.server_password, env=SERVER_CONTROL_PASSWORD_ENV
    )
    cmd = commands.cache_args(cmd, args.cache, cache_directory=args.cache_directory)
    if args.read_only:
        cmd = cmd.loggable("--readonly")
    if args.enable_pprof:
        cmd = cmd.loggable("--enable-pprof")
    if args.metrics_listen_address:
        cmd = cmd.loggable_kv("--metrics-listen-addr", args.metrics_listen_address)
    if args.max_concurrency > 0:
        cmd = cmd.loggable_kv("--max-concurrency", str(args.max_concurrency))
    return cmd


@dataclasses.dataclass(frozen=True)
class ClientArgs:
    """`ServerStatusCommandArgs` / `ServerRefreshCommandArgs`."""

    common: commands.CommandArgs
    server_address: str
    server_username: str
    server_password: str
    fingerprint: str


def status(args: ClientArgs) -> commands.Command:
    """`server status --address --server-cert-fingerprint --server-username --server-password`
    (Kanister passes no repository password here, whatever the args hold)."""
    cmd = commands.common(commands.CommandArgs(
        config_file_path=args.common.config_file_path, log_directory=args.common.log_directory,
        log_level=args.common.log_level, file_log_level=args.common.file_log_level,
    ))
    cmd = cmd.loggable("server", "status").loggable_kv("--address", args.server_address)
    cmd = cmd.redacted_kv("--server-cert-fingerprint", args.fingerprint)
    cmd = cmd.loggable_kv("--server-username", args.server_username)
    return cmd.redacted_kv("--server-password", args.server_password, env=SERVER_PASSWORD_ENV)


def refresh(args: ClientArgs) -> commands.Command:
    """`server refresh --server-cert-fingerprint --address --server-username --server-password`."""
    cmd = commands.common(args.common).loggable("server", "refresh")
    cmd = cmd.redacted_kv("--server-cert-fingerprint", args.fingerprint)
    cmd = cmd.loggable_kv("--address", args.server_address)
    cmd = cmd.loggable_kv("--server-username", args.server_username)
    return cmd.redacted_kv("--server-password", args.server_password, env=SERVER_PASSWORD_ENV)


def list_users(args: commands.CommandArgs) -> commands.Command:
    """`server user list --json` (straight to the repository, not through the server)."""
    return commands.common(args).loggable("server", "user", "list", "--json")


def _user_change(
    args: commands.CommandArgs, *, verb: str, username: str, user_password: str,
    extra_args: dict[str, str] | None, password_hash: str | None,
) -> commands.Command:
    """`password_hash`: the password's hash if already computed (scrypt takes a while)."""
    cmd = commands.common(args).loggable("server", "user", verb, username)
    cmd = cmd.redacted_kv(
        "--user-password", user_password,
        to_flag=lambda password: (
            "--user-password-hash", password_hash or passwords.hash_password(password)),
    )
    for key, value in (extra_args or {}).items():
        cmd = cmd.loggable_kv(key, value)
    return cmd


def add_user(
    args: commands.CommandArgs, *, username: str, user_password: str,
    extra_args: dict[str, str] | None = None, password_hash: str | None = None,
) -> commands.Command:
    """`server user add <user@host> --user-password=<pw>` (a hash when kes runs it)."""
    return _user_change(args, verb="add", username=username, user_password=user_password,
                        extra_args=extra_args, password_hash=password_hash)


def set_user(
    args: commands.CommandArgs, *, username: str, user_password: str,
    extra_args: dict[str, str] | None = None, password_hash: str | None = None,
) -> commands.Command:
    """`server user set <user@host> --user-password=<pw>` (a hash when kes runs it)."""
    return _user_change(args, verb="set", username=username, user_password=user_password,
                        extra_args=extra_args, password_hash=password_hash)


def address(host: str, port: int = SERVER_PORT) -> str:
    """`https://<host>:<port>` (Kanister's repoServerAddressFormat)."""
    return f"https://{host}:{port}"
