"""Golden argv of every kopia command Kanister builds (reference kopia-and-restic.md 1.2-1.4).

Each vector is re-derived from the reference's shapes, not copied from Kanister's Go tests.
`kanister_argv()` must equal Kanister's exact argv; `logged()` its redacted log line; and the
argv kes runs (`invocation()`) must hold no password.
"""

from __future__ import annotations

import pytest

from kes.adapters.kopia import commands, repository, server, snapshots

COMMON = commands.CommandArgs(
    repo_password="encr-key", config_file_path="path/kopia.config", log_directory="cache/log"
)
NO_PW = commands.CommandArgs(config_file_path="path/kopia.config", log_directory="cache/log")
PREFIX = ["kopia", "--log-level=error", "--config-file=path/kopia.config", "--log-dir=cache/log"]


@pytest.fixture(autouse=True)
def _no_log_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(commands.LOG_LEVEL_ENV, raising=False)
    monkeypatch.delenv(commands.FILE_LOG_LEVEL_ENV, raising=False)


def _repo_args(location: dict[str, str], **overrides: object) -> repository.RepositoryArgs:
    fields: dict[str, object] = {
        "common": commands.CommandArgs(
            repo_password="pass123", config_file_path="/tmp/config.file",
            log_directory="/tmp/log.dir",
        ),
        "location": location,
        "repo_path_prefix": "test-path/prefix",
        "cache_directory": "/tmp/cache.dir",
        "hostname": "test-hostname",
        "username": "test-username",
    }
    fields.update(overrides)
    return repository.RepositoryArgs(**fields)  # type: ignore[arg-type]


REPO_PREFIX = [
    "kopia", "--log-level=error", "--config-file=/tmp/config.file", "--log-dir=/tmp/log.dir",
    "--password=pass123",
]
CACHE = ["--cache-directory=/tmp/cache.dir", "--content-cache-size-limit-mb=0",
         "--metadata-cache-size-limit-mb=0"]
IDENTITY = ["--override-hostname=test-hostname", "--override-username=test-username"]


@pytest.mark.parametrize(("location", "storage"), [
    pytest.param({"type": "filestore", "prefix": "test-prefix"},
                 ["filesystem", "--path=/mnt/data/test-prefix/test-path/prefix/"], id="filestore"),
    pytest.param({"type": "filestore"},
                 ["filesystem", "--path=/mnt/data/test-path/prefix"], id="filestore-no-prefix"),
    pytest.param({"type": "s3", "bucket": "test-bucket", "prefix": "test-prefix",
                  "region": "test-region", "skipSSLVerify": "true"},
                 ["s3", "--bucket=test-bucket", "--prefix=test-prefix/test-path/prefix/",
                  "--disable-tls-verification", "--region=test-region"], id="s3-skip-verify"),
    pytest.param({"type": "s3Compliant", "bucket": "b", "endpoint": "http://minio:9000/",
                  "prefix": "p", "region": "r"},
                 ["s3", "--bucket=b", "--endpoint=minio:9000", "--disable-tls",
                  "--prefix=p/test-path/prefix/", "--region=r"], id="s3-http-endpoint"),
    pytest.param({"type": "s3", "bucket": "b", "endpoint": "https://s3.example.com//"},
                 ["s3", "--bucket=b", "--endpoint=s3.example.com",
                  "--prefix=test-path/prefix"], id="s3-https-endpoint-slashes"),
    pytest.param({"type": "s3", "bucket": "b", "skipSSLVerify": "True"},
                 ["s3", "--bucket=b", "--prefix=test-path/prefix"], id="skip-verify-exact-true"),
    pytest.param({"type": "gcs", "bucket": "gb", "prefix": "gp"},
                 ["gcs", "--bucket=gb", "--credentials-file=/tmp/creds.txt",
                  "--prefix=gp/test-path/prefix/"], id="gcs"),
    pytest.param({"type": "azure", "bucket": "container", "prefix": "ap"},
                 ["azure", "--container=container", "--prefix=ap/test-path/prefix/"], id="azure"),
])
def test_repository_connect_and_create(location: dict[str, str], storage: list[str]) -> None:
    connect = repository.connect(_repo_args(location))
    assert connect.kanister_argv() == [
        *REPO_PREFIX, "repository", "connect", "--no-check-for-updates", *CACHE, *IDENTITY,
        *storage,
    ]
    create = repository.create(_repo_args(location))
    assert create.kanister_argv() == [
        *REPO_PREFIX, "repository", "create", "--no-check-for-updates", *CACHE, *IDENTITY,
        *storage,
    ]


