"""Where a restic repository lives, and what restic must find in its environment to reach it.

Kanister's `pkg/restic` `resticArgs` (reference kopia-and-restic.md 3.1, kanister.md 6) turns a
Profile into `RESTIC_REPOSITORY` plus credential variables:

- `s3Compliant`: `s3:<endpoint or s3.amazonaws.com>/<prefix>`, with `AWS_ACCESS_KEY_ID`,
  `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`);
- `gcs`: `gs:<bucket>:/<rest>/`, with `GOOGLE_PROJECT_ID` and `GOOGLE_APPLICATION_CREDENTIALS`
  naming a file that holds the service-account JSON;
- `azure`: `azure:<container>:/<rest>/`, with `AZURE_ACCOUNT_NAME`, `AZURE_ACCOUNT_KEY`;
- `filestore` (kes only): the directory `<bucket>/<prefix>`, no credentials.

The endpoint keeps its scheme (`http://127.0.0.1:9000` gives plain HTTP) and loses its trailing
slashes. The Profile arrives as the controller's TemplateParams render it (Go field names:
`Location.Type`, `Credential.KeyPair.ID`, `Credential.Secret.Data`), already resolved from its
Secret. Kanister writes these values into a shell command line; kes hands them to restic through
its environment (`commands.invocation`).

Beyond Kanister: a `filestore` location is a directory as the pod running restic sees it (on the
local cluster, any path of the machine; on a real cluster, a volume mounted there); a
`secrets.kanister.io/gcp` Secret is accepted for GCS (Kanister dereferences a missing KeyPair);
`skipSSLVerify: true` also adds `--insecure-tls` (Kanister's restic functions only read their
`insecureTLS` argument).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

S3_COMPLIANT, GCS, AZURE, FILESTORE = "s3Compliant", "gcs", "azure", "filestore"
KEY_PAIR, SECRET = "keyPair", "secret"
# Secret types and variable names, not secret values.
AWS_SECRET_TYPE = "secrets.kanister.io/aws"  # noqa: S105
AZURE_SECRET_TYPE = "secrets.kanister.io/azure"  # noqa: S105
GCP_SECRET_TYPE = "secrets.kanister.io/gcp"  # noqa: S105
FILESTORE_SECRET_TYPE = "secrets.kanister.io/filestore"  # noqa: S105
DEFAULT_S3_ENDPOINT = "s3.amazonaws.com"

REPOSITORY_ENV = "RESTIC_REPOSITORY"
PASSWORD_ENV = "RESTIC_PASSWORD"  # noqa: S105
GCS_CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"

_AWS_KEYS = ("aws_access_key_id", "aws_secret_access_key")
_AWS_OPTIONAL = ("aws_session_token", "role")
_AZURE_KEYS = ("azure_storage_account_id", "azure_storage_key")
_AZURE_OPTIONAL = ("azure_storage_environment",)
_GCP_KEYS = ("gcp_project_id", "service-account.json")


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


def _location(profile: Mapping[str, Any]) -> Mapping[str, Any]:
    return profile.get("Location") or {}


def location_type(profile: Mapping[str, Any]) -> str:
    return str(_location(profile).get("Type") or "")


def resolve_artifact_prefix(prefix: str, profile: Mapping[str, Any]) -> str:
    """Kanister's `ResolveArtifactPrefix`: prepend the bucket unless the prefix starts with it.

    For a filestore location the bucket is a directory: a prefix already inside it is kept.
    """
    bucket = str(_location(profile).get("Bucket") or "")
    if location_type(profile) == FILESTORE:
        root = bucket.rstrip("/") or "/"
        if prefix == root or prefix.startswith(root.rstrip("/") + "/"):
            return prefix
        return posixpath.join(bucket, prefix.lstrip("/")) if bucket else prefix
    if prefix.split("/")[0] == bucket:
        return prefix
    return posixpath.join(bucket, prefix) if bucket else prefix


def validate_profile(profile: Mapping[str, Any] | None) -> None:
    """Kanister's `ValidateProfile` (credentials set, location type known), plus filestore."""
    if not profile:
        raise LocationError(
            "Profile must be non-nil: name a Profile in the ActionSet (spec.actions[].profile, "
            "or `kes actionset create --profile`)"
        )
    kind = location_type(profile)
    if kind == FILESTORE:
        return
    credential = profile.get("Credential") or {}
    _validate_credential(credential)
    if kind not in (S3_COMPLIANT, GCS, AZURE):
        raise LocationError(
            f"Location type not supported: '{kind}' (restic functions take s3Compliant, gcs, "
            "azure or filestore)"
        )


def _validate_credential(credential: Mapping[str, Any]) -> None:
    kind = str(credential.get("Type") or "")
    if kind == KEY_PAIR:
        pair = credential.get("KeyPair")
        if not pair:
            raise LocationError("Empty KeyPair field")
        if not pair.get("ID"):
            raise LocationError("Access key ID is not set")
        if not pair.get("Secret"):
            raise LocationError("Secret access key is not set")
        return
    if kind == SECRET:
        secret = credential.get("Secret")
        if not secret:
            raise LocationError("Nil secret")
        secret_type = str(secret.get("Type") or "")
        checks = {
            AWS_SECRET_TYPE: (_AWS_KEYS, _AWS_OPTIONAL),
            AZURE_SECRET_TYPE: (_AZURE_KEYS, _AZURE_OPTIONAL),
            GCP_SECRET_TYPE: (_GCP_KEYS, ()),
        }
        if secret_type == FILESTORE_SECRET_TYPE:
            return
        if secret_type not in checks:
            raise LocationError(
                f"Unsupported type '{secret_type}' for secret '{_where(secret)}'"
            )
        required, optional = checks[secret_type]
        _check_keys(secret, required=required, optional=optional)
        return
    raise LocationError(f"Unsupported type '{kind}' for credentials")


