"""`kopia repository create|connect|connect server|status|set-parameters` and storage flags.

Kanister's `pkg/kopia/command/repository.go` and `storage/*.go` (reference kopia-and-restic.md
1.2): the storage flags come from the location secret's `type` key. Storage credentials are
never flags: kopia reads them from the environment (AWS_*, AZURE_STORAGE_*) or, for GCS, from
the credentials file Kanister writes into the pod.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Mapping

from kes.adapters.kopia import commands
from kes.domain import durations

DEFAULT_FS_MOUNT_PATH = "/mnt/data"
GOOGLE_CLOUD_CREDS_FILE_PATH = "/tmp/creds.txt"  # noqa: S108 (Kanister's in-pod path)

LOCATION_TYPES = ("s3", "s3Compliant", "gcs", "azure", "filestore")


def go_path_join(*elements: str) -> str:
    """Go's `path.Join`: the non-empty elements joined by "/" (a leading "/" on a later
    element does not restart the path, unlike `posixpath.join`), then `path.Clean`ed."""
    joined = "/".join(e for e in elements if e)
    if not joined:
        return ""
    cleaned = posixpath.normpath(joined)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def full_repo_path(location_prefix: str, repo_path_prefix: str) -> str:
    """`GenerateFullRepoPath`: `path.Join(prefix, root) + "/"`, or the root path unchanged."""
    if location_prefix:
        return go_path_join(location_prefix, repo_path_prefix) + "/"
    return repo_path_prefix


def resolve_s3_endpoint(endpoint: str) -> str:
    """Trailing slashes trimmed, then the `scheme://` removed (`ResolveS3Endpoint`)."""
    return endpoint.rstrip("/").split("://", 1)[-1]


def storage_args(location: Mapping[str, str], *, repo_path_prefix: str) -> commands.Command:
    """`KopiaStorageArgs`: the storage subcommand and its flags for a location secret's data."""
    kind = location.get("type", "")
    prefix = full_repo_path(location.get("prefix", ""), repo_path_prefix)
    bucket = location.get("bucket", "")
    if kind == "filestore":
        return commands.Command().loggable("filesystem").loggable_kv(
            "--path", f"{DEFAULT_FS_MOUNT_PATH}/{prefix}"
        )
    if kind in ("s3", "s3Compliant"):
        cmd = commands.Command().loggable("s3").loggable_kv("--bucket", bucket)
        endpoint = location.get("endpoint", "")
        if endpoint:
            cmd = cmd.loggable_kv("--endpoint", resolve_s3_endpoint(endpoint))
            if endpoint.startswith("http:"):
                cmd = cmd.loggable("--disable-tls")
        cmd = cmd.loggable_kv("--prefix", prefix)
        if location.get("skipSSLVerify", "") == "true":
            cmd = cmd.loggable("--disable-tls-verification")
        region = location.get("region", "")
        if region:
            cmd = cmd.loggable_kv("--region", region)
        return cmd
    if kind == "gcs":
        return (
            commands.Command().loggable("gcs").loggable_kv("--bucket", bucket)
            .loggable_kv("--credentials-file", GOOGLE_CLOUD_CREDS_FILE_PATH)
            .loggable_kv("--prefix", prefix)
        )
    if kind == "azure":
        return (
            commands.Command().loggable("azure").loggable_kv("--container", bucket)
            .loggable_kv("--prefix", prefix)
        )
    raise commands.CommandError(
        "Failed to generate storage args: unsupported type for the location"
    )


@dataclasses.dataclass(frozen=True)
class RepositoryArgs:
    """Kanister's `RepositoryCommandArgs` (connect and create)."""

    common: commands.CommandArgs
    location: Mapping[str, str]
    repo_path_prefix: str = ""
    cache: commands.CacheArgs = dataclasses.field(default_factory=commands.CacheArgs)
    cache_directory: str = ""
    hostname: str = ""
    username: str = ""
    read_only: bool = False
    point_in_time: str = ""  # strfmt DateTime text, e.g. 1970-01-01T00:00:00.000Z
    retention_mode: str = ""  # create only
    retention_period_ns: int = 0  # create only
    extra_args: Mapping[str, str] = dataclasses.field(default_factory=dict)


