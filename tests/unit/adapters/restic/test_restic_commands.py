"""Golden argv of every restic command kes runs, and the stdin hand-over of credentials.

The argument order is Kanister's (reference kopia-and-restic.md 3.1: `backup --tag <tag> <path>
[--insecure-tls]`, `restore <id>[:<path>] --target <p>`, `restore --tag <t> latest[:<path>]`,
`snapshots --tag <t> --json`, `forget <id>`, `prune`, `stats <id> --mode <m>`) with `--json`
after the subcommand where restic has it. The script itself is run here with a real `sh` and a
stand-in program that prints its environment and argv, to show where each value lands.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kes.adapters.restic import commands, locations

REPO = locations.Repository(
    url="s3:http://127.0.0.1:9000/bucket/prefix",
    env={
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t value with spaces $HOME `x`",
        "RESTIC_REPOSITORY": "s3:http://127.0.0.1:9000/bucket/prefix",
    },
)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            commands.backup(tag="tag1", include_path="/var/log", insecure_tls=False),
            ["backup", "--json", "--tag", "tag1", "/var/log"],
        ),
        (
            commands.backup(tag="tag1", include_path="/var/log", insecure_tls=True),
            ["backup", "--json", "--tag", "tag1", "/var/log", "--insecure-tls"],
        ),
        (
            commands.restore_by_id(
                snapshot_id="7c0bfeb9", target="/", backup_path="", insecure_tls=False
            ),
            ["restore", "--json", "7c0bfeb9", "--target", "/"],
        ),
        (
            commands.restore_by_id(
                snapshot_id="7c0bfeb9", target="/r", backup_path="/var/log/sub", insecure_tls=True
            ),
            ["restore", "--json", "7c0bfeb9:/var/log/sub", "--target", "/r", "--insecure-tls"],
        ),
        (
            commands.restore_by_tag(tag="t", target="/", backup_path="", insecure_tls=False),
            ["restore", "--json", "--tag", "t", "latest", "--target", "/"],
        ),
        (
            commands.restore_by_tag(tag="t", target="/", backup_path="/a", insecure_tls=True),
            ["restore", "--json", "--tag", "t", "latest:/a", "--target", "/", "--insecure-tls"],
        ),
        (commands.snapshots(insecure_tls=False), ["snapshots", "--json"]),
        (
            commands.snapshots_by_tag(tag="t", insecure_tls=True),
            ["snapshots", "--json", "--tag", "t", "--insecure-tls"],
        ),
        (commands.init(insecure_tls=False), ["init", "--json"]),
        (commands.cat_config(insecure_tls=True), ["cat", "config", "--insecure-tls"]),
        (commands.forget(snapshot_id="7c0bfeb9", insecure_tls=False), ["forget", "7c0bfeb9"]),
        (commands.prune(insecure_tls=True), ["prune", "--insecure-tls"]),
        (
            commands.stats(snapshot_id="7c0bfeb9", mode="restore-size", insecure_tls=False),
            ["stats", "--json", "7c0bfeb9", "--mode", "restore-size"],
        ),
    ],
)
def test_golden_argv(argv: list[str], expected: list[str]) -> None:
    assert argv == expected


def test_invocation_carries_names_in_argv_and_values_on_stdin() -> None:
    invocation = commands.invocation(REPO, password="the-key", args=["snapshots", "--json"])
    assert invocation.argv[:3] == ["sh", "-c", commands.SCRIPT]
    assert invocation.argv[3:] == [
        "kes-restic",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "RESTIC_PASSWORD",
        "RESTIC_REPOSITORY",
        "--",
        "restic",
        "snapshots",
        "--json",
    ]
    assert invocation.stdin == (
        b"AKIAEXAMPLE\ns3cr3t value with spaces $HOME `x`\nthe-key\n"
        b"s3:http://127.0.0.1:9000/bucket/prefix\n"
    )
    joined = " ".join(invocation.argv)
    for secret in ("AKIAEXAMPLE", "s3cr3t", "the-key"):
        assert secret not in joined


def test_a_trailing_newline_is_dropped_an_inner_one_refused() -> None:
    invocation = commands.invocation(REPO, password="key\n", args=["cat", "config"])
    assert b"\nkey\n" in invocation.stdin
    with pytest.raises(commands.InvocationError, match="RESTIC_PASSWORD") as caught:
        commands.invocation(REPO, password="zq\nxw", args=["cat", "config"])
    assert "zq" not in str(caught.value) and "xw" not in str(caught.value)


def _fake_restic(tmp_path: Path) -> Path:
    """A program named like restic that prints its argv, stdin and the variables it got."""
    program = tmp_path / "restic"
    program.write_text(
        "#!/bin/sh\n"
        'printf "argv=%s\\n" "$*"\n'
        'printf "stdin=%s\\n" "$(cat)"\n'
        "for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY RESTIC_PASSWORD RESTIC_REPOSITORY "
        'GOOGLE_PROJECT_ID; do eval "printf \\"%s=%s\\\\n\\" $v \\"\\${$v}\\""; done\n'
        'if [ -n "$GOOGLE_APPLICATION_CREDENTIALS" ]; then\n'
        '  printf "creds=%s\\n" "$(cat "$GOOGLE_APPLICATION_CREDENTIALS")"\n'
        '  printf "mode=%s\\n" "$(stat -c %a "$GOOGLE_APPLICATION_CREDENTIALS")"\n'
        '  printf "credspath=%s\\n" "$GOOGLE_APPLICATION_CREDENTIALS"\n'
        "fi\n"
        "exit 7\n"
    )
    program.chmod(0o755)
    return program


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_the_script_exports_each_value_verbatim(tmp_path: Path, shell: str) -> None:
    found = shutil.which(shell)
    assert found is not None
    _fake_restic(tmp_path)
    invocation = commands.invocation(REPO, password="the-key", args=["backup", "--tag", "a b"])
    argv = [found, *invocation.argv[1:]]
    done = subprocess.run(
        argv,
        input=invocation.stdin,
        capture_output=True,
        timeout=30,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
    )
    out = done.stdout.decode()
    assert done.returncode == 7, done.stderr  # restic's exit status comes through
    assert "argv=backup --tag a b\n" in out
    assert "stdin=\n" in out  # restic's stdin is closed, not the rest of the secrets
    assert "AWS_SECRET_ACCESS_KEY=s3cr3t value with spaces $HOME `x`\n" in out
    assert "RESTIC_PASSWORD=the-key\n" in out
    assert "RESTIC_REPOSITORY=s3:http://127.0.0.1:9000/bucket/prefix\n" in out


def test_gcs_service_account_goes_to_a_private_file_removed_afterwards(tmp_path: Path) -> None:
    _fake_restic(tmp_path)
    repo = locations.Repository(
        url="gs:b:/p/",
        env={"GOOGLE_PROJECT_ID": "proj", "RESTIC_REPOSITORY": "gs:b:/p/"},
        credentials_file='{\n  "type": "service_account",\n  "private_key": "k"\n}\n',
    )
    invocation = commands.invocation(repo, password="pw", args=["snapshots"])
    assert b'"private_key"' not in " ".join(invocation.argv).encode()
    done = subprocess.run(
        invocation.argv,
        input=invocation.stdin,
        capture_output=True,
        timeout=30,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin", "TMPDIR": str(tmp_path)},
    )
    out = done.stdout.decode()
    assert done.returncode == 7, done.stderr
    assert '"private_key": "k"' in out
    assert "mode=600\n" in out
    assert "GOOGLE_PROJECT_ID=proj\n" in out
    path = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("credspath="))
    assert path.startswith(str(tmp_path))
    assert not Path(path).exists()  # removed when restic exited


def test_missing_stdin_fails_before_restic_runs(tmp_path: Path) -> None:
    _fake_restic(tmp_path)
    invocation = commands.invocation(REPO, password="pw", args=["snapshots"])
    done = subprocess.run(
        invocation.argv,
        input=b"",
        capture_output=True,
        timeout=30,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
    )
    assert done.returncode == 125
    assert b"no value for AWS_ACCESS_KEY_ID on stdin" in done.stderr
    assert b"argv=" not in done.stdout