def _where(secret: Mapping[str, Any]) -> str:
    return f"{secret.get('Namespace', '')}:{secret.get('Name', '')}"


def _data(secret: Mapping[str, Any]) -> dict[str, str]:
    data: dict[str, str] = {}
    for key, value in (secret.get("Data") or {}).items():
        raw = value if isinstance(value, bytes | bytearray) else str(value).encode()
        data[str(key)] = bytes(raw).decode("utf-8", errors="replace")
    return data


def _check_keys(
    secret: Mapping[str, Any], *, required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    data = _data(secret)
    for key in required:
        if key not in data:
            raise LocationError(
                f"Missing required field {key} in the secret '{_where(secret)}': add the key "
                f"{key} to the Secret"
            )
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        raise LocationError(
            f"'{_where(secret)}' secret has an unknown field '{unknown[0]}' (a "
            f"{secret.get('Type')} Secret holds only {', '.join(required + optional)})"
        )


def repository(profile: Mapping[str, Any], prefix: str) -> Repository:
    """The repository for `prefix` (already resolved) at the Profile's location."""
    validate_profile(profile)
    kind = location_type(profile)
    skip = bool(profile.get("SkipSSLVerify"))
    credential = profile.get("Credential") or {}
    if kind == FILESTORE:
        if not prefix.startswith("/"):
            raise LocationError(
                f"A filestore repository must be an absolute directory, got '{prefix}': set "
                "the Profile's location.bucket to an absolute path"
            )
        return Repository(url=prefix, env={REPOSITORY_ENV: prefix})
    if kind == S3_COMPLIANT:
        endpoint = str(_location(profile).get("Endpoint") or "") or DEFAULT_S3_ENDPOINT
        url = f"s3:{endpoint.rstrip('/')}/{prefix}"
        env = {**_aws_env(credential), REPOSITORY_ENV: url}
        return Repository(url=url, env=env, skip_ssl_verify=skip)
    if kind == GCS:
        url = f"gs:{prefix.replace('/', ':/', 1)}/"
        project, service_account = _gcp_credentials(credential)
        env = {"GOOGLE_PROJECT_ID": project, REPOSITORY_ENV: url}
        return Repository(
            url=url, env=env, credentials_file=service_account, skip_ssl_verify=skip
        )
    url = f"azure:{prefix.replace('/', ':/', 1)}/"
    account, key = _azure_credentials(credential)
    env = {"AZURE_ACCOUNT_NAME": account, "AZURE_ACCOUNT_KEY": key, REPOSITORY_ENV: url}
    return Repository(url=url, env=env, skip_ssl_verify=skip)


def _typed_secret(credential: Mapping[str, Any], expected: str, what: str) -> Mapping[str, Any]:
    secret: Mapping[str, Any] = credential["Secret"]
    if secret.get("Type") != expected:
        raise LocationError(
            f"Incompatible secret type. Expected type {expected} in the secret "
            f"'{_where(secret)}' ({what} location reads its credentials from such a Secret)"
        )
    return secret


def _aws_env(credential: Mapping[str, Any]) -> dict[str, str]:
    if credential.get("Type") == KEY_PAIR:
        pair = credential["KeyPair"]
        return {"AWS_ACCESS_KEY_ID": str(pair["ID"]), "AWS_SECRET_ACCESS_KEY": str(pair["Secret"])}
    secret = _typed_secret(credential, AWS_SECRET_TYPE, "an s3Compliant")
    data = _data(secret)
    if data.get("role"):
        raise LocationError(
            f"Secret '{_where(secret)}' names an AWS role to assume: kes's restic functions do "
            "not assume roles; put the role's temporary credentials (aws_access_key_id, "
            "aws_secret_access_key, aws_session_token) in the Secret instead"
        )
    env = {
        "AWS_ACCESS_KEY_ID": data["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": data["aws_secret_access_key"],
    }
    if data.get("aws_session_token"):
        env["AWS_SESSION_TOKEN"] = data["aws_session_token"]
    return env


def _gcp_credentials(credential: Mapping[str, Any]) -> tuple[str, str]:
    if credential.get("Type") == KEY_PAIR:
        pair = credential["KeyPair"]
        return str(pair["ID"]), str(pair["Secret"])
    secret = _typed_secret(credential, GCP_SECRET_TYPE, "a gcs")
    data = _data(secret)
    return data["gcp_project_id"], data["service-account.json"]


def _azure_credentials(credential: Mapping[str, Any]) -> tuple[str, str]:
    if credential.get("Type") == KEY_PAIR:
        pair = credential["KeyPair"]
        return str(pair["ID"]), str(pair["Secret"])
    secret = _typed_secret(credential, AZURE_SECRET_TYPE, "an azure")
    data = _data(secret)
    if not data.get("azure_storage_account_id") or not data.get("azure_storage_key"):
        raise LocationError("Azure secret is missing storage account ID or storage key")
    return data["azure_storage_account_id"], data["azure_storage_key"]
