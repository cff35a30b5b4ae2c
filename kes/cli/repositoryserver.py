"""`kes repositoryserver`: kanctl's `create repository-server` and
`validate repository-server-secrets` (Kanister 0.119.0, `pkg/kanctl/repositoryserver.go`).

`create` takes kanctl's flags (same names and short forms), reads the six Secrets from the
namespace (kanctl fails on the first one missing) and, beyond kanctl, validates each by type
with Kanister's messages before creating `kopia-repo-server-*` with `hostname: localhost`.
`--wait` polls until the server is Ready (kanctl waits up to 10 minutes) and otherwise fails
with its progress and the message of its failing condition.
"""

from __future__ import annotations

import time
from typing import Any

import click
import yaml

from kes.adapters.k8s import client, customresources, errors, objects
from kes.cli import actionset_kube
from kes.domain import durations, yamltext
from kes.domain import repositoryserver_secrets as rss

WAIT_TIMEOUT = "10m"
_POLL_SECONDS = 0.5

# flag → (Secret role, field of the CR it fills)
_SECRET_FLAGS = {
    "tls_secret": "tls",
    "user_access_secret": "userAccess",
    "admin_user_access_secret": "admin",
    "kopia_repository_password_secret": "password",
    "location_secret": "storage",
    "location_creds_secret": "credentials",
}


@click.group("repositoryserver")
def repositoryserver() -> None:
    """Create RepositoryServers and check their Secrets, as kanctl does."""


def _secret_name(value: str) -> str:
    if "/" in value:
        raise click.ClickException(
            f"Invalid secret name {value}, it should not be of the form namespace/name )"
        )
    return value


def _fetch(api: client.Api, *, namespace: str, name: str) -> dict[str, Any]:
    try:
        return objects.get(api, group="", version="v1", resource="secrets", namespace=namespace,
                           name=name)
    except errors.ApiError as exc:
        raise click.ClickException(str(exc)) from None


def _validate(role: str, obj: dict[str, Any]) -> None:
    secret = rss.Secret.from_object(obj)
    try:
        if role == "tls":
            rss.tls(secret)
        elif role == "userAccess":
            rss.user_access(secret)
        elif role == "storage":
            rss.location(secret)
        elif role == "credentials":
            rss.credentials(secret)
        else:
            rss.validate(secret)
    except rss.SecretValidationError as exc:
        raise click.ClickException(str(exc)) from None


def document(*, namespace: str, flags: dict[str, Any]) -> dict[str, Any]:
    """The RepositoryServer kanctl builds from its flags."""

    def ref(flag: str) -> dict[str, str]:
        return {"name": flags[flag], "namespace": namespace}

    return {
        "apiVersion": f"{customresources.GROUP}/{customresources.VERSION}",
        "kind": "RepositoryServer",
        "metadata": {"generateName": "kopia-repo-server-", "namespace": namespace},
        "spec": {
            "storage": {"secretRef": ref("location_secret"),
                        "credentialSecretRef": ref("location_creds_secret")},
            "repository": {"rootPath": flags["prefix"], "username": flags["kopia_repository_user"],
                           "hostname": "localhost",
                           "passwordSecretRef": ref("kopia_repository_password_secret")},
            "server": {"userAccess": {"userAccessSecretRef": ref("user_access_secret"),
                                      "username": flags["user"]},
                       "adminSecretRef": ref("admin_user_access_secret"),
                       "tlsSecretRef": ref("tls_secret")},
        },
    }


@repositoryserver.command("create")
@actionset_kube.connection_options
@click.option("-t", "--tls-secret", required=True, callback=lambda _c, _p, v: _secret_name(v),
              help="Secret with the TLS certificate and key of the kopia repository server.")
@click.option("-u", "--user", required=True, help="User created for the repository server.")
@click.option("-s", "--user-access-secret", required=True,
              callback=lambda _c, _p, v: _secret_name(v),
              help="Secret with the passwords of the users (hostname: password).")
@click.option("-a", "--admin-user-access-secret", required=True,
              callback=lambda _c, _p, v: _secret_name(v),
              help="Secret with the server's admin username and password.")
@click.option("-r", "--kopia-repository-password-secret", required=True,
              callback=lambda _c, _p, v: _secret_name(v),
              help="Secret with the password of the kopia repository.")
@click.option("-p", "--prefix", required=True, help="Prefix (rootPath) of the kopia repository.")
@click.option("-k", "--kopia-repository-user", default="",
              help="User name for accessing the kopia repository.")
@click.option("-l", "--location-secret", required=True,
              callback=lambda _c, _p, v: _secret_name(v),
              help="Secret with the repository's storage location.")
