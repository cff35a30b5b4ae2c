"""The `kes` command: one click group; each command group lives in its own module.

Command modules are imported only when their command runs, so `kes history` does not pay for
the Kubernetes client or the template engine at start-up.
"""

from __future__ import annotations

import importlib
from importlib import metadata

import click

# command name → module under kes.cli holding a click command of the same name
COMMANDS = {
    "actionset": "actionset",
    "blueprint": "blueprint",
    "controller": "controller",
    "crds": "crds",
    "dev": "dev",
    "history": "history",
    "profile": "profile",
    "replay": "replay",
    "validate": "validate",
    "repositoryserver": "repositoryserver",
    "webhook": "webhook",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module = importlib.import_module(f"kes.cli.{COMMANDS[cmd_name]}")
            command = getattr(module, cmd_name)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "KES"},
)
@click.version_option(metadata.version("kes"), prog_name="kes")
def cli() -> None:
    """kes: Kanister-compatible, event-sourced data protection for Kubernetes."""
