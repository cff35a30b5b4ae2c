"""The Profile custom resource: where artifacts go, and the credentials to reach that place.

Like Kanister's, a Profile keeps `location`, `credential` and `skipSSLVerify` at the top level.
A Profile only refers to Secrets; it never holds a credential value itself.
"""

from __future__ import annotations

from typing import Literal

import pydantic

from kes.domain import resources_common as common

LOCATION_TYPES = ("s3Compliant", "gcs", "azure", "kopia")
CREDENTIAL_TYPES = ("keyPair", "secret", "kopia")


class Location(common.KanisterModel):
    """An object-store location; omitted parts are treated as empty strings."""

    type: str = ""
    bucket: str = ""
    endpoint: str = ""
    prefix: str = ""
    region: str = ""


class KeyPair(common.KanisterModel):
    """Names the keys of a Secret under which an id and a secret are stored."""

    id_field: str = ""
    secret_field: str = ""
    secret: common.ObjectReference = pydantic.Field(default_factory=common.ObjectReference)


class KopiaServerSecretRef(common.FreeFormModel):
    """A key of a Secret (Kanister preserves unknown fields here)."""

    key: str = ""
    secret: common.ObjectReference | None = None


class KopiaServerSecret(common.FreeFormModel):
    """Credentials of a Kopia repository server (Kanister preserves unknown fields here)."""

    username: str = ""
    hostname: str = ""
    user_passphrase: KopiaServerSecretRef | None = None
    tls_cert: KopiaServerSecretRef | None = None
    connect_options: dict[str, int] = pydantic.Field(default_factory=dict)


class Credential(common.KanisterModel):
    """How to authenticate against the location."""

    type: str = ""
    key_pair: KeyPair | None = None
    secret: common.ObjectReference | None = None
    kopia_server_secret: KopiaServerSecret | None = None


class Profile(common.KanisterModel):
    """A location for artifacts and the credentials for it, made available to blueprints."""

    api_version: str = common.api_version_field()
    kind: Literal["Profile"] = common.type_meta_field("Profile")
    metadata: common.ObjectMeta = pydantic.Field(default_factory=common.ObjectMeta)
    location: Location = pydantic.Field(default_factory=Location)
    credential: Credential = pydantic.Field(default_factory=Credential)
    skip_ssl_verify: bool = pydantic.Field(default=False, alias="skipSSLVerify")
