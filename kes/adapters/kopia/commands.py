"""A kopia command line as Kanister builds it, and the three ways kes renders it.

Kanister's `pkg/kopia/command` appends each argument either as loggable or as redacted
(`logsafe`), then joins `--flag=value` pairs into one argv element (reference
kopia-and-restic.md 1.1). A :class:`Command` keeps that structure, so one builder gives:

- :meth:`Command.kanister_argv`: Kanister's exact argv, secrets inline (the golden tests pin it);
- :meth:`Command.logged`: Kanister's log line, each redacted value shown as ``<****>``;
- :meth:`Command.invocation`: what kes really runs. No password is ever on a command line:
  each secret argument names the environment variable kopia reads the same value from
  (``KOPIA_PASSWORD``, ``KOPIA_SERVER_PASSWORD``, ...) and is moved there, and a user password
  becomes a salted scrypt hash (``--user-password-hash``), which kopia accepts instead.

The environment of a command run through the Kubernetes exec API cannot be set, so
:func:`exec_argv` wraps an invocation in ``sh -c`` reading the secret values from stdin.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping

KOPIA = "kopia"
REDACTED = "<****>"

LOG_LEVEL_ENV = "DATA_STORE_LOG_LEVEL"
FILE_LOG_LEVEL_ENV = "DATA_STORE_FILE_LOG_LEVEL"
LOG_LEVEL_ERROR = "error"
LOG_LEVEL_INFO = "info"

# Kanister's in-pod defaults (pkg/kopia/command/const.go): paths inside a pod, not here.
DEFAULT_CACHE_DIRECTORY = "/tmp/kopia-cache"  # noqa: S108
DEFAULT_CONFIG_FILE_PATH = "/tmp/kopia-repository.config"  # noqa: S108
DEFAULT_CONFIG_DIRECTORY = "/tmp/kopia-repository"  # noqa: S108
DEFAULT_LOG_DIRECTORY = "/tmp/kopia-log"  # noqa: S108
DEFAULT_HTPASSWD_FILE_PATH = "/tmp/kopia-htpasswd"  # noqa: S108

PASSWORD_ENV = "KOPIA_PASSWORD"  # noqa: S105 (a variable name)


class CommandError(ValueError):
    """A command cannot be built from these values (the message never holds a secret)."""


@dataclasses.dataclass(frozen=True)
class Arg:
    """One argv element of Kanister's: ``key=value``, a bare value, or a bare flag.

    ``redacted`` marks the values Kanister's logsafe hides. ``env`` names the variable kopia
    reads the same value from; ``to_flag`` instead rewrites the argument to one that carries no
    secret (the user password's hash).
    """

    key: str = ""
    value: str = ""
    redacted: bool = False
    env: str = ""
    to_flag: Callable[[str], tuple[str, str]] | None = dataclasses.field(
        default=None, compare=False
    )

    def kanister(self) -> str:
        return f"{self.key}={self.value}" if self.key else self.value

    def logged(self) -> str:
        if not self.redacted:
            return self.kanister()
        return f"{self.key}={REDACTED}" if self.key else REDACTED


@dataclasses.dataclass(frozen=True)
class Invocation:
    """A command as kes runs it: argv without secrets, secret values by environment name."""

    argv: tuple[str, ...]
    secret_env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    logged: str = ""

    @property
    def secrets(self) -> list[str]:
        return [value for value in self.secret_env.values() if value]


@dataclasses.dataclass(frozen=True)
class Command:
    """Kanister's `logsafe.Cmd`: arguments in order, each loggable or redacted."""

    args: tuple[Arg, ...] = ()

    def loggable(self, *values: str) -> Command:
        return Command(self.args + tuple(Arg(value=v) for v in values))

    def loggable_kv(self, key: str, value: str) -> Command:
        return Command((*self.args, Arg(key=key, value=value)))

    def redacted_kv(
        self, key: str, value: str, *, env: str = "",
        to_flag: Callable[[str], tuple[str, str]] | None = None,
    ) -> Command:
        return Command((*self.args, Arg(key=key, value=value, redacted=True, env=env,
                                        to_flag=to_flag)))

    def combine(self, other: Command) -> Command:
        return Command(self.args + other.args)

    def kanister_argv(self) -> list[str]:
        """Kanister's `StringSliceCMD()`: the argv it execs, secrets included."""
        return [arg.kanister() for arg in self.args]

    def plain_text(self) -> str:
        """Kanister's `PlainText()`: the argv joined with spaces (no quoting, as Kanister)."""
        return " ".join(self.kanister_argv())

    def logged(self) -> str:
        """Kanister's `String()`: the loggable form, redacted values as `<****>`."""
        return " ".join(arg.logged() for arg in self.args)

    def secrets(self) -> list[str]:
        return [arg.value for arg in self.args if arg.redacted and arg.value]

    def invocation(self) -> Invocation:
        """The argv kes runs: every secret argument moved out of it (see the module doc)."""
        argv: list[str] = []
        env: dict[str, str] = {}
        for arg in self.args:
            if arg.redacted and arg.env:
                env[arg.env] = arg.value
            elif arg.redacted and arg.to_flag is not None:
                key, value = arg.to_flag(arg.value)
                argv.append(f"{key}={value}")
            else:
                argv.append(arg.kanister())
        return Invocation(argv=tuple(argv), secret_env=env, logged=self.logged())


@dataclasses.dataclass(frozen=True)
class CommandArgs:
    """Kanister's `CommandArgs`: the global flags every kopia command starts with."""

    repo_password: str = ""
    config_file_path: str = ""
    log_directory: str = ""
    log_level: str = ""
    file_log_level: str = ""


@dataclasses.dataclass(frozen=True)
class CacheArgs:
    content_cache_limit_mb: int = 0
    metadata_cache_limit_mb: int = 0


def log_level(environ: Mapping[str, str] | None = None) -> str:
    return (environ if environ is not None else os.environ).get(LOG_LEVEL_ENV) or LOG_LEVEL_ERROR


def file_log_level(environ: Mapping[str, str] | None = None) -> str:
    return (environ if environ is not None else os.environ).get(FILE_LOG_LEVEL_ENV, "")


def common(args: CommandArgs, *, environ: Mapping[str, str] | None = None) -> Command:
    """`kopia --log-level=L [--file-log-level=F] [--config-file=C] [--log-dir=D] [--password=P]`.

    Each flag appears only when its value is non-empty; the log levels come from the args,
    else from DATA_STORE_LOG_LEVEL / DATA_STORE_FILE_LOG_LEVEL (default `error` / none).
    """
    cmd = Command().loggable(KOPIA)
    cmd = cmd.loggable_kv("--log-level", args.log_level or log_level(environ))
    file_level = args.file_log_level or file_log_level(environ)
    if file_level:
        cmd = cmd.loggable_kv("--file-log-level", file_level)
    if args.config_file_path:
        cmd = cmd.loggable_kv("--config-file", args.config_file_path)
    if args.log_directory:
        cmd = cmd.loggable_kv("--log-dir", args.log_directory)
    if args.repo_password:
        cmd = cmd.redacted_kv("--password", args.repo_password, env=PASSWORD_ENV)
    return cmd


def cache_args(cmd: Command, cache: CacheArgs, *, cache_directory: str) -> Command:
    """The three cache flags, always emitted (even when empty or zero), in Kanister's order."""
    cmd = cmd.loggable_kv("--cache-directory", cache_directory)
    cmd = cmd.loggable_kv("--content-cache-size-limit-mb", str(cache.content_cache_limit_mb))
    return cmd.loggable_kv("--metadata-cache-size-limit-mb", str(cache.metadata_cache_limit_mb))


def add_tags(cmd: Command, tags: Iterable[str]) -> Command:
    """`--tags k:v`, two argv elements per tag (kopia checks the format)."""
    for tag in tags:
        cmd = cmd.loggable("--tags", tag)
    return cmd


# --- running an invocation where only argv and stdin can be given ---------------------------

_SECRET_READER = 'IFS= read -r {name} || exit 97; export {name}; '  # noqa: S105


def _reader(names: Iterable[str]) -> str:
    return "".join(_SECRET_READER.format(name=name) for name in names)


def exec_argv(
    invocation: Invocation, *, background: bool = False
) -> tuple[list[str], bytes | None]:
    """(argv, stdin) that run the invocation through an exec API with no environment.

    Without secrets the argv is kopia's own. With secrets, `sh -c` reads one value per line
    from stdin into the variables kopia reads, then execs kopia (the values are never in any
    argv). `background` is Kanister's `server start` form: bash, errexit, output to /dev/null,
    the server left running after the exec returns.
    """
    names = sorted(invocation.secret_env)
    for name in names:
        if "\n" in invocation.secret_env[name] or "\r" in invocation.secret_env[name]:
            raise CommandError(
                f"The value for {name} contains a line break; kopia passwords cannot."
            )
    stdin = "".join(invocation.secret_env[name] + "\n" for name in names).encode() or None
    argv = list(invocation.argv)
    if background:
        script = _reader(names) + '"$@" > /dev/null 2>&1 &'
        return ["bash", "-o", "errexit", "-c", script, argv[0], *argv], stdin
    if not names:
        return argv, None
    return ["sh", "-c", _reader(names) + 'exec "$@"', argv[0], *argv], stdin


def kanister_background(cmd: Command) -> list[str]:
    """Kanister's `bashCommand`: `bash -o errexit -c "<joined argv> > /dev/null 2>&1 &"`."""
    return ["bash", "-o", "errexit", "-c", cmd.loggable("> /dev/null 2>&1", "&").plain_text()]


def kanister_background_logged(cmd: Command) -> str:
    return "bash -o errexit -c " + cmd.loggable("> /dev/null 2>&1", "&").logged()
