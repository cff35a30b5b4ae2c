"""`kes validate blueprint|profile|repository-server-secrets`: kanctl's `validate` command,
with its flag names.

`--name`, `-f/--filename` (`-` reads stdin), `--resource-namespace` (default `default`),
`--schema-validation-only` and `-v/--functionVersion` mean what they mean to kanctl; the checks
are those of `kes blueprint validate` and `kes profile validate`.
"""

from __future__ import annotations

from typing import IO, Any

import click

from kes.cli import blueprint as blueprint_cli
from kes.cli import profile as profile_cli
from kes.cli import repositoryserver as repositoryserver_cli
from kes.functions import base


@click.command("validate")
@click.argument("resource")
@click.option("--name", default="", help="the K8s name of the custom resource to validate")
@click.option("-f", "--filename", type=click.File("r"), default=None,
              help="yaml or json file of the custom resource to validate")
@click.option("--resource-namespace", default="default", show_default=True,
              help="namespace of the custom resource, used with --name")
@click.option("--schema-validation-only", is_flag=True,
              help="if set, only schema of resource will be validated")
@click.option("-v", "--functionVersion", "function_version", default=base.DEFAULT_VERSION,
              show_default=True, help="kanister function version, e.g., v0.0.0")
@click.option("--kubeconfig", envvar="KUBECONFIG", help="Kubeconfig file.")
@click.option("--context", help="Kubeconfig context.")
@click.pass_context
def validate(ctx: click.Context, /, resource: str, name: str, filename: IO[str] | None,
             resource_namespace: str, schema_validation_only: bool, function_version: str,
             **options: Any) -> None:
    """Validate custom Kanister resources (RESOURCE: blueprint, profile or
    repository-server-secrets)."""
    if not name and filename is None:
        profile_cli.fail("neither name nor filename specified")
    if resource == "blueprint":
        if filename is None:
            profile_cli.fail(
                "--name is not supported for blueprint resources, please specify blueprint "
                "manifest using -f."
            )
        ctx.invoke(blueprint_cli.validate, file=filename, function_version=function_version,
                   strict=False)
        return
    if resource == "profile":
        profile_cli.run_validation(
            name=name or None, namespace=resource_namespace,
            filename=None if name else filename, schema_only=schema_validation_only,
            options={"namespace": resource_namespace, **options},
        )
        return
    if resource == "repository-server-secrets":
        repositoryserver_cli.run_validation(
            name=name, namespace=resource_namespace,
            text=None if name or filename is None else filename.read(),
            kubeconfig=options.get("kubeconfig"), context=options.get("context"),
        )
        return
    profile_cli.fail(f"resource {resource} is not supported for validate subcommand")
