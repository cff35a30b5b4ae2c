"""`kando`, the helper that Blueprint commands call inside task pods.

Kanister ships `kando` in its tools image; Blueprints call `kando output KEY VALUE` to hand a value
back to the controller. This entry point is byte-compatible with Kanister's (reference sections 4
and 5.4): the same key rules and error messages, one `###Phase-output###:` line on stdout, and
exit code 69 on any error (Kanister's gRPC-status check makes every failure exit 69).
It imports only `kes.domain.outputs` and click so it starts fast inside a pod.
"""

from __future__ import annotations

import sys

import click

from kes.domain import outputs

# Kanister's kando exits 69 on every error (see the module docstring).
EXIT_FAILURE = 69


@click.group(
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


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, print errors as cobra does, exit 69 on failure."""
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


if __name__ == "__main__":
    main()
