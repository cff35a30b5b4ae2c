"""restic command lines, and the one way kes runs them: secrets on stdin, never in argv.

The argument lists follow Kanister's builders (`pkg/restic/restic.go`, reference
kopia-and-restic.md 3.1) with `--json` added where restic has it, so outputs are read from
JSON (parsing.py) rather than from text whose wording changes between restic releases.
`--insecure-tls` goes last, as Kanister appends it.

Kanister runs `bash -o errexit -o pipefail -c "export AWS_SECRET_ACCESS_KEY=<secret>\\n …
restic …"`: every credential is in the command line of a process (`ps` in the pod shows it) and
in the controller's log of the command. kes runs instead

    sh -c '<SCRIPT>' kes-restic <NAME>... -- restic <args>

where SCRIPT reads one line per NAME from stdin into an exported variable and then runs restic
with stdin closed. The values travel only over the exec stream's stdin into the environment of
restic's process: argv, logs and events carry names, never values. A GCS service account
follows the variables on stdin and is written to a file readable only by its owner, removed
when restic exits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kes.adapters.restic import locations

PROGRAM = "restic"
ARGV0 = "kes-restic"
INSECURE_TLS = "--insecure-tls"
JSON = "--json"

# POSIX sh (dash, busybox ash, bash): names are arguments up to `--`, values are stdin lines.
SCRIPT = r"""while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  IFS= read -r "$1" || { echo "kes-restic: no value for $1 on stdin" >&2; exit 125; }
  export "$1"
  shift
done
shift
if [ -n "${KES_RESTIC_CREDENTIALS_FILE:-}" ]; then
  umask 077
  creds="${TMPDIR:-/tmp}/kes-restic-$$.json"
  rm -f "$creds"
  trap 'rm -f "$creds"' EXIT HUP INT TERM
  (set -C; cat > "$creds") || exit 125
  GOOGLE_APPLICATION_CREDENTIALS="$creds"
  export GOOGLE_APPLICATION_CREDENTIALS
  unset KES_RESTIC_CREDENTIALS_FILE
  "$@" </dev/null
  exit $?
fi
exec "$@" </dev/null
"""
CREDENTIALS_FILE_FLAG = "KES_RESTIC_CREDENTIALS_FILE"


class InvocationError(ValueError):
    """A value cannot be handed over as one stdin line (it names the variable, not the value)."""


@dataclass(frozen=True)
class Invocation:
    """What to exec in the pod: `argv` (no secret in it) and the `stdin` bytes (the secrets)."""

    argv: list[str]
    stdin: bytes


def _line(name: str, value: str) -> str:
    # Kanister's `export NAME=value\n` ends a value at its first line break; a trailing one (a
    # key file saved with a newline) is dropped the same way, an inner one is refused.
    value = value.rstrip("\r\n")
    if "\n" in value or "\0" in value:
        raise InvocationError(
            f"The value of {name} contains a line break or a NUL byte; restic cannot take it "
            "from its environment"
        )
    return value + "\n"


def invocation(
    repository: locations.Repository, *, password: str, args: Sequence[str]
) -> Invocation:
    """restic `args` against `repository`, its credentials and `password` in its environment."""
    env: dict[str, str] = {**repository.env, locations.PASSWORD_ENV: password}
    if repository.credentials_file is not None:
        env[CREDENTIALS_FILE_FLAG] = "1"
    names = sorted(env)
    stdin = "".join(_line(name, env[name]) for name in names)
    if repository.credentials_file is not None:
        stdin += repository.credentials_file
    argv = ["sh", "-c", SCRIPT, ARGV0, *names, "--", PROGRAM, *args]
    return Invocation(argv=argv, stdin=stdin.encode())


def direct_environment(
    repository: locations.Repository, *, password: str
) -> Mapping[str, str]:
    """The variables the script exports, for running restic as a local process (benchmarks)."""
    return {**repository.env, locations.PASSWORD_ENV: password}


def _tls(insecure_tls: bool) -> list[str]:
    return [INSECURE_TLS] if insecure_tls else []


def cat_config(*, insecure_tls: bool) -> list[str]:
    """The repository probe: opens the repository with the key, reads one small file.

    Kanister probes with `snapshots --last --json`, which also reads every snapshot; both fail
    the same ways (no repository, wrong password, unreachable), this one in constant time.
    """
    return ["cat", "config", *_tls(insecure_tls)]


def init(*, insecure_tls: bool) -> list[str]:
    return ["init", JSON, *_tls(insecure_tls)]


def backup(*, tag: str, include_path: str, insecure_tls: bool) -> list[str]:
    return ["backup", JSON, "--tag", tag, include_path, *_tls(insecure_tls)]


def _with_path(snapshot: str, backup_path: str) -> str:
    return f"{snapshot}:{backup_path}" if backup_path else snapshot


def restore_by_id(
    *, snapshot_id: str, target: str, backup_path: str, insecure_tls: bool
) -> list[str]:
    return [
        "restore", JSON, _with_path(snapshot_id, backup_path), "--target", target,
        *_tls(insecure_tls),
    ]  # fmt: skip


def restore_by_tag(*, tag: str, target: str, backup_path: str, insecure_tls: bool) -> list[str]:
    return [
        "restore", JSON, "--tag", tag, _with_path("latest", backup_path), "--target", target,
        *_tls(insecure_tls),
    ]  # fmt: skip


def snapshots(*, insecure_tls: bool) -> list[str]:
    return ["snapshots", JSON, *_tls(insecure_tls)]


def snapshots_by_tag(*, tag: str, insecure_tls: bool) -> list[str]:
    return ["snapshots", JSON, "--tag", tag, *_tls(insecure_tls)]


def forget(*, snapshot_id: str, insecure_tls: bool) -> list[str]:
    return ["forget", snapshot_id, *_tls(insecure_tls)]


def prune(*, insecure_tls: bool) -> list[str]:
    return ["prune", *_tls(insecure_tls)]


def stats(*, snapshot_id: str, mode: str, insecure_tls: bool) -> list[str]:
    return ["stats", JSON, snapshot_id, "--mode", mode, *_tls(insecure_tls)]
