"""What Kanister builds to reach each kind of location, as plain data (no client library here).

Kanister's `pkg/objectstore` turns a Profile into a provider config and a stow config map per
provider (`s3Config`, `gcsConfig`, `azureConfig`), and `pkg/location` picks the credentials
(`getOSSecret`). The same construction lives here so it can be tested without a cloud:

- S3-compatible: access key, secret, session token; the region, defaulting to `us-east-1`
  (`normalizeBucketLocation`); a custom endpoint switches to path-style requests (stow and the
  v2 SDK both do, since MinIO-like stores have no virtual hosts); `skipSSLVerify` turns TLS
  verification off. An endpoint without a scheme gets `https://`, as the v1 SDK assumed.
- GCS: endpoint `https://storage.googleapis.com` whatever the Profile says; the service-account
  JSON and project id; with a region, stow's `location` and storage class `REGIONAL`.
- Azure: account, key and environment name; the environment picks the blob endpoint suffix
  (`AzurePublicCloud` → `core.windows.net`, as the Azure SDK's environments do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from kes.adapters.objectstore import errors
from kes.domain import credentials, profiles

S3, GCS, AZURE, FILESTORE = "S3", "GCS", "Azure", "Filestore"
GOOGLE_GCS_HOST = "https://storage.googleapis.com"
DEFAULT_S3_REGION = "us-east-1"
REGIONAL = "REGIONAL"

# The Azure SDK's named clouds and their storage endpoint suffixes.
AZURE_ENVIRONMENTS: Mapping[str, str] = {
    "AZUREPUBLICCLOUD": "core.windows.net",
    "AZURECHINACLOUD": "core.chinacloudapi.cn",
    "AZUREUSGOVERNMENTCLOUD": "core.usgovcloudapi.net",
    "AZUREGERMANCLOUD": "core.cloudapi.de",
}


def provider_type(location_type: str) -> str:
    """`getProviderType`, plus kes's filestore."""
    mapping = {
        profiles.S3_COMPLIANT: S3,
        profiles.GCS: GCS,
        profiles.AZURE: AZURE,
        profiles.FILESTORE: FILESTORE,
    }
    if location_type not in mapping:
        raise errors.UnsupportedLocationError(f"Unsupported Location type: {location_type}")
    return mapping[location_type]


@dataclasses.dataclass(frozen=True)
class S3Config:
    """How to build the S3 client (boto3's names: endpoint_url, region_name, verify)."""

    endpoint_url: str | None
    region: str
    path_style: bool
    verify_tls: bool
    credentials: credentials.AwsCredentials


def s3_config(profile: profiles.ResolvedProfile) -> S3Config:
    location = profile.location
    endpoint = location.endpoint.strip()
    if endpoint and "://" not in endpoint:
        endpoint = "https://" + endpoint
    return S3Config(
        endpoint_url=endpoint.rstrip("/") or None,
        region=location.region or DEFAULT_S3_REGION,
        path_style=bool(endpoint),
        verify_tls=not profile.skip_ssl_verify,
        credentials=credentials.aws(profile.credential),
    )


def gcs_config(profile: profiles.ResolvedProfile) -> dict[str, str]:
    """stow's GCS config map, as `gcsConfig` fills it (`json`, `project_id`, `scopes`…)."""
    found = credentials.gcp(profile.credential)
    config = {"json": found.service_key, "project_id": found.project_id, "scopes": ""}
    if profile.location.region:
        config["location"] = profile.location.region
        config["storage_class"] = REGIONAL
    return config


def gcs_endpoint(_profile: profiles.ResolvedProfile) -> str:
    """`providerEndpoint`: GCS always talks to Google's host, whatever the Profile's endpoint."""
    return GOOGLE_GCS_HOST


def azure_config(profile: profiles.ResolvedProfile) -> dict[str, str]:
    """stow's Azure config map (`account`, `key`, `env_name`)."""
    found = credentials.azure(profile.credential)
    return {"account": found.storage_account, "key": found.storage_key,
            "env_name": found.environment}


def azure_blob_endpoint(profile: profiles.ResolvedProfile) -> str:
    """`https://<account>.blob.<suffix>` for the Secret's environment (public cloud if none)."""
    config = azure_config(profile)
    name = config["env_name"] or "AzurePublicCloud"
    suffix = AZURE_ENVIRONMENTS.get(name.upper())
    if suffix is None:
        raise errors.ObjectStoreError(
            f'autorest/azure: There is no cloud environment matching the name "{name.upper()}"'
        )
    return f"https://{config['account']}.blob.{suffix}"
