"""The `kes` command: one click group; each command group lives in its own module."""

from __future__ import annotations

from importlib import metadata

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "KES"})
@click.version_option(metadata.version("kes"), prog_name="kes")
def cli() -> None:
    """kes: Kanister-compatible, event-sourced data protection for Kubernetes."""


from kes.cli import dev  # noqa: E402 -- command groups register after the root group exists

cli.add_command(dev.dev)
