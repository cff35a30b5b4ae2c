"""The `kes` command: one click group; each command group lives in its own module."""

from __future__ import annotations

from importlib import metadata

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "KES"})
@click.version_option(metadata.version("kes"), prog_name="kes")
def cli() -> None:
    """kes: Kanister-compatible, event-sourced data protection for Kubernetes."""


from kes.cli import crds  # noqa: E402 (command modules register after the group exists)

cli.add_command(crds.crds)

from kes.cli import history  # noqa: E402

cli.add_command(history.history)

from kes.cli import controller  # noqa: E402

cli.add_command(controller.controller)

from kes.cli import blueprint  # noqa: E402

cli.add_command(blueprint.blueprint)
