"""Where a restic repository lives, and what restic must find in its environment to reach it.

Kanister's `pkg/restic` `resticArgs` (reference kopia-and-restic.md 3.1, kanister.md 6) turns a
Profile into `RESTIC_REPOSITORY` plus credential variables:

- `s3Compliant`: `s3:<endpoint or s3.amazonaws.com>/<prefix>`, with `AWS_ACCESS_KEY_ID`,
  `AWS_SECRET_ACCESS_KEY`;
- `gcs`: `gs:<bucket>:/<rest>/`, with `GOOGLE_PROJECT_ID` and `GOOGLE_APPLICATION_CREDENTIALS`
  naming a file that holds the service-account JSON;
- `azure`: `azure:<container>:/<rest>/`, with `AZURE_ACCOUNT_NAME`, `AZURE_ACCOUNT_KEY`;
- `filestore` (kes only): the directory `<bucket>/<prefix>`, no credentials.

The endpoint keeps its scheme (`http://127.0.0.1:9000` gives plain HTTP) and loses its trailing
slashes. The Profile comes resolved (`kes.domain.profiles.ResolvedProfile`) and its credentials
are read by the domain's rules (`kes.domain.credentials`), the ones kando and LocationDelete use.
Kanister writes these values into a shell command line; kes hands them to restic through its
environment (`commands.invocation`).

Beyond Kanister: a `filestore` location is a directory as the pod running restic sees it (on the
local cluster, any path of the machine; on a real cluster, a volume mounted there); a
`secrets.kanister.io/gcp` Secret is accepted for GCS (Kanister dereferences a missing KeyPair);
`skipSSLVerify: true` also adds `--insecure-tls` (Kanister's restic functions only read their
`insecureTLS` argument); a typed Secret lacking a key fails naming the key (Kanister exports an
empty variable); a Secret's `role` is refused (assuming it needs STS, restic cannot).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field

from kes.domain import credentials, profiles

DEFAULT_S3_ENDPOINT = "s3.amazonaws.com"
REPOSITORY_ENV = "RESTIC_REPOSITORY"
PASSWORD_ENV = "RESTIC_PASSWORD"  # noqa: S105 - a variable's name
GCS_CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"


class LocationError(ValueError):
    """The Profile cannot be turned into a restic repository (message says what to fix)."""


@dataclass(frozen=True)
class Repository:
    """A restic repository and the environment restic needs for it (password excepted).

    `env` holds credentials: it only ever reaches restic's process environment. `url` is the
    repository as restic prints it (no credential), for messages. `credentials_file` is content
    restic must read from a file (the GCS service account), whose path the invocation sets.
    """

    url: str
    env: Mapping[str, str] = field(default_factory=dict)
    credentials_file: str | None = None
    skip_ssl_verify: bool = False

    def secret_values(self) -> list[str]:
        values = [v for k, v in self.env.items() if k != REPOSITORY_ENV and v]
        if self.credentials_file:
            values.append(self.credentials_file)
        return values


def resolve_artifact_prefix(prefix: str, profile: profiles.ResolvedProfile) -> str:
    """Kanister's `ResolveArtifactPrefix`: prepend the bucket unless the prefix starts with it.

    For a filestore location the bucket is a directory: a prefix already inside it is kept.
    """
    bucket = profile.location.bucket
    if profile.location.type == profiles.FILESTORE:
        root = bucket.rstrip("/") or "/"
        if prefix == root or prefix.startswith(root.rstrip("/") + "/"):
            return prefix
        return posixpath.join(bucket, prefix.lstrip("/")) if bucket else prefix
    if prefix.split("/")[0] == bucket:
        return prefix
    return posixpath.join(bucket, prefix) if bucket else prefix


def validate_profile(profile: profiles.ResolvedProfile | None) -> None:
    """Kanister's `ValidateProfile` (the domain's rules, filestore included)."""
    try:
        credentials.validate_for_function(profile)
    except credentials.CredentialError as exc:
        raise LocationError(str(exc)) from None


def repository(profile: profiles.ResolvedProfile, prefix: str) -> Repository:
    """The repository for `prefix` (already resolved) at the Profile's location."""
    validate_profile(profile)
    kind = profile.location.type
    try:
        if kind == profiles.FILESTORE:
            if not prefix.startswith("/"):
                raise LocationError(
                    f"A filestore repository must be an absolute directory, got '{prefix}': set "
                    "the Profile's location.bucket to an absolute path"
                )
            return Repository(url=prefix, env={REPOSITORY_ENV: prefix})
        if kind == profiles.S3_COMPLIANT:
            endpoint = profile.location.endpoint or DEFAULT_S3_ENDPOINT
            url = f"s3:{endpoint.rstrip('/')}/{prefix}"
            env = {**_aws_env(profile.credential), REPOSITORY_ENV: url}
            return Repository(url=url, env=env, skip_ssl_verify=profile.skip_ssl_verify)
        if kind == profiles.GCS:
            url = f"gs:{prefix.replace('/', ':/', 1)}/"
            gcp = credentials.gcp(profile.credential)
            return Repository(
                url=url, env={"GOOGLE_PROJECT_ID": gcp.project_id, REPOSITORY_ENV: url},
                credentials_file=gcp.service_key, skip_ssl_verify=profile.skip_ssl_verify,
            )  # fmt: skip
        if kind == profiles.AZURE:
            url = f"azure:{prefix.replace('/', ':/', 1)}/"
            azure = credentials.azure(profile.credential)
            env = {
                "AZURE_ACCOUNT_NAME": azure.storage_account,
                "AZURE_ACCOUNT_KEY": azure.storage_key,
                REPOSITORY_ENV: url,
            }
            return Repository(url=url, env=env, skip_ssl_verify=profile.skip_ssl_verify)
    except credentials.CredentialError as exc:
        raise LocationError(str(exc)) from None
    # Kanister's resticArgs: `kopia` passes ValidateProfile but restic cannot use it.
    raise LocationError(f"Unsupported type '{kind}' for the location")


def _require(credential: profiles.Credential, *keys: str) -> None:
    """A typed Secret must hold every key restic needs (Kanister would export an empty one)."""
    secret = credential.secret
    if credential.type != profiles.SECRET or secret is None:
        return
    for key in keys:
        if key not in secret.data:
            raise LocationError(
                f"Missing required field {key} in the secret '{secret.namespace}:{secret.name}': "
                f"add the key {key} to the Secret"
            )


def _aws_env(credential: profiles.Credential) -> dict[str, str]:
    aws = credentials.aws(credential)  # the Secret's type and keys, as Kanister checks them
    _require(credential, credentials.AWS_ACCESS_KEY_ID, credentials.AWS_SECRET_ACCESS_KEY)
    if aws.role:
        secret = credential.secret
        where = f"'{secret.namespace}:{secret.name}'" if secret else "the Profile's Secret"
        raise LocationError(
            f"Secret {where} names an AWS role to assume: kes's restic functions do not assume "
            "roles (kando location does); give the Profile a Secret whose keys need no role"
        )
    env = {"AWS_ACCESS_KEY_ID": aws.access_key_id, "AWS_SECRET_ACCESS_KEY": aws.secret_access_key}
    if aws.session_token:
        env["AWS_SESSION_TOKEN"] = aws.session_token
    return env
