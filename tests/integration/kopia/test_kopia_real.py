"""kes's kopia commands against the real kopia 0.23.1 (no cluster): flags, round trip, errors.

Every flag Kanister emits must parse in the kopia we ship (`kopia <argv> --help` exits 0 only
when every flag is known), except `--ignore-rules-file`, which exists only in Kanister's fork.
The round trip runs the repository server flow of reference 4.3 with our own builders and
parsers: create, connect, server start, user add (by hash), refresh, client connect, snapshot
create/restore/delete.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
from pathlib import Path

import pytest
from kopia_harness import Kopia, free_port, make_certificate

from kes.adapters.kopia import commands, errors, parsing, repository, server, snapshots, tls

pytestmark = pytest.mark.tools("kopia")

REPO_PW = "repo-pw-Secret1"
ADMIN_PW = "admin-pw-Secret2"
USER_PW = "user-pw Secret3;"


def _every_builder(tmp: Path) -> list[tuple[str, commands.Command]]:
    common = commands.CommandArgs(repo_password="pw", config_file_path=str(tmp / "c"),
                                  log_directory=str(tmp / "l"), file_log_level="debug")
    location = {"type": "filestore", "prefix": "p"}
    repo = repository.RepositoryArgs(
        common=common, location=location, repo_path_prefix="r", cache_directory=str(tmp / "k"),
        hostname="h", username="u", read_only=True,
    )
    s3 = repository.RepositoryArgs(common=common, location={
        "type": "s3Compliant", "bucket": "b", "endpoint": "http://127.0.0.1:9/", "prefix": "p",
        "region": "r", "skipSSLVerify": "true"}, repo_path_prefix="x",
        point_in_time="1970-01-01T00:00:00.000Z")
    client = server.ClientArgs(common=common, server_address="https://127.0.0.1:9",
                               server_username="a", server_password="b", fingerprint="ab")
    return [
        ("connect filesystem", repository.connect(repo)),
        ("connect s3", repository.connect(s3)),
        ("connect gcs", repository.connect(repository.RepositoryArgs(
            common=common, location={"type": "gcs", "bucket": "b"}))),
        ("connect azure", repository.connect(repository.RepositoryArgs(
            common=common, location={"type": "azure", "bucket": "b"}))),
        ("create", repository.create(repository.RepositoryArgs(
            common=common, location=location, retention_mode="governance",
            retention_period_ns=86400 * 10**9))),
        ("connect server", repository.connect_server(repository.ServerConnectArgs(
            user_password="p", config_file_path=str(tmp / "c"), log_directory=str(tmp / "l"),
            server_url="https://a:1",
            fingerprint="ab", hostname="h", username="u", read_only=True))),
        ("status", repository.status(common, json_output=True)),
        ("set-parameters", repository.set_parameters(common, retention_mode="governance",
                                                     retention_period_ns=10**9)),
        ("server start", server.start(server.StartArgs(
            common=common, server_address="https://127.0.0.1:9", tls_cert_file="c",
            tls_key_file="k", server_username="a", server_password="b",
            htpasswd_file_path=str(tmp / "htpasswd"), read_only=True, enable_pprof=True,
            metrics_listen_address="127.0.0.1:8", max_concurrency=2, cache_directory="d",
            auto_generate_cert=True))),
        ("server status", server.status(client)),
        ("server refresh", server.refresh(client)),
        ("user list", server.list_users(common)),
        ("user add", server.add_user(common, username="u@h", user_password="p")),
        ("user set", server.set_user(common, username="u@h", user_password="p")),
        ("snapshot create", snapshots.create(snapshots.CreateArgs(
            common=common, path_to_backup="/x", parallelism=2, tags=["a:b"],
            progress_update_interval_ns=10**9, estimation_type="adaptive"))),
        ("snapshot restore", snapshots.restore(snapshots.RestoreArgs(
            common=common, snapshot_id="s", target_path="/t", parallelism=2,
            ignore_permission_errors=True, sparse_restore=True, skip_existing=True,
            delete_extra=True))),
        ("snapshot restore strict", snapshots.restore(snapshots.RestoreArgs(
            common=common, snapshot_id="s", target_path="/t"))),
        ("snapshot delete", snapshots.delete(common, snapshot_id="s")),
        ("snapshot expire", snapshots.expire(common, root_id="r", must_delete=True)),
        ("snapshot list", snapshots.list_all(common, tags=["a:b"])),
        ("manifest list", snapshots.manifest_list(common)),
        ("snapshot verify", snapshots.verify(snapshots.VerifyArgs(
            common=common, snapshot_ids=["s"], directory_ids=["d"], file_ids=["f"],
            sources=["u@h:/p"], verify_files_percent=1.5, parallelism=1, file_queue_length=1,
            file_parallelism=1, max_errors=1, json_output=True))),
        ("restore", snapshots.restore_root(common, root_id="r", target_path="/t",
                                           ignore_permission_errors=False, parallelism=2)),
        ("maintenance info", snapshots.maintenance_info(common, json_output=True)),
        ("maintenance set", snapshots.maintenance_set_owner(common, owner="u@h")),
        ("maintenance run", snapshots.maintenance_run(common)),
        ("policy set", snapshots.policy_set_global(common)),
        ("policy show", snapshots.policy_show_global(common, json_output=True)),
        ("blob list", snapshots.blob_list(common)),
        ("blob stats", snapshots.blob_stats(common)),
        ("cache clear", snapshots.cache_clear(common)),
    ]


def _parses(kopia: Kopia, argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*argv, "--help"], env=kopia.env(), capture_output=True, text=True,
                          check=False, timeout=60)


def test_every_flag_kanister_emits_exists_in_our_kopia(tmp_path: Path) -> None:
    kopia = Kopia(tmp_path)
    (tmp_path / "htpasswd").write_text("")
    for name, cmd in _every_builder(tmp_path):
        for form, argv in (("kanister", cmd.kanister_argv()),
                           ("kes", list(cmd.invocation().argv))):
            done = _parses(kopia, argv)
            assert done.returncode == 0, f"{name} ({form}): {done.stderr.strip()}"


@pytest.mark.parametrize(("cmd", "flag"), [
    pytest.param(snapshots.create(snapshots.CreateArgs(
        common=commands.CommandArgs(), path_to_backup="/x", parallelism=1,
        ignore_rule_file_path="/rules")), "--ignore-rules-file", id="fork-only-ignore-rules"),
    pytest.param(snapshots.create(snapshots.CreateArgs(
        common=commands.CommandArgs(), path_to_backup="/x", parallelism=1,
        hint_streaming_reads=True)), "--hint-streaming-reads", id="fork-only-streaming-hint"),
    pytest.param(repository.connect(repository.RepositoryArgs(
        common=commands.CommandArgs(), location={"type": "filestore"},
        point_in_time="1970-01-01T00:00:00.000Z")), "--point-in-time",
        id="point-in-time-is-s3-and-azure-only"),
])
def test_flags_kopia_does_not_know(tmp_path: Path, cmd: commands.Command, flag: str) -> None:
    """Documented in docs/kopia.md: Kanister emits these, kopia 0.23.1 refuses them."""
    done = _parses(Kopia(tmp_path), cmd.kanister_argv())
    assert done.returncode != 0
    assert f"unknown long flag '{flag}'" in done.stderr


def _tree(root: Path) -> None:
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n" * 1000)
    (root / "sub" / "b.bin").write_bytes(os.urandom(300_000))


def test_repository_server_round_trip(tmp_path: Path) -> None:
    kopia = Kopia(tmp_path)
    storage = tmp_path / "storage"
    admin = commands.CommandArgs(repo_password=REPO_PW, config_file_path=str(tmp_path / "srv.cfg"),
                                 log_directory=str(tmp_path / "srv-log"))
    location = {"type": "filestore"}
    args = repository.RepositoryArgs(
        common=admin, location=location, repo_path_prefix="repo", cache_directory=str(
            tmp_path / "cache"), hostname="server-host", username="server-user")
    # The reference's /mnt/data mount point is this test's storage directory.
    create = repository.create(args)
    fixed = [a if not a.startswith("--path=") else f"--path={storage}/repo" for a in
             create.invocation().argv]
    assert fixed != list(create.invocation().argv)
    done = subprocess.run(fixed, env=kopia.env(create.invocation().secret_env),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    kopia.run(snapshots.policy_set_global(admin))
    kopia.run(snapshots.maintenance_set_owner(admin, owner="server-user@ns-maintenance"))
    owner = kopia.run(snapshots.maintenance_info(admin, json_output=True)).stdout
    assert parsing.maintenance_owner(owner) == "server-user@ns-maintenance"

    cert, key = make_certificate()
    (tmp_path / "tls.crt").write_bytes(cert)
    (tmp_path / "tls.key").write_bytes(key)
    fingerprint = tls.fingerprint(cert)
    address = server.address("127.0.0.1", free_port())
    start = server.StartArgs(
        common=commands.CommandArgs(config_file_path=admin.config_file_path,
                                    log_directory=admin.log_directory),
        server_address=address, tls_cert_file=str(tmp_path / "tls.crt"),
        tls_key_file=str(tmp_path / "tls.key"), server_username="admin@kes",
        server_password=ADMIN_PW,
    )
    status = server.ClientArgs(common=admin, server_address=address,
                               server_username="admin@kes", server_password=ADMIN_PW,
                               fingerprint=fingerprint)
    down = kopia.run(server.status(status), check=False)
    assert down.returncode != 0
    assert errors.classify(down.stderr) is errors.ErrorClass.SERVER_NOT_READY

    with kopia.serving(start, status):
        users = parsing.user_names(kopia.run(server.list_users(admin)).stdout)
        assert users == []
        kopia.run(server.add_user(admin, username="kanister@client-host", user_password="old"))
        kopia.run(server.set_user(admin, username="kanister@client-host", user_password=USER_PW))
        assert parsing.user_names(kopia.run(server.list_users(admin)).stdout) == [
            "kanister@client-host"]
        kopia.run(server.refresh(status))

        client = commands.CommandArgs(config_file_path=str(tmp_path / "client.cfg"),
                                      log_directory=str(tmp_path / "client-log"))
        connect = repository.ServerConnectArgs(
            user_password=USER_PW, config_file_path=client.config_file_path,
            log_directory=client.log_directory, server_url=address, fingerprint=fingerprint,
            cache_directory=str(tmp_path / "client-cache"), hostname="client-host",
            username="kanister", cache=commands.CacheArgs(0, 500))
        wrong_fp = repository.connect_server(
            repository.ServerConnectArgs(**{**connect.__dict__, "fingerprint": "00" * 32}))
        assert kopia.run(wrong_fp, check=False).returncode != 0
        wrong_pw = repository.connect_server(
            repository.ServerConnectArgs(**{**connect.__dict__, "user_password": "nope"}))
        assert kopia.run(wrong_pw, check=False).returncode != 0
        kopia.run(repository.connect_server(connect))

        source = tmp_path / "source"
        _tree(source)
        created = kopia.run(snapshots.create(snapshots.CreateArgs(
            common=client, path_to_backup=str(source), parallelism=8, tags=["app:test"],
            enable_progress=True)))
        result = parsing.snapshot_created(created.stdout, created.stderr)
        assert result.stats is not None
        assert result.stats.size_hashed + result.stats.size_cached >= 300_000
        assert result.stats.progress_percent == 100

        target = tmp_path / "restored"
        kopia.run(snapshots.restore(snapshots.RestoreArgs(
            common=client, snapshot_id=result.snapshot_id, target_path=str(target),
            ignore_permission_errors=True, parallelism=8)))
        compare = filecmp.dircmp(source, target)
        assert not compare.diff_files and not compare.left_only and not compare.right_only
        assert filecmp.cmp(source / "sub" / "b.bin", target / "sub" / "b.bin", shallow=False)

        listed = parsing.snapshot_list(kopia.run(snapshots.list_all(client)).stdout)
        assert [m["id"] for m in listed] == [result.snapshot_id]
        kopia.run(snapshots.delete(client, snapshot_id=result.snapshot_id))
        assert parsing.snapshot_list(kopia.run(snapshots.list_all(client)).stdout) == []


def test_repository_errors_are_classified(tmp_path: Path) -> None:
    kopia = Kopia(tmp_path)
    storage = tmp_path / "repo"
    common = commands.CommandArgs(repo_password=REPO_PW, config_file_path=str(tmp_path / "c"),
                                  log_directory=str(tmp_path / "l"))
    missing = commands.Command().loggable("kopia").combine(
        repository.connect(repository.RepositoryArgs(common=common, location={
            "type": "filestore"}, cache_directory=str(tmp_path / "k"))))
    argv = [a if not a.startswith("--path=") else f"--path={storage}" for a in
            missing.invocation().argv[1:]]
    done = subprocess.run(argv, env=kopia.env(missing.invocation().secret_env),
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert errors.classify(done.stderr) is errors.ErrorClass.REPOSITORY_NOT_FOUND

    subprocess.run(["kopia", "repository", "create", "filesystem", f"--path={storage}",
                    f"--config-file={tmp_path / 'c0'}"],
                   env=kopia.env({"KOPIA_PASSWORD": REPO_PW}), check=True, capture_output=True)
    wrong = repository.connect(repository.RepositoryArgs(
        common=commands.CommandArgs(repo_password="not-it", config_file_path=str(tmp_path / "c")),
        location={"type": "filestore"}))
    argv = [a if not a.startswith("--path=") else f"--path={storage}" for a in
            wrong.invocation().argv]
    done = subprocess.run(argv, env=kopia.env(wrong.invocation().secret_env),
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert errors.classify(done.stderr) is errors.ErrorClass.INVALID_PASSWORD
    assert "not-it" not in " ".join(argv)

    not_connected = kopia.run(server.list_users(commands.CommandArgs(
        config_file_path=str(tmp_path / "never.cfg"))), check=False)
    assert not_connected.returncode != 0
    assert errors.classify(not_connected.stderr) is errors.ErrorClass.NOT_CONNECTED