def test_repository_connect_readonly_point_in_time_and_no_identity() -> None:
    cmd = repository.connect(_repo_args(
        {"type": "filestore"}, read_only=True, point_in_time="1970-01-01T00:00:00.000Z",
        hostname="", username="",
    ))
    assert cmd.kanister_argv() == [
        *REPO_PREFIX, "repository", "connect", "--no-check-for-updates", "--readonly", *CACHE,
        "filesystem", "--path=/mnt/data/test-path/prefix",
        "--point-in-time=1970-01-01T00:00:00.000Z",
    ]


def test_repository_create_retention_and_extra_args() -> None:
    cmd = repository.create(_repo_args(
        {"type": "filestore"}, retention_mode="Locked", retention_period_ns=10 * 10**9,
        extra_args={"--testflag": "testvalue"},
    ))
    assert cmd.kanister_argv()[-5:] == [
        "--retention-mode=Locked", "--retention-period=10s", "--testflag=testvalue",
        "filesystem", "--path=/mnt/data/test-path/prefix",
    ]
    day = repository.create(_repo_args({"type": "filestore"}, retention_mode="Governance",
                                       retention_period_ns=24 * 3600 * 10**9))
    assert "--retention-period=24h0m0s" in day.kanister_argv()
    only_mode = repository.create(_repo_args({"type": "filestore"}, retention_mode="Locked"))
    assert not any(a.startswith("--retention") for a in only_mode.kanister_argv())


def test_unsupported_location_type() -> None:
    with pytest.raises(
        commands.CommandError,
        match=r"^Failed to generate storage args: unsupported type for the location$",
    ):
        repository.connect(_repo_args({}))


def test_root_path_with_leading_slash_joins_like_go() -> None:
    assert repository.full_repo_path("pre", "/repo/app/") == "pre/repo/app/"
    assert repository.full_repo_path("", "/repo/app/") == "/repo/app/"
    assert repository.full_repo_path("a/", "b//c/..") == "a/b/"


def test_connect_server() -> None:
    cmd = repository.connect_server(repository.ServerConnectArgs(
        user_password="user-pass", config_file_path="/tmp/kopia-repository/host-a.config",
        log_directory="/tmp/kopia-log/host-a", server_url="https://svc.ns.svc.cluster.local:51515",
        fingerprint="ab12", hostname="host.a", username="kanisteruser",
        cache=commands.CacheArgs(content_cache_limit_mb=0, metadata_cache_limit_mb=500),
    ))
    assert cmd.kanister_argv() == [
        "kopia", "--log-level=error", "--config-file=/tmp/kopia-repository/host-a.config",
        "--log-dir=/tmp/kopia-log/host-a", "--password=user-pass", "repository", "connect",
        "server", "--no-check-for-updates", "--cache-directory=/tmp/kopia-cache",
        "--content-cache-size-limit-mb=0", "--metadata-cache-size-limit-mb=500",
        "--override-hostname=host.a", "--override-username=kanisteruser",
        "--url=https://svc.ns.svc.cluster.local:51515", "--server-cert-fingerprint=ab12",
    ]
    assert cmd.logged().endswith("--server-cert-fingerprint=<****>")
    assert "--password=<****>" in cmd.logged()


def test_repository_status_defaults_to_info() -> None:
    assert repository.status(NO_PW).logged() == (
        "kopia --log-level=info --config-file=path/kopia.config --log-dir=cache/log "
        "repository status"
    )
    assert repository.status(NO_PW, json_output=True).kanister_argv()[-1] == "--json"
    debug = commands.CommandArgs(log_level="debug")
    assert repository.status(debug).kanister_argv()[1] == "--log-level=debug"


