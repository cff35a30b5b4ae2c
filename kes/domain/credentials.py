"""Kanister's credential rules: typed Secrets, key pairs, and what each location type needs.

One implementation for every place kes reads a Profile's credentials: the controller resolving
`.Profile` for templates, LocationDelete, kando, and `kes profile validate`. Rules and messages
are Kanister's (`pkg/secrets`, `pkg/param` `fetchKeyPairCredential`, `pkg/function`
`ValidateProfile`, `pkg/location` `getOSSecret`); reference/kanister.md section 6. Nothing here
does I/O: assuming an AWS role is left to the object-store adapter (it needs STS).
"""

from __future__ import annotations

import dataclasses

from kes.domain import profiles

AWS_SECRET_TYPE = "secrets.kanister.io/aws"  # noqa: S105 - a name, not a value
AZURE_SECRET_TYPE = "secrets.kanister.io/azure"  # noqa: S105 - a name, not a value
GCP_SECRET_TYPE = "secrets.kanister.io/gcp"  # noqa: S105 - a name, not a value
FILESTORE_SECRET_TYPE = "secrets.kanister.io/filestore"  # noqa: S105 - a name, not a value

AWS_ACCESS_KEY_ID = "aws_access_key_id"
AWS_SECRET_ACCESS_KEY = "aws_secret_access_key"  # noqa: S105 - a name, not a value
AWS_ROLE = "role"
AZURE_STORAGE_ACCOUNT_ID = "azure_storage_account_id"
AZURE_STORAGE_KEY = "azure_storage_key"
AZURE_STORAGE_ENVIRONMENT = "azure_storage_environment"
GCP_PROJECT_ID = "gcp_project_id"
GCP_SERVICE_KEY = "gcp_service_key"
GCP_SERVICE_ACCOUNT_JSON = "service-account.json"


class CredentialError(profiles.ProfileError):
    """Credentials are missing, malformed, or of a kind the location cannot use."""


# --- typed Secrets (pkg/secrets) -------------------------------------------------------------


def _where(secret: profiles.CredentialSecret) -> str:
    return f"'{secret.namespace}:{secret.name}'"


def _expect_type(secret: profiles.CredentialSecret, wanted: str) -> None:
    if secret.type != wanted:
        raise CredentialError(
            f"Incompatible secret type. Expected type {wanted} in the secret {_where(secret)}"
        )


def _only_keys(secret: profiles.CredentialSecret, allowed: set[str]) -> None:
    if set(secret.data) - allowed:
        raise CredentialError("Secret has an unknown field")


def validate_secret(secret: profiles.CredentialSecret) -> None:
    """`secrets.ValidateCredentials`: the rules of each `secrets.kanister.io/*` type."""
    if secret.type == AWS_SECRET_TYPE:
        _only_keys(secret, {AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ROLE})
    elif secret.type == AZURE_SECRET_TYPE:
        _only_keys(secret, {AZURE_STORAGE_ACCOUNT_ID, AZURE_STORAGE_KEY, AZURE_STORAGE_ENVIRONMENT})
    elif secret.type == GCP_SECRET_TYPE:
        if not secret.data:
            raise CredentialError(
                "Empty secret. Expected at least one key value pair in the secret "
                + _where(secret)
            )
        for key in (GCP_PROJECT_ID, GCP_SERVICE_ACCOUNT_JSON):
            if key not in secret.data:
                raise CredentialError(
                    f"Missing required field {key} in the secret {_where(secret)}"
                )
    elif secret.type != FILESTORE_SECRET_TYPE:
        # Filestore needs no credentials, so its Secret is not checked (as in Kanister).
        raise CredentialError(
            f"Unsupported type '{secret.type}' for secret '{secret.namespace}:{secret.name}'"
        )


def key_pair(
    secret: profiles.CredentialSecret, *, id_field: str, secret_field: str
) -> profiles.KeyPair:
    """`fetchKeyPairCredential`: both fields must be keys of the Secret."""
    where = f"'{secret.namespace}:{secret.name}'"
    if id_field not in secret.data:
        raise CredentialError(f"Key '{id_field}' not found in secret {where}")
    if secret_field not in secret.data:
        raise CredentialError(f"Value '{secret_field}' not found in secret {where}")
    return profiles.KeyPair(id=secret.text(id_field), secret=secret.text(secret_field))


