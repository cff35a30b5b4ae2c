"""The `kes` command: one click group; each command group lives in its own module."""

from __future__ import annotations

from importlib import metadata

import click

from kes.cli import actionset, blueprint, controller, crds, dev, history


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "KES"})
@click.version_option(metadata.version("kes"), prog_name="kes")
def cli() -> None:
    """kes: Kanister-compatible, event-sourced data protection for Kubernetes."""


for command in (
    actionset.actionset,
    blueprint.blueprint,
    controller.controller,
    crds.crds,
    dev.dev,
    history.history,
):
    cli.add_command(command)
