"""Reading a RepositoryServer's six Secrets: fetched by reference, validated, normalised.

Kanister's `getSecretsFromCR` fetches them in this order and fails on the first one missing
(`Error fetching secret <name> from namespace <ns>: <API error>`); kes then validates each by
type (`kes.domain.repositoryserver_secrets`) and keeps every Secret's resourceVersion, so a
changed Secret can be noticed later without storing any value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from kes.adapters.k8s import client, errors, objects
from kes.domain import repositoryserver_secrets as rss

# role → path of its reference in the spec, in Kanister's fetch order
REFERENCES: dict[str, tuple[str, ...]] = {
    "storage": ("storage", "secretRef"),
    "credentials": ("storage", "credentialSecretRef"),
    "password": ("repository", "passwordSecretRef"),
    "admin": ("server", "adminSecretRef"),
    "tls": ("server", "tlsSecretRef"),
    "userAccess": ("server", "userAccess", "userAccessSecretRef"),
}


class SecretsError(Exception):
    """A Secret is missing or invalid; the message is Kanister's (never a value)."""


@dataclasses.dataclass(frozen=True)
class ServerSecrets:
    location: rss.Location
    credentials: rss.Credentials
    credentials_secret: str
    repo_password: str
    admin_username: str
    admin_password: str
    tls_secret: str
    tls_cert: bytes
    user_access: dict[str, str]
    versions: dict[str, str]

    @property
    def forms(self) -> dict[str, str]:
        return {"storage": self.location.form, "credentials": self.credentials.form}

    def values(self) -> list[str | bytes]:
        """Every secret value, for masking whatever text reaches the log."""
        found: list[str | bytes] = [self.repo_password, self.admin_password,
                                    *self.user_access.values(), *self.credentials.data.values()]
        return [v for v in found if v]


def reference(spec: Mapping[str, Any], role: str) -> dict[str, str]:
    value: Any = spec
    for part in REFERENCES[role]:
        value = (value or {}).get(part) if isinstance(value, Mapping) else None
    return dict(value or {})


def fetch(api: client.Api, ref: Mapping[str, str], *, default_namespace: str) -> dict[str, Any]:
    namespace = ref.get("namespace") or default_namespace
    name = ref.get("name", "")
    try:
        return objects.get(api, group="", version="v1", resource="secrets", namespace=namespace,
                           name=name)
    except errors.ApiError as exc:
        raise SecretsError(
            f"Error fetching secret {name} from namespace {namespace}: {exc}"
        ) from exc


def versions(api: client.Api, *, spec: Mapping[str, Any], namespace: str) -> dict[str, str]:
    """role → resourceVersion ("" when the Secret is missing or unreadable)."""
    found = {}
    for role in REFERENCES:
        try:
            secret = fetch(api, reference(spec, role), default_namespace=namespace)
        except SecretsError:
            found[role] = ""
            continue
        found[role] = str((secret.get("metadata") or {}).get("resourceVersion", ""))
    return found


def read(api: client.Api, *, spec: Mapping[str, Any], namespace: str) -> ServerSecrets:
    """All six, validated. Raises `SecretsError` with the first problem."""
    raw: dict[str, rss.Secret] = {}
    seen: dict[str, str] = {}
    for role in REFERENCES:
        obj = fetch(api, reference(spec, role), default_namespace=namespace)
        raw[role] = rss.Secret.from_object(obj)
        seen[role] = str((obj.get("metadata") or {}).get("resourceVersion", ""))
    try:
        location = rss.location(raw["storage"])
        credentials = rss.credentials(raw["credentials"])
        repo_password = rss.repository_password(raw["password"])
        admin_username, admin_password = rss.admin_credentials(raw["admin"])
        tls_cert, _ = rss.tls(raw["tls"])
        user_access = rss.user_access(raw["userAccess"])
    except rss.SecretValidationError as exc:
        raise SecretsError(str(exc)) from exc
    return ServerSecrets(
        location=location, credentials=credentials, credentials_secret=raw["credentials"].name,
        repo_password=repo_password, admin_username=admin_username,
        admin_password=admin_password, tls_secret=raw["tls"].name, tls_cert=tls_cert,
        user_access=user_access, versions=seen,
    )