@click.option("-c", "--location-creds-secret", required=True,
              callback=lambda _c, _p, v: _secret_name(v),
              help="Secret with the storage location's credentials.")
@click.option("-w", "--wait", is_flag=True, help="Wait until the server is Ready.")
@click.option("--wait-timeout", default=WAIT_TIMEOUT, show_default=True,
              help="How long --wait waits (Go duration; kanctl's is 10m).")
@click.option("--dry-run", is_flag=True, help="Print the RepositoryServer; create nothing.")
def create(**flags: Any) -> None:
    """Create a RepositoryServer from existing Secrets (kanctl create repository-server)."""
    namespace = actionset_kube.namespace_of(flags)
    try:
        timeout = durations.parse_seconds(flags["wait_timeout"])
    except durations.DurationError as exc:
        raise click.BadParameter(str(exc), param_hint="--wait-timeout") from None
    api = actionset_kube.connect(kubeconfig=flags["kubeconfig"], context=flags["context"])
    try:
        for flag, role in _SECRET_FLAGS.items():
            _validate(role, _fetch(api, namespace=namespace, name=flags[flag]))
        body = document(namespace=namespace, flags=flags)
        if flags["dry_run"]:
            click.echo(yamltext.dump(body, sort_keys=False), nl=False)
            return
        try:
            created = objects.request(api, method="POST", body=body, url_path=objects.path(
                group=customresources.GROUP, version=customresources.VERSION,
                resource="repositoryservers", namespace=namespace))
        except errors.ApiError as exc:
            raise click.ClickException(str(exc)) from None
        name = created["metadata"]["name"]
        click.echo(f"repositoryservers.cr.kanister.io/{name} created")
        if flags["wait"]:
            click.echo("Waiting for the kopia repository server CR to be in ready state...")
            _wait_ready(api, namespace=namespace, name=name, timeout=timeout)
            click.echo(f"repositoryservers.cr.kanister.io/{name} is ready.")
    finally:
        api.close()


def _wait_ready(api: client.Api, *, namespace: str, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    current: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            current = customresources.get(api, resource="repositoryservers",
                                          namespace=namespace, name=name)
        except errors.ApiError as exc:
            raise click.ClickException(f"Error Getting repository server {name}: {exc}") from None
        if (current.get("status") or {}).get("progress") == "Ready":
            return
        time.sleep(_POLL_SECONDS)
    status = current.get("status") or {}
    failing = [c for c in status.get("conditions") or [] if c.get("status") == "False"]
    reason = failing[-1].get("message") or failing[-1].get("reason") if failing else ""
    raise click.ClickException(
        f"Repository Server is not ready.\nCurrent Status: {status.get('progress', '')}\n"
        f"Reason: {reason}\n: context deadline exceeded"
    )


def run_validation(
    *, name: str, namespace: str, text: str | None, kubeconfig: str | None,
    context: str | None,
) -> None:
    """Validate one RepositoryServer Secret by its type, from the cluster (`name`) or from a
    document (`text`); print the form read, or fail with Kanister's message."""
    if name:
        api = actionset_kube.connect(kubeconfig=kubeconfig, context=context)
        try:
            obj = _fetch(api, namespace=namespace, name=name)
        finally:
            api.close()
    else:
        try:
            obj = yaml.safe_load(text or "") or {}
        except yaml.YAMLError as exc:
            raise click.ClickException(f"failed to decode the secret passed: {exc}") from None
    try:
        form = rss.validate(rss.Secret.from_object(obj))
    except rss.SecretValidationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Secret validated ({form} form).")


@repositoryserver.command("validate-secrets")
@click.option("--name", default="", help="Name of the Secret to validate.")
@click.option("-f", "--filename", type=click.File("r"), default=None,
              help="YAML or JSON file of the Secret ('-' for stdin).")
@click.option("--resource-namespace", default="default", show_default=True,
              help="Namespace of the Secret named by --name.")
@click.option("--kubeconfig", envvar="KUBECONFIG", help="Kubeconfig file.")
@click.option("--context", help="Kubeconfig context.")
def validate_secrets(**flags: Any) -> None:
    """Validate a RepositoryServer Secret by its type (also `kes validate
    repository-server-secrets`, as kanctl)."""
    if not flags["name"] and flags["filename"] is None:
        raise click.ClickException("neither name nor filename specified")
    run_validation(
        name=flags["name"], namespace=flags["resource_namespace"],
        text=None if flags["name"] else flags["filename"].read(),
        kubeconfig=flags["kubeconfig"], context=flags["context"],
    )
