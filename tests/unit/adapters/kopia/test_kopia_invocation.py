"""What kes runs: Kanister's commands with every password moved off the command line."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from kes.adapters.kopia import commands, passwords, repository, server

ARGS = commands.CommandArgs(repo_password="repo-secret", config_file_path="/c", log_directory="/l")


def test_repository_password_goes_to_the_environment() -> None:
    inv = server.list_users(ARGS).invocation()
    assert inv.argv == ("kopia", "--log-level=error", "--config-file=/c", "--log-dir=/l",
                        "server", "user", "list", "--json")
    assert inv.secret_env == {"KOPIA_PASSWORD": "repo-secret"}
    assert "repo-secret" not in inv.logged


def test_server_start_passwords_go_to_kopias_variables() -> None:
    inv = server.start(server.StartArgs(
        common=commands.CommandArgs(config_file_path="/c", log_directory="/l"),
        server_address="https://127.0.0.1:51515", tls_cert_file="/crt", tls_key_file="/key",
        server_username="admin", server_password="admin-secret",
    )).invocation()
    assert inv.secret_env == {"KOPIA_SERVER_PASSWORD": "admin-secret",
                              "KOPIA_SERVER_CONTROL_PASSWORD": "admin-secret"}
    assert not any("admin-secret" in part for part in inv.argv)
    assert "--server-username=admin" in inv.argv
    assert "--server-control-username=admin" in inv.argv


def test_user_password_becomes_its_hash() -> None:
    inv = server.add_user(ARGS, username="u@h", user_password="user-secret").invocation()
    flag = next(a for a in inv.argv if a.startswith("--user-password"))
    key, value = flag.split("=", 1)
    assert key == "--user-password-hash"
    payload = json.loads(base64.b64decode(value))
    assert payload["passwordHashVersion"] == 1
    stored = base64.b64decode(payload["passwordHash"])
    assert stored == passwords.derive("user-secret", stored[:32])
    assert not any("user-secret" in part for part in inv.argv)


def test_client_commands_keep_the_fingerprint_and_hide_the_password() -> None:
    inv = server.refresh(server.ClientArgs(
        common=ARGS, server_address="https://a:51515", server_username="admin",
        server_password="admin-secret", fingerprint="f00d",
    )).invocation()
    assert "--server-cert-fingerprint=f00d" in inv.argv
    assert inv.secret_env == {"KOPIA_PASSWORD": "repo-secret",
                              "KOPIA_SERVER_PASSWORD": "admin-secret"}
    connect = repository.connect_server(repository.ServerConnectArgs(
        user_password="user-secret", config_file_path="/c", log_directory="/l",
        server_url="https://a:51515", fingerprint="f00d",
    )).invocation()
    assert connect.secret_env == {"KOPIA_PASSWORD": "user-secret"}


def test_exec_argv_reads_secrets_from_stdin() -> None:
    inv = commands.Invocation(argv=("printenv", "KOPIA_PASSWORD", "KOPIA_SERVER_PASSWORD"),
                              secret_env={"KOPIA_SERVER_PASSWORD": "s p;'\"$x",
                                          "KOPIA_PASSWORD": "first"})
    argv, stdin = commands.exec_argv(inv)
    assert all("first" not in part and "$x" not in part for part in argv)
    done = subprocess.run(argv, input=stdin, capture_output=True, check=True)
    assert done.stdout.decode().splitlines() == ["first", "s p;'\"$x"]


def test_exec_argv_without_secrets_is_the_argv_itself() -> None:
    inv = commands.Invocation(argv=("kopia", "--version"))
    assert commands.exec_argv(inv) == (["kopia", "--version"], None)


def test_exec_argv_background_returns_at_once(tmp_path: object) -> None:
    inv = commands.Invocation(argv=("sh", "-c", 'echo "$KOPIA_PASSWORD" > "$0"; sleep 0',
                                    str(tmp_path) + "/out"),
                              secret_env={"KOPIA_PASSWORD": "bg-secret"})
    argv, stdin = commands.exec_argv(inv, background=True)
    assert argv[:4] == ["bash", "-o", "errexit", "-c"]
    subprocess.run(argv, input=stdin, check=True, timeout=10)


def test_a_line_break_in_a_password_is_refused_without_echoing_it() -> None:
    inv = commands.Invocation(argv=("kopia",), secret_env={"KOPIA_PASSWORD": "a\nb"})
    with pytest.raises(commands.CommandError) as caught:
        commands.exec_argv(inv)
    assert "a\nb" not in str(caught.value)
    assert "KOPIA_PASSWORD" in str(caught.value)


def test_a_hash_computed_earlier_is_used_as_it_is() -> None:
    given = passwords.hash_password("user-secret")
    inv = server.set_user(ARGS, username="u@h", user_password="user-secret",
                          password_hash=given).invocation()
    assert f"--user-password-hash={given}" in inv.argv
    # Kanister's own argv is unchanged by it.
    assert server.set_user(ARGS, username="u@h", user_password="user-secret",
                           password_hash=given).kanister_argv()[-1] == "--user-password=user-secret"
