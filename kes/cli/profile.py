"""`kes profile create s3compliant|gcp|azure` and `kes profile validate`: kanctl's profile commands.

The flags are kanctl's (`-b/--bucket`, `-e/--endpoint`, `-p/--prefix`, `-r/--region`,
`--skip-SSL-verification`, `--dry-run`, `--skip-validation`, and per kind `-a`/`-s`/`-R`,
`--storage-env`), so a kanctl script needs only its command name changed. Keys may also come
from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AZURE_STORAGE_ACCOUNT`,
`AZURE_STORAGE_KEY`), which keeps them out of the shell history and the process list. The work
is done by the `kes.controller.profiles` use cases; this module parses flags and prints.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NoReturn

import click
import yaml

from kes.adapters.k8s import client
from kes.cli import actionset_kube
from kes.controller import profiles as use_cases
from kes.domain import credentials, yamltext


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def connector(options: dict[str, Any]) -> Callable[[], client.Api]:
    """Connect on first use: a schema-only validation needs no cluster."""
    found: list[client.Api] = []

    def connect() -> client.Api:
        if not found:
            found.append(
                actionset_kube.connect(kubeconfig=options["kubeconfig"], context=options["context"])
            )
        return found[0]

    return connect


@click.group("profile")
def profile() -> None:
    """Create and validate Profiles (kanctl's `create profile` and `validate profile`)."""


@profile.group("create")
def create() -> None:
    """Create a Secret and a Profile for an object store, validating both first."""


def _location_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed([
        actionset_kube.connection_options,
        click.option("-b", "--bucket", default="", help="object store bucket name"),
        click.option("-e", "--endpoint", default="",
                     help="endpoint URL of the object store bucket"),
        click.option("-p", "--prefix", default="", help="prefix URL of the object store bucket"),
        click.option("-r", "--region", default="", help="region of the object store bucket"),
        click.option("--skip-SSL-verification", "skip_ssl_verification", is_flag=True,
                     help="if set, SSL verification is disabled for the profile"),
        click.option("--dry-run", is_flag=True,
                     help="if set, the resources are printed, not created"),
        click.option("--skip-validation", is_flag=True,
                     help="if set, the object store is not checked (the schema still is)"),
    ]):
        func = decorator(func)
    return func


def _run(kind: str, options: dict[str, Any], secret_data: dict[str, str]) -> None:
    namespace = actionset_kube.namespace_of(options)
    location = {key: options[key] for key in ("bucket", "endpoint", "prefix", "region")}
    secret, new_profile = use_cases.build(
        kind=kind, namespace=namespace, location=location,
        skip_ssl_verify=options["skip_ssl_verification"], secret_data=secret_data,
    )
    try:
        if options["dry_run"]:
            use_cases.check_schema(new_profile)
            click.echo(yamltext.dump(secret, sort_keys=False), nl=False)
            click.echo("---")
            click.echo(yamltext.dump(new_profile, sort_keys=False), nl=False)
            return
        use_cases.create(connector(options), secret=secret, profile=new_profile,
                         skip_validation=options["skip_validation"], say=click.echo)
    except use_cases.ProfileCommandError as exc:
        fail(str(exc))


@create.command("s3compliant")
@_location_options
@click.option("-a", "--access-key", required=True, envvar="AWS_ACCESS_KEY_ID",
              help="access key of the s3 compliant bucket [env: AWS_ACCESS_KEY_ID]")
@click.option("-s", "--secret-key", required=True, envvar="AWS_SECRET_ACCESS_KEY",
              help="secret key of the s3 compliant bucket [env: AWS_SECRET_ACCESS_KEY]")
@click.option("-R", "--role", default="", help="AWS IAM role")
def s3compliant(access_key: str, secret_key: str, role: str, **options: Any) -> None:
    """Create new S3 compliant profile."""
    _run("s3compliant", options, {
        credentials.AWS_ACCESS_KEY_ID: access_key,
        credentials.AWS_SECRET_ACCESS_KEY: secret_key,
        credentials.AWS_ROLE: role,
    })


@create.command("gcp")
@_location_options
@click.option("-a", "--project-id", required=True, help="Project ID of the google application")
@click.option("-s", "--service-key", required=True, type=click.Path(dir_okay=False),
              help="Path to json file containing google application credentials")
def gcp(project_id: str, service_key: str, **options: Any) -> None:
    """Create new gcp profile."""
    try:
        text = Path(service_key).read_text()
    except OSError as exc:
        fail(f"open {service_key}: {exc.strerror}")
    try:
        use_cases.check_gcp_service_key(text)
    except use_cases.ProfileCommandError as exc:
        fail(str(exc))
    _run("gcp", options, {credentials.GCP_PROJECT_ID: project_id,
                          credentials.GCP_SERVICE_KEY: text})


@create.command("azure")
@_location_options
@click.option("-a", "--storage-account", required=True, envvar="AZURE_STORAGE_ACCOUNT",
              help="Storage account name of the azure storage [env: AZURE_STORAGE_ACCOUNT]")
@click.option("-s", "--storage-key", required=True, envvar="AZURE_STORAGE_KEY",
              help="Storage account key of the azure storage [env: AZURE_STORAGE_KEY]")
@click.option("--storage-env", default="", help="The Azure cloud environment")
def azure(storage_account: str, storage_key: str, storage_env: str, **options: Any) -> None:
    """Create new azure profile."""
    _run("azure", options, {
        credentials.AZURE_STORAGE_ACCOUNT_ID: storage_account,
        credentials.AZURE_STORAGE_KEY: storage_key,
        credentials.AZURE_STORAGE_ENVIRONMENT: storage_env,
    })


@profile.command("validate")
@actionset_kube.connection_options
@click.argument("name", required=False)
@click.option("-f", "--filename", type=click.File("r"), default=None,
              help="YAML or JSON file of the Profile (`-` reads stdin).")
@click.option("--schema-validation-only", is_flag=True,
              help="if set, only the schema of the Profile is validated")
def validate(name: str | None, filename: IO[str] | None, schema_validation_only: bool,
             **options: Any) -> None:
    """Validate Profile NAME (in -n) or the Profile in -f FILE: schema, then the bucket."""
    if (name is None) == (filename is None):
        fail("give either a Profile NAME or -f FILE")
    run_validation(name=name, namespace=actionset_kube.namespace_of(options) if name else "",
                   filename=filename, schema_only=schema_validation_only, options=options)


def run_validation(*, name: str | None, namespace: str, filename: IO[str] | None,
                   schema_only: bool, options: dict[str, Any]) -> None:
    """Shared by `kes profile validate` and `kes validate profile`."""
    connect = connector(options)
    try:
        if name:
            use_cases.validate_named(connect, name=name, namespace=namespace,
                                     schema_only=schema_only, say=click.echo)
            return
        assert filename is not None
        try:
            document = yaml.safe_load(filename.read())
        except yaml.YAMLError as exc:
            fail(f"error converting YAML to JSON: {getattr(exc, 'problem', None) or exc}")
        use_cases.validate(connect, use_cases.parse(document), schema_only=schema_only,
                           say=click.echo)
    except use_cases.ProfileCommandError as exc:
        fail(str(exc))