def _identity(cmd: commands.Command, args: RepositoryArgs) -> commands.Command:
    if args.hostname:
        cmd = cmd.loggable_kv("--override-hostname", args.hostname)
    if args.username:
        cmd = cmd.loggable_kv("--override-username", args.username)
    return cmd


def connect(args: RepositoryArgs) -> commands.Command:
    """`repository connect --no-check-for-updates [--readonly] <cache> [identity] <storage>`."""
    cmd = commands.common(args.common).loggable("repository", "connect", "--no-check-for-updates")
    if args.read_only:
        cmd = cmd.loggable("--readonly")
    cmd = commands.cache_args(cmd, args.cache, cache_directory=args.cache_directory)
    cmd = _identity(cmd, args)
    storage = storage_args(args.location, repo_path_prefix=args.repo_path_prefix)
    if args.point_in_time:
        storage = storage.loggable_kv("--point-in-time", args.point_in_time)
    return cmd.combine(storage)


def create(args: RepositoryArgs) -> commands.Command:
    """`repository create --no-check-for-updates <cache> [identity] [retention] [extra]
    <storage>`."""
    cmd = commands.common(args.common).loggable("repository", "create", "--no-check-for-updates")
    cmd = commands.cache_args(cmd, args.cache, cache_directory=args.cache_directory)
    cmd = _identity(cmd, args)
    if args.retention_mode and args.retention_period_ns > 0:
        cmd = cmd.loggable_kv("--retention-mode", args.retention_mode)
        cmd = cmd.loggable_kv(
            "--retention-period", durations.format_duration(args.retention_period_ns)
        )
    for key, value in args.extra_args.items():
        cmd = cmd.loggable_kv(key, value)
    return cmd.combine(storage_args(args.location, repo_path_prefix=args.repo_path_prefix))


@dataclasses.dataclass(frozen=True)
class ServerConnectArgs:
    """Kanister's `RepositoryServerCommandArgs`: a client connecting to a repository server."""

    user_password: str
    config_file_path: str
    log_directory: str
    server_url: str
    fingerprint: str
    cache_directory: str = commands.DEFAULT_CACHE_DIRECTORY
    hostname: str = ""
    username: str = ""
    read_only: bool = False
    cache: commands.CacheArgs = dataclasses.field(default_factory=commands.CacheArgs)
    extra_args: Mapping[str, str] = dataclasses.field(default_factory=dict)


def connect_server(args: ServerConnectArgs) -> commands.Command:
    """`repository connect server ... --url=<url> [extra] --server-cert-fingerprint=<fp>`."""
    cmd = commands.common(commands.CommandArgs(
        repo_password=args.user_password,
        config_file_path=args.config_file_path,
        log_directory=args.log_directory,
    ))
    cmd = cmd.loggable("repository", "connect", "server", "--no-check-for-updates")
    if args.read_only:
        cmd = cmd.loggable("--readonly")
    cmd = commands.cache_args(cmd, args.cache, cache_directory=args.cache_directory)
    if args.hostname:
        cmd = cmd.loggable_kv("--override-hostname", args.hostname)
    if args.username:
        cmd = cmd.loggable_kv("--override-username", args.username)
    cmd = cmd.loggable_kv("--url", args.server_url)
    for key, value in args.extra_args.items():
        cmd = cmd.loggable_kv(key, value)
    # Kanister redacts the fingerprint in logs; it is public, so it stays on the command line.
    return cmd.redacted_kv("--server-cert-fingerprint", args.fingerprint)


def status(args: commands.CommandArgs, *, json_output: bool = False) -> commands.Command:
    """`repository status [--json]`, at log level info unless one is given."""
    level = args.log_level or commands.LOG_LEVEL_INFO
    cmd = commands.common(dataclasses.replace(args, log_level=level)).loggable(
        "repository", "status"
    )
    return cmd.loggable("--json") if json_output else cmd


def set_parameters(
    args: commands.CommandArgs, *, retention_mode: str = "", retention_period_ns: int = 0
) -> commands.Command:
    """`repository set-parameters [--retention-mode=m --retention-period=d]`."""
    cmd = commands.common(args).loggable("repository", "set-parameters")
    if retention_mode:
        cmd = cmd.loggable_kv("--retention-mode", retention_mode)
        cmd = cmd.loggable_kv("--retention-period", durations.format_duration(retention_period_ns))
    return cmd
