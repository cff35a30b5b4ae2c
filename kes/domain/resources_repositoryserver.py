"""The RepositoryServer custom resource (Kanister 0.119.0): a Kopia repository server to run.

Unlike the other kinds its CRD requires fields (storage, repository, server and their secret
references), so those are required here too and a missing one is a parse problem.
"""

from __future__ import annotations

from typing import Literal

import pydantic
from pydantic import config as pydantic_config

from kes.domain import resources_common as common

PROGRESS_PENDING = "Pending"
PROGRESS_READY = "Ready"
PROGRESS_FAILED = "Failed"

# Kanister's CRD makes the repository location and the server's identity immutable with CEL
# rules; the API server enforces them on update (the CRD generator copies these markers).
IMMUTABLE: pydantic_config.JsonDict = {
    "x-kubernetes-validations": [{"message": "Value is immutable", "rule": "self == oldSelf"}]
}


def _not_removable(*fields: str) -> pydantic.ConfigDict:
    rules: list[pydantic_config.JsonValue] = [
        {
            "message": f"{field} field must not be allowed to be removed",
            "rule": f"!has(oldSelf.{field}) || has(self.{field})",
        }
        for field in fields
    ]
    return pydantic.ConfigDict(json_schema_extra={"x-kubernetes-validations": rules})


class Storage(common.KanisterModel):
    """The backend store of the repository and the credentials for it."""

    model_config = _not_removable("secretRef")

    secret_ref: common.SecretReference = pydantic.Field(json_schema_extra=IMMUTABLE)
    credential_secret_ref: common.SecretReference


class CacheSizeSettings(common.KanisterModel):
    """Kopia cache sizes in MB (Kanister's `*int`; unset means the DATA_STORE_* defaults)."""

    metadata: int | None = pydantic.Field(default=None, description="Metadata cache in MB.")
    content: int | None = pydantic.Field(default=None, description="Content cache in MB.")


class Configuration(common.KanisterModel):
    """Kopia directories used by `repository connect`."""

    cache_directory: str = ""
    log_directory: str = ""
    config_file_path: str = ""


class Repository(common.KanisterModel):
    """How the server connects to the Kopia repository."""

    model_config = _not_removable("rootPath")

    root_path: str = pydantic.Field(
        description="Sub-path of the repository in the location.", json_schema_extra=IMMUTABLE
    )
    username: str = ""
    hostname: str = ""
    password_secret_ref: common.SecretReference
    cache_size_settings: CacheSizeSettings | None = None
    configuration: Configuration | None = None


class UserAccess(common.KanisterModel):
    """The client user name and the Secret mapping client hostnames to passwords."""

    user_access_secret_ref: common.SecretReference
    username: str


class Server(common.KanisterModel):
    """Secrets needed to start the server."""

    model_config = _not_removable("adminSecretRef", "tlsSecretRef")

    user_access: UserAccess
    admin_secret_ref: common.SecretReference = pydantic.Field(json_schema_extra=IMMUTABLE)
    tls_secret_ref: common.SecretReference = pydantic.Field(json_schema_extra=IMMUTABLE)


class RepositoryServerSpec(common.KanisterModel):
    """Everything needed to start a Kopia repository server."""

    storage: Storage
    repository: Repository
    server: Server


class Condition(common.KanisterModel):
    """A metav1.Condition: one step of bringing the server up."""

    type: str = ""
    status: str = ""
    observed_generation: int = 0
    last_transition_time: str | None = pydantic.Field(
        default=None, json_schema_extra=common.DATE_TIME
    )
    reason: str = ""
    message: str = ""


class ServerInfo(common.KanisterModel):
    """Names of the pod and service running the server."""

    pod_name: str = ""
    service_name: str = ""


class RepositoryServerStatus(common.KanisterModel):
    """Written by the controller only."""

    conditions: list[Condition] = pydantic.Field(default_factory=list)
    server_info: ServerInfo = pydantic.Field(default_factory=ServerInfo)
    progress: str = ""


class RepositoryServer(common.KanisterModel):
    """Manages the lifecycle of a Kopia repository server within a pod."""

    api_version: str = common.api_version_field()
    kind: Literal["RepositoryServer"] = common.type_meta_field("RepositoryServer")
    metadata: common.ObjectMeta = pydantic.Field(default_factory=common.ObjectMeta)
    spec: RepositoryServerSpec
    status: RepositoryServerStatus | None = None
