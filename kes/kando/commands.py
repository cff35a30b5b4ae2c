"""The click command tree of `kando` (Kanister's cobra commands, same names, flags and errors).

`kes.kando.main` answers the common `kando output KEY VALUE` without importing this module; every
other invocation, and every error, goes through here so messages are produced in one place.
"""

from __future__ import annotations

import sys

import click

from kes.domain import outputs

# Kanister's kando exits 69 on every error (see `kes.kando.main`).
EXIT_FAILURE = 69


class _Group(click.Group):
    """Loads `location` (and with it boto3) only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "location"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "location":
            from kes.kando import location

            return location.location
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_Group,
    name="kando",
    context_settings={"help_option_names": ["-h", "--help"]},
    help="A set of tools used from Kanister Blueprints",
)
@click.option(
    "-v",
    "--verbosity",
    default="warning",
    show_default=True,
    envvar="KANDO_VERBOSITY",
    help="Log level (debug, info, warn, error, fatal, panic)",
)
def cli(verbosity: str) -> None:
    """Root command; the log level is accepted for compatibility (kando output logs nothing)."""
    if verbosity.lower() not in _LEVELS:
        raise click.UsageError(
            f'Invalid log level: {verbosity}: not a valid logrus Level: "{verbosity}"'
        )


_LEVELS = {"panic", "fatal", "error", "warn", "warning", "info", "debug", "trace"}


@cli.command(name="output", help="Create phase output with given key:value")
@click.argument("args", nargs=-1, metavar="<key> <value>")
def output_command(args: tuple[str, ...]) -> None:
    """`kando output KEY VALUE`: print the phase-output marker line."""
    if len(args) != 2:
        raise click.UsageError(f"Command accepts 2 arguments, received {len(args)} arguments")
    key, value = args
    try:
        line = outputs.marker_line(key=key, value=value)
    except outputs.OutputError as exc:
        raise click.UsageError(str(exc)) from exc
    stream = sys.stdout.buffer
    stream.write(line.encode("utf-8"))
    stream.flush()


def run(argv: list[str] | None) -> None:
    """Run the CLI, print errors as cobra does (`Error: ...` and the usage), exit 69 on failure."""
    try:
        cli.main(args=argv, prog_name="kando", standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        sys.exit(EXIT_FAILURE)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(EXIT_FAILURE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        sys.exit(EXIT_FAILURE)
