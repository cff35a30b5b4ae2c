"""What kes builds to reach each kind of location, checked without any cloud."""

from __future__ import annotations

import io
from typing import Any

import pytest

from kes.adapters.objectstore import errors, locations, multipart, providers
from kes.domain import profiles

PAIR = profiles.Credential("keyPair", profiles.KeyPair("ID", "SECRET"))


def profile(location_type: str = "s3Compliant", *, endpoint: str = "", region: str = "",
            skip: bool = False, credential: profiles.Credential = PAIR) -> profiles.ResolvedProfile:
    return profiles.ResolvedProfile(
        profiles.Location(type=location_type, bucket="bkt", endpoint=endpoint, region=region),
        credential, skip,
    )


def test_s3_on_aws_uses_virtual_hosts_and_the_default_region() -> None:
    config = providers.s3_config(profile())
    assert (config.endpoint_url, config.region, config.path_style, config.verify_tls) == (
        None, "us-east-1", False, True)
    assert config.credentials.access_key_id == "ID"


def test_a_custom_endpoint_switches_to_path_style_and_gets_a_scheme() -> None:
    config = providers.s3_config(profile(endpoint="minio.local:9000/", region="eu-1", skip=True))
    assert config.endpoint_url == "https://minio.local:9000"
    assert (config.region, config.path_style, config.verify_tls) == ("eu-1", True, False)
    assert providers.s3_config(profile(endpoint="http://127.0.0.1:9000")).endpoint_url == (
        "http://127.0.0.1:9000")


def test_gcs_config_is_stows() -> None:
    gcs = profile("gcs", region="europe-west1",
                  credential=profiles.Credential("keyPair", profiles.KeyPair("proj", "{json}")))
    assert providers.gcs_config(gcs) == {
        "json": "{json}", "project_id": "proj", "scopes": "", "location": "europe-west1",
        "storage_class": "REGIONAL",
    }
    assert providers.gcs_config(profile("gcs", credential=gcs.credential)) == {
        "json": "{json}", "project_id": "proj", "scopes": ""}
    assert providers.gcs_endpoint(profile("gcs", endpoint="http://x")) == (
        "https://storage.googleapis.com")


@pytest.mark.parametrize(
    ("env", "endpoint"),
    [("", "https://ID.blob.core.windows.net"),
     ("AzureChinaCloud", "https://ID.blob.core.chinacloudapi.cn"),
     ("azureusgovernmentcloud", "https://ID.blob.core.usgovcloudapi.net")],
)
def test_azure_endpoint_follows_the_environment(env: str, endpoint: str) -> None:
    secret = profiles.CredentialSecret("s", "n", "secrets.kanister.io/azure", {
        "azure_storage_account_id": b"ID", "azure_storage_key": b"KEY",
        "azure_storage_environment": env.encode()})
    azure = profile("azure", credential=profiles.Credential("secret", secret=secret))
    assert providers.azure_config(azure) == {"account": "ID", "key": "KEY", "env_name": env}
    assert providers.azure_blob_endpoint(azure) == endpoint


def test_an_unknown_azure_environment_is_named() -> None:
    secret = profiles.CredentialSecret("s", "n", "secrets.kanister.io/azure", {
        "azure_storage_account_id": b"ID", "azure_storage_key": b"KEY",
        "azure_storage_environment": b"Mars"})
    with pytest.raises(errors.ObjectStoreError, match='matching the name "MARS"'):
        providers.azure_blob_endpoint(
            profile("azure", credential=profiles.Credential("secret", secret=secret)))


@pytest.mark.parametrize("kind", ["gcs", "azure"])
def test_gcs_and_azure_are_refused_with_the_s3_alternative(kind: str) -> None:
    with pytest.raises(errors.UnsupportedLocationError, match="s3Compliant Profile"):
        locations.open_bucket(profile(kind))


def test_an_unknown_location_type_uses_kanisters_message() -> None:
    with pytest.raises(errors.UnsupportedLocationError, match=r"^Unsupported Location type: nfs$"):
        locations.open_bucket(profile("nfs"))


def test_part_sizes_double_every_thousand_parts_and_fit_s3s_limits() -> None:
    assert multipart.part_size(1) == multipart.part_size(1000) == 8 * multipart.MiB
    assert multipart.part_size(1001) == 16 * multipart.MiB
    total = sum(multipart.part_size(n) for n in range(1, multipart.MAX_PARTS + 1))
    assert total > 5 * 1024**4  # S3's largest object fits
    assert multipart.part_size(multipart.MAX_PARTS) <= multipart.MAX_PART_SIZE


class Trickle(io.RawIOBase):
    """A pipe-like stream that returns at most 3 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk, self.data = self.data[: min(len(buffer), 3)], self.data[min(len(buffer), 3):]
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_read_full_collects_short_reads() -> None:
    stream = Trickle(b"abcdefghij")
    assert multipart.read_full(stream, 8) == b"abcdefgh"  # type: ignore[arg-type]
    assert multipart.read_full(stream, 8) == b"ij"  # type: ignore[arg-type]
    assert multipart.read_full(stream, 8) == b""  # type: ignore[arg-type]