def test_set_parameters() -> None:
    assert repository.set_parameters(
        NO_PW, retention_mode="none", retention_period_ns=0
    ).kanister_argv()[-3:] == ["set-parameters", "--retention-mode=none", "--retention-period=0s"]


START = server.StartArgs(
    common=COMMON, server_address="a-server-address", tls_cert_file="/path/to/cert/tls.crt",
    tls_key_file="/path/to/key/tls.key", server_username="a-username@a-hostname",
    server_password="a-user-password", cache_directory="cache/dir",
    cache=commands.CacheArgs(content_cache_limit_mb=500, metadata_cache_limit_mb=500),
    auto_generate_cert=True, enable_pprof=True, metrics_listen_address="a-server-address:51516",
)


def test_server_start_background_form() -> None:
    argv = commands.kanister_background(server.start(START))
    assert argv[:4] == ["bash", "-o", "errexit", "-c"]
    assert argv[4] == (
        "kopia --log-level=error --config-file=path/kopia.config --log-dir=cache/log "
        "server start --tls-generate-cert --address=a-server-address "
        "--tls-cert-file=/path/to/cert/tls.crt --tls-key-file=/path/to/key/tls.key "
        "--server-username=a-username@a-hostname --server-password=a-user-password "
        "--server-control-username=a-username@a-hostname "
        "--server-control-password=a-user-password --cache-directory=cache/dir "
        "--content-cache-size-limit-mb=500 --metadata-cache-size-limit-mb=500 --enable-pprof "
        "--metrics-listen-addr=a-server-address:51516 > /dev/null 2>&1 &"
    )
    logged = commands.kanister_background_logged(server.start(START))
    assert "--server-password=<****>" in logged and "a-user-password" not in logged


def test_server_start_controller_form() -> None:
    """What the controller passes: no cache args, no generated cert, htpasswd and limits off."""
    args = server.StartArgs(
        common=NO_PW, server_address="https://127.0.0.1:51515",
        tls_cert_file="/mnt/secrets/tlscert/tls.crt", tls_key_file="/mnt/secrets/tlscert/tls.key",
        server_username="admin", server_password="adminpw",
    )
    assert server.start(args).kanister_argv() == [
        *PREFIX, "server", "start", "--address=https://127.0.0.1:51515",
        "--tls-cert-file=/mnt/secrets/tlscert/tls.crt",
        "--tls-key-file=/mnt/secrets/tlscert/tls.key", "--server-username=admin",
        "--server-password=adminpw", "--server-control-username=admin",
        "--server-control-password=adminpw", "--cache-directory=",
        "--content-cache-size-limit-mb=0", "--metadata-cache-size-limit-mb=0",
    ]
    extra = server.start(server.StartArgs(
        common=NO_PW, server_address="a", tls_cert_file="c", tls_key_file="k",
        server_username="u", server_password="p", htpasswd_file_path="/tmp/kopia-htpasswd",
        read_only=True, max_concurrency=4,
    )).kanister_argv()
    assert "--htpasswd-file=/tmp/kopia-htpasswd" in extra
    assert extra.index("--htpasswd-file=/tmp/kopia-htpasswd") < extra.index("--server-username=u")
    assert extra[-2:] == ["--readonly", "--max-concurrency=4"]


CLIENT = server.ClientArgs(
    common=COMMON, server_address="https://10.0.0.1:51515", server_username="admin@host",
    server_password="adminpw", fingerprint="fp123",
)


def test_server_status_has_no_repository_password() -> None:
    assert server.status(CLIENT).kanister_argv() == [
        *PREFIX, "server", "status", "--address=https://10.0.0.1:51515",
        "--server-cert-fingerprint=fp123", "--server-username=admin@host",
        "--server-password=adminpw",
    ]
    assert server.status(CLIENT).logged() == (
        "kopia --log-level=error --config-file=path/kopia.config --log-dir=cache/log server "
        "status --address=https://10.0.0.1:51515 --server-cert-fingerprint=<****> "
        "--server-username=admin@host --server-password=<****>"
    )


