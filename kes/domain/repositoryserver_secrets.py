"""The six Secrets a RepositoryServer names: validated by type, normalised to one form.

Kanister's code (`pkg/secrets`, `pkg/secrets/repositoryserver`) and its architecture document
disagree on key names (reference kopia-and-restic.md 2.2): the document writes `path`,
`file-store`, `access-key`, `secret-acccess-key` and `project-id` where the code reads
`prefix`, `filestore`, `aws_access_key_id`, `aws_secret_access_key` and `gcp_project_id`.
kes accepts both, normalises to the code's form, and reports which form it read
(:data:`FORM_KANISTER` or :data:`FORM_DOCUMENT`) so `kes history` can say so.

Messages are Kanister's, with its printf verbs filled in (0.119.0 passes the format string to
`errkit.Wrap` unformatted and prints e.g. `Missing required field %s in the secret '%s:%s'`).
Values never appear in a message. Pure: the caller fetches the Secrets.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from typing import Any

from kes.domain import events

FORM_KANISTER = "kanister"
FORM_DOCUMENT = "design-document"

LOCATION_TYPE = "secrets.kanister.io/storage-location"
PASSWORD_TYPE = "secrets.kanister.io/kopia-repository/password"  # noqa: S105 (a type name)
ADMIN_TYPE = "secrets.kanister.io/kopia-repository/serveradmin"
AWS_TYPE = "secrets.kanister.io/aws"
AZURE_TYPE = "secrets.kanister.io/azure"
GCP_TYPE = "secrets.kanister.io/gcp"
FILESTORE_TYPE = "secrets.kanister.io/filestore"
TLS_TYPE = "kubernetes.io/tls"

LOCATION_TYPES = ("s3", "s3Compliant", "gcs", "azure", "filestore")
_VALIDATE = "validation Failed"

# document key → Kanister key, per secret kind
_LOCATION_ALIASES = {"path": "prefix"}
_LOCATION_TYPE_ALIASES = {"file-store": "filestore"}
_AWS_ALIASES = {
    "access-key": "aws_access_key_id",
    "secret-acccess-key": "aws_secret_access_key",  # sic: the document's spelling
    "secret-access-key": "aws_secret_access_key",
}
_GCP_ALIASES = {"project-id": "gcp_project_id"}


class SecretValidationError(events.DomainError):
    """A Secret does not have what its type requires (Kanister's message, no values)."""


@dataclasses.dataclass(frozen=True)
class Secret:
    """A fetched Secret: its identity, type and decoded data."""

    name: str
    namespace: str
    type: str
    data: Mapping[str, bytes]

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> Secret:
        meta = obj.get("metadata") or {}
        data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
        for key, value in (obj.get("stringData") or {}).items():
            data[key] = str(value).encode()
        return cls(name=str(meta.get("name", "")), namespace=str(meta.get("namespace", "")),
                   type=str(obj.get("type") or "Opaque"), data=data)

    @property
    def where(self) -> str:
        return f"'{self.namespace}:{self.name}'"

    def text(self, key: str) -> str:
        return self.data[key].decode("utf-8", errors="replace") if key in self.data else ""

    def values(self) -> list[bytes]:
        return [value for value in self.data.values() if value]


def _missing(secret: Secret, key: str) -> SecretValidationError:
    return SecretValidationError(
        f"Missing required field {key} in the secret {secret.where}: {_VALIDATE}"
    )


def _empty(secret: Secret) -> SecretValidationError:
    return SecretValidationError(
        "Empty secret. Expected at least one key value pair in the secret "
        f"{secret.where}: {_VALIDATE}"
    )


def _incompatible(secret: Secret, expected: str) -> SecretValidationError:
    return SecretValidationError(
        f"Incompatible secret type. Expected type {expected} in the secret {secret.where}: "
        f"{_VALIDATE}"
    )


def _normalise(
    secret: Secret, aliases: Mapping[str, str]
) -> tuple[dict[str, str], str, dict[str, str]]:
    """(data under Kanister's keys, form read, Kanister key → the key actually present)."""
    present = {aliases.get(key, key): key for key in secret.data}
    clashes = sorted(k for k in aliases if k in secret.data and aliases[k] in secret.data)
    if clashes:
        doc = clashes[0]
        raise SecretValidationError(
            f"The secret {secret.where} has both '{aliases[doc]}' (Kanister's key) and "
            f"'{doc}' (the design document's key); keep one."
        )
    form = FORM_DOCUMENT if any(key in aliases for key in secret.data) else FORM_KANISTER
    data = {canonical: secret.text(actual) for canonical, actual in present.items()}
    return data, form, present


# --- storage location ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Location:
    """A storage location secret under Kanister's keys (`type` normalised too)."""

    data: Mapping[str, str]
    form: str

    @property
    def type(self) -> str:
        return self.data.get("type", "")

    @property
    def claim_name(self) -> str:
        return self.data.get("claimName", "")


def location(secret: Secret) -> Location:
    """`ValidateRepositoryServerSecret` for a storage-location secret (either form)."""
    if not secret.data:
        raise _empty(secret)
    data, form, _ = _normalise(secret, _LOCATION_ALIASES)
    if "type" not in data:
        raise _missing(secret, "type")
    kind = data["type"]
    if kind in _LOCATION_TYPE_ALIASES:
        data["type"] = kind = _LOCATION_TYPE_ALIASES[kind]
        form = FORM_DOCUMENT
    required = {
        "s3": ("bucket", "region"),
        "s3Compliant": ("bucket", "endpoint", "region"),
        "gcs": ("bucket",),
        "azure": ("bucket",),
        "filestore": (),
    }
    if kind not in required:
        raise SecretValidationError(
            f"Unsupported location type '{kind}' for secret {secret.where}: {_VALIDATE}"
        )
    for key in required[kind]:
        if key not in data:
            raise _missing(secret, key)
    return Location(data=data, form=form)


# --- storage credentials ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Credentials:
    """Storage credentials: which environment variables come from which secret keys."""

    kind: str  # aws | azure | gcp | filestore
    form: str
    env_from_keys: Mapping[str, str]  # environment variable → key of the secret
    data: Mapping[str, str]  # under Kanister's keys

    @property
    def service_account_json(self) -> str:
        return self.data.get("service-account.json", "")


def _unknown_field(secret: Secret, data: Mapping[str, str], known: set[str]) -> None:
    if set(data) - known:
        raise SecretValidationError("Secret has an unknown field")


def credentials(secret: Secret) -> Credentials:
    """`ValidateCredentials`: by type, AWS / Azure / GCP / filestore (either form)."""
    if secret.type == AWS_TYPE:
        data, form, present = _normalise(secret, _AWS_ALIASES)
        _unknown_field(secret, data, {"aws_access_key_id", "aws_secret_access_key", "role",
                                      "aws_session_token"})
        for key in ("aws_access_key_id", "aws_secret_access_key"):
            if key not in data:
                raise _missing(secret, present.get(key, key))
        env = {"AWS_ACCESS_KEY_ID": present["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": present["aws_secret_access_key"]}
        if "aws_session_token" in data:
            env["AWS_SESSION_TOKEN"] = present["aws_session_token"]
        return Credentials(kind="aws", form=form, env_from_keys=env, data=data)
    if secret.type == AZURE_TYPE:
        data, form, present = _normalise(secret, {})
        _unknown_field(secret, data, {"azure_storage_account_id", "azure_storage_key",
                                      "azure_storage_environment", "azure_federated_identity"})
        federated = data.get("azure_federated_identity", "").lower() == "true"
        if not data.get("azure_storage_account_id") or (
            not federated and not data.get("azure_storage_key")
        ):
            raise SecretValidationError(
                "Azure secret is missing storage account ID or storage key"
            )
        env = {"AZURE_STORAGE_ACCOUNT": "azure_storage_account_id"}
        if data.get("azure_storage_key"):
            env["AZURE_STORAGE_KEY"] = "azure_storage_key"
        return Credentials(kind="azure", form=form, env_from_keys=env, data=data)
    if secret.type == GCP_TYPE:
        if not secret.data:
            raise _empty(secret)
        data, form, present = _normalise(secret, _GCP_ALIASES)
        for key in ("gcp_project_id", "service-account.json"):
            if key not in data:
                raise _missing(secret, key)
        return Credentials(kind="gcp", form=form, env_from_keys={}, data=data)
    if secret.type == FILESTORE_TYPE:
        return Credentials(kind="filestore", form=FORM_KANISTER, env_from_keys={}, data={})
    raise SecretValidationError(
        f"Unsupported type '{secret.type}' for secret {secret.where}"
    )


# --- repository and server secrets --------------------------------------------------------


def repository_password(secret: Secret) -> str:
    """`RepositoryPassword.Validate`: exactly one key, `repo-password`."""
    if not secret.data:
        raise _empty(secret)
    if len(secret.data) != 1:
        raise SecretValidationError(f"{secret.where} secret has an unknown field: {_VALIDATE}")
    if "repo-password" not in secret.data:
        raise _missing(secret, "repo-password")
    return secret.text("repo-password")


def admin_credentials(secret: Secret) -> tuple[str, str]:
    """`RepositoryServerAdminCredentials.Validate`: exactly `username` and `password`."""
    if not secret.data:
        raise _empty(secret)
    if len(secret.data) != 2:
        raise SecretValidationError(f"{secret.where} secret has an unknown field: {_VALIDATE}")
    for key in ("username", "password"):
        if key not in secret.data:
            raise _missing(secret, key)
    return secret.text("username"), secret.text("password")


def user_access(secret: Secret) -> dict[str, str]:
    """`RepositoryServerUserAccessCredentials.Validate`: at least one hostname → password."""
    if not secret.data:
        raise _empty(secret)
    return {host: secret.text(host) for host in sorted(secret.data)}


def tls(secret: Secret) -> tuple[bytes, bytes]:
    """The server's certificate and key (`tls.crt`, `tls.key`), as the pod mounts them."""
    for key in ("tls.crt", "tls.key"):
        if key not in secret.data:
            raise _missing(secret, key)
    return secret.data["tls.crt"], secret.data["tls.key"]


def validate(secret: Secret) -> str:
    """`ValidateRepositoryServerSecret` (kanctl validate repository-server-secrets): by type;
    returns the form read."""
    if secret.type == LOCATION_TYPE:
        return location(secret).form
    if secret.type == PASSWORD_TYPE:
        repository_password(secret)
        return FORM_KANISTER
    if secret.type == ADMIN_TYPE:
        admin_credentials(secret)
        return FORM_KANISTER
    return credentials(secret).form