# --- what a function checks before it uses a Profile (pkg/function ValidateProfile) ----------


def validate_for_function(profile: profiles.ResolvedProfile | None) -> None:
    """Kanister's `ValidateProfile`, plus kes's `filestore` location (no credential needed)."""
    if profile is None:
        raise CredentialError("Profile must be non-nil")
    credential = profile.credential
    filestore = profile.location.type == profiles.FILESTORE
    if credential.type == profiles.KEY_PAIR:
        if credential.key_pair is None:
            raise CredentialError("Empty KeyPair field")
        if not credential.key_pair.id:
            raise CredentialError("Access key ID is not set")
        if not credential.key_pair.secret:
            raise CredentialError("Secret access key is not set")
    elif credential.type == profiles.SECRET:
        if credential.secret is None:
            raise CredentialError("Nil secret")
        validate_secret(credential.secret)
    elif not (filestore and not credential.type):
        raise CredentialError(f"Unsupported type '{credential.type}' for credentials")
    if profile.location.type not in (
        profiles.S3_COMPLIANT, profiles.GCS, profiles.AZURE, profiles.KOPIA, profiles.FILESTORE
    ):
        raise CredentialError("Location type not supported")


# --- per location type (pkg/location getOSSecret) --------------------------------------------


@dataclasses.dataclass(frozen=True)
class AwsCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str = ""
    role: str = ""  # an IAM role to assume with the keys first (typed Secret `role`)


@dataclasses.dataclass(frozen=True)
class AzureCredentials:
    storage_account: str
    storage_key: str
    environment: str = ""


@dataclasses.dataclass(frozen=True)
class GcpCredentials:
    project_id: str
    service_key: str  # the service account's JSON key


def aws(credential: profiles.Credential) -> AwsCredentials:
    if credential.type == profiles.KEY_PAIR and credential.key_pair is not None:
        return AwsCredentials(credential.key_pair.id, credential.key_pair.secret)
    if credential.type == profiles.SECRET and credential.secret is not None:
        secret = credential.secret
        _expect_type(secret, AWS_SECRET_TYPE)
        validate_secret(secret)
        return AwsCredentials(
            secret.text(AWS_ACCESS_KEY_ID),
            secret.text(AWS_SECRET_ACCESS_KEY),
            role=secret.text(AWS_ROLE),
        )
    raise CredentialError(f"Unsupported type '{credential.type}' for credential")


def azure(credential: profiles.Credential) -> AzureCredentials:
    if credential.type == profiles.KEY_PAIR and credential.key_pair is not None:
        return AzureCredentials(credential.key_pair.id, credential.key_pair.secret)
    if credential.type == profiles.SECRET and credential.secret is not None:
        secret = credential.secret
        try:
            _expect_type(secret, AZURE_SECRET_TYPE)
            validate_secret(secret)
            found = AzureCredentials(
                secret.text(AZURE_STORAGE_ACCOUNT_ID),
                secret.text(AZURE_STORAGE_KEY),
                secret.text(AZURE_STORAGE_ENVIRONMENT),
            )
            if not found.storage_account or not found.storage_key:
                raise CredentialError("Azure secret is missing storage account ID or storage key")
        except CredentialError as exc:
            raise CredentialError(f"Failed to extract azure credentials: {exc}") from None
        return found
    raise CredentialError(f"Unsupported type '{credential.type}' for credential")


def gcp(credential: profiles.Credential) -> GcpCredentials:
    """Kanister reads GCS keys from a key pair only (a `secret` credential crashes it); kes also
    reads a `secrets.kanister.io/gcp` Secret (`gcp_project_id`, `service-account.json`)."""
    if credential.type == profiles.KEY_PAIR and credential.key_pair is not None:
        return GcpCredentials(credential.key_pair.id, credential.key_pair.secret)
    if credential.type == profiles.SECRET and credential.secret is not None:
        secret = credential.secret
        _expect_type(secret, GCP_SECRET_TYPE)
        validate_secret(secret)
        return GcpCredentials(secret.text(GCP_PROJECT_ID), secret.text(GCP_SERVICE_ACCOUNT_JSON))
    raise CredentialError(f"Unsupported type '{credential.type}' for credential")