def test_server_refresh() -> None:
    assert server.refresh(CLIENT).kanister_argv() == [
        *PREFIX, "--password=encr-key", "server", "refresh", "--server-cert-fingerprint=fp123",
        "--address=https://10.0.0.1:51515", "--server-username=admin@host",
        "--server-password=adminpw",
    ]


def test_server_users() -> None:
    assert server.list_users(COMMON).kanister_argv() == [
        *PREFIX, "--password=encr-key", "server", "user", "list", "--json"]
    add = server.add_user(COMMON, username="a-username@a-hostname", user_password="a-user-password")
    assert add.kanister_argv() == [
        *PREFIX, "--password=encr-key", "server", "user", "add", "a-username@a-hostname",
        "--user-password=a-user-password"]
    assert add.logged() == (
        "kopia --log-level=error --config-file=path/kopia.config --log-dir=cache/log "
        "--password=<****> server user add a-username@a-hostname --user-password=<****>"
    )
    set_user = server.set_user(COMMON, username="u@h", user_password="pw",
                               extra_args={"--testflag": "testvalue"})
    assert set_user.kanister_argv()[-4:] == [
        "set", "u@h", "--user-password=pw", "--testflag=testvalue"]


@pytest.mark.parametrize(("interval_ns", "expected"), [
    pytest.param(0, "1h", id="default"),
    pytest.param(95 * 10**9, "2m", id="1m35s-rounds-to-2m"),
    pytest.param(89 * 10**9, "1m", id="1m29s-rounds-to-1m"),
    pytest.param(1500 * 10**6, "2s", id="1.5s-rounds-half-up"),
    pytest.param(2 * 3600 * 10**9 + 10**9, "2h", id="2h0m1s"),
    pytest.param(5400 * 10**9, "2h", id="1h30m"),
])
def test_progress_update_interval(interval_ns: int, expected: str) -> None:
    assert snapshots.progress_interval(interval_ns) == expected


def test_snapshot_create() -> None:
    plain = snapshots.create(snapshots.CreateArgs(
        common=NO_PW, path_to_backup="path/to/backup", parallelism=8))
    assert plain.kanister_argv() == [
        "kopia", "--log-level=info", "--config-file=path/kopia.config", "--log-dir=cache/log",
        "snapshot", "create", "path/to/backup", "--json", "--parallel=8",
        "--progress-update-interval=1h",
    ]
    full = snapshots.create(snapshots.CreateArgs(
        common=NO_PW, path_to_backup="/data", parallelism=4, tags=["tag1:val1", "tag2:val2"],
        progress_update_interval_ns=95 * 10**9, estimation_type="adaptive",
        ignore_rule_file_path="/rules", hint_streaming_reads=True,
    ))
    assert full.kanister_argv()[5:] == [
        "create", "/data", "--json", "--parallel=4", "--ignore-rules-file=/rules",
        "--progress-estimation-type=adaptive", "--adaptive-estimation-threshold=300000",
        "--hint-streaming-reads", "--tags", "tag1:val1", "--tags", "tag2:val2",
        "--progress-update-interval=2m",
    ]
    classic = snapshots.create(snapshots.CreateArgs(
        common=NO_PW, path_to_backup="/d", parallelism=1, estimation_type="classic",
        estimation_threshold=7))
    assert "--progress-estimation-type=classic" in classic.kanister_argv()
    assert not any("threshold" in a for a in classic.kanister_argv())


def test_snapshot_restore_delete_expire() -> None:
    restore = snapshots.restore(snapshots.RestoreArgs(
        common=NO_PW, snapshot_id="snapID", target_path="/target", parallelism=8,
        ignore_permission_errors=True, sparse_restore=True, skip_existing=True, delete_extra=True,
    ))
    assert restore.kanister_argv() == [
        *PREFIX, "snapshot", "restore", "snapID", "/target", "--parallel=8",
        "--ignore-permission-errors", "--write-sparse-files", "--skip-existing", "--delete-extra",
    ]
    strict = snapshots.restore(snapshots.RestoreArgs(
        common=NO_PW, snapshot_id="s", target_path="/t"))
    assert strict.kanister_argv()[-3:] == ["s", "/t", "--no-ignore-permission-errors"]
    assert snapshots.delete(NO_PW, snapshot_id="snapID").kanister_argv() == [
        *PREFIX, "snapshot", "delete", "snapID", "--unsafe-ignore-source"]
    assert snapshots.expire(NO_PW, root_id="r", must_delete=True).kanister_argv()[-4:] == [
        "snapshot", "expire", "r", "--delete"]


def test_lists_and_legacy_restore() -> None:
    assert snapshots.list_all(NO_PW, tags=["k:v"]).kanister_argv()[4:] == [
        "snapshot", "list", "--all", "--delta", "--show-identical", "--json", "--tags", "k:v"]
    assert snapshots.manifest_list(NO_PW).kanister_argv()[4:] == [
        "manifest", "list", "--json", "--filter=type:snapshot"]
    assert snapshots.restore_root(
        NO_PW, root_id="kroot", target_path="/t", ignore_permission_errors=False, parallelism=2,
    ).kanister_argv()[4:] == ["restore", "kroot", "/t", "--no-ignore-permission-errors",
                             "--parallel=2"]


def test_verify() -> None:
    cmd = snapshots.verify(snapshots.VerifyArgs(
        common=NO_PW, snapshot_ids=["s1", "s2"], directory_ids=["d1"], file_ids=["f1", "f2"],
        sources=["u@h:/p"], verify_files_percent=12.5, parallelism=3, file_queue_length=4,
        file_parallelism=5, max_errors=6, json_output=True,
    ))
    assert cmd.kanister_argv()[4:] == [
        "snapshot", "verify", "--verify-files-percent=12.5", "--max-errors=6", "--parallel=3",
        "--file-queue-length=4", "--file-parallelism=5", "--directory-id=d1", "--file-id=f1",
        "--file-id=f2", "--sources=u@h:/p", "--json", "s1", "s2",
    ]
    assert snapshots.verify(snapshots.VerifyArgs(
        common=NO_PW, verify_files_percent=100.0)).kanister_argv()[-1] == (
        "--verify-files-percent=100")


def test_maintenance_policy_blob_cache() -> None:
    assert snapshots.maintenance_info(COMMON, json_output=True).kanister_argv()[5:] == [
        "maintenance", "info", "--json"]
    assert snapshots.maintenance_set_owner(COMMON, owner="u@ns-uid-maintenance").kanister_argv()[
        5:] == ["maintenance", "set", "--owner=u@ns-uid-maintenance"]
    assert snapshots.maintenance_run(COMMON).kanister_argv()[5:] == ["maintenance", "run"]
    policy = snapshots.policy_set_global(COMMON).kanister_argv()
    assert policy[5:8] == ["policy", "set", "--global"]
    # Kanister iterates a Go map here: compare as a set.
    assert set(policy[8:]) == {
        "--keep-latest=2147483647", "--keep-hourly=0", "--keep-daily=0", "--keep-weekly=0",
        "--keep-monthly=0", "--keep-annual=0", "--compression=s2-default"}
    assert snapshots.policy_show_global(COMMON, json_output=True).kanister_argv()[5:] == [
        "policy", "show", "--global", "--json"]
    assert snapshots.blob_list(COMMON).kanister_argv()[5:] == ["blob", "list"]
    assert snapshots.blob_stats(COMMON).kanister_argv()[5:] == ["blob", "stats", "--raw"]
    assert snapshots.cache_clear(COMMON).kanister_argv()[5:] == ["cache", "clear"]


def test_log_levels_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(commands.LOG_LEVEL_ENV, "debug")
    monkeypatch.setenv(commands.FILE_LOG_LEVEL_ENV, "warn")
    assert snapshots.blob_list(NO_PW).kanister_argv()[:3] == [
        "kopia", "--log-level=debug", "--file-log-level=warn"]
    # An explicit level wins over the environment; snapshot create's default is info only
    # when neither is set.
    explicit = commands.CommandArgs(log_level="error", file_log_level="info")
    assert snapshots.blob_list(explicit).kanister_argv()[1:3] == [
        "--log-level=error", "--file-log-level=info"]
