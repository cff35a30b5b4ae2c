"""Profile → restic repository and environment, re-derived from Kanister's `TestResticArgs`."""

from __future__ import annotations

from typing import Any

import pytest

from kes.adapters.restic import locations
from kes.domain import profiles


def _resolved(profile: dict[str, Any] | None) -> profiles.ResolvedProfile:
    resolved = profiles.from_params(profile)
    assert resolved is not None
    return resolved


def _repository(profile: dict[str, Any], prefix: str) -> locations.Repository:
    return locations.repository(_resolved(profile), prefix)


def key_pair(
    kind: str, *, endpoint: str = "", bucket: str = "", skip: bool = False
) -> dict[str, Any]:
    return {
        "Location": {
            "Type": kind,
            "Bucket": bucket,
            "Endpoint": endpoint,
            "Prefix": "",
            "Region": "",
        },
        "Credential": {
            "Type": "keyPair",
            "KeyPair": {"ID": "id", "Secret": "secret"},
            "Secret": None,
        },
        "SkipSSLVerify": skip,
    }


def with_secret(kind: str, secret_type: str, data: dict[str, bytes]) -> dict[str, Any]:
    secret = {"Name": "creds", "Namespace": "ns", "Type": secret_type, "Data": data}
    return {
        "Location": {
            "Type": kind,
            "Bucket": "",
            "Endpoint": "endpoint",
            "Prefix": "",
            "Region": "",
        },
        "Credential": {"Type": "secret", "KeyPair": None, "Secret": secret},
        "SkipSSLVerify": False,
    }


@pytest.mark.parametrize(
    "endpoint", ["endpoint", "endpoint/", "endpoint/////////"], ids=["plain", "slash", "slashes"]
)
def test_s3_key_pair_trims_trailing_slashes(endpoint: str) -> None:
    repo = _repository(key_pair("s3Compliant", endpoint=endpoint), "repo")
    assert repo.url == "s3:endpoint/repo"
    assert dict(repo.env) == {
        "AWS_ACCESS_KEY_ID": "id",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "RESTIC_REPOSITORY": "s3:endpoint/repo",
    }


def test_s3_endpoint_keeps_its_scheme_and_defaults_to_aws() -> None:
    local = _repository(key_pair("s3Compliant", endpoint="http://127.0.0.1:9000/"), "b/p")
    assert local.url == "s3:http://127.0.0.1:9000/b/p"
    aws = _repository(key_pair("s3Compliant"), "b/p")
    assert aws.url == "s3:s3.amazonaws.com/b/p"


def test_s3_aws_secret_and_its_known_keys() -> None:
    profile = with_secret(
        "s3Compliant",
        "secrets.kanister.io/aws",
        {"aws_access_key_id": b"id", "aws_secret_access_key": b"secret"},
    )
    repo = _repository(profile, "repo")
    assert repo.env["AWS_SECRET_ACCESS_KEY"] == "secret"
    assert sorted(repo.secret_values()) == ["id", "secret"]
    # Kanister's validator knows aws_session_token only as a constant: it is an unknown field.
    profile["Credential"]["Secret"]["Data"]["aws_session_token"] = b"t"
    with pytest.raises(locations.LocationError, match="Secret has an unknown field"):
        _repository(profile, "repo")


def test_azure_secret_and_key_pair_wins_over_secret() -> None:
    secret = with_secret(
        "azure",
        "secrets.kanister.io/azure",
        {"azure_storage_account_id": b"id", "azure_storage_key": b"secret"},
    )
    repo = _repository(secret, "repo")
    assert repo.url == "azure:repo/"
    assert dict(repo.env) == {
        "AZURE_ACCOUNT_NAME": "id",
        "AZURE_ACCOUNT_KEY": "secret",
        "RESTIC_REPOSITORY": "azure:repo/",
    }
    both = key_pair("azure")
    both["Credential"]["Secret"] = secret["Credential"]["Secret"]
    assert _repository(both, "container/a/b").env["AZURE_ACCOUNT_NAME"] == "id"
    assert _repository(both, "container/a/b").url == "azure:container:/a/b/"


def test_gcs_writes_the_service_account_to_a_file() -> None:
    repo = _repository(key_pair("gcs"), "bucket/a/b")
    assert repo.url == "gs:bucket:/a/b/"
    assert repo.env["GOOGLE_PROJECT_ID"] == "id"
    assert "GOOGLE_APPLICATION_CREDENTIALS" not in repo.env  # the invocation sets the path
    assert repo.credentials_file == "secret"
    typed = with_secret(
        "gcs",
        "secrets.kanister.io/gcp",
        {"gcp_project_id": b"p", "service-account.json": b'{"type": "service_account"}'},
    )
    assert _repository(typed, "b/x").credentials_file == '{"type": "service_account"}'


def test_filestore_is_a_directory_without_credentials() -> None:
    profile = {"Location": {"Type": "filestore", "Bucket": "/srv/backups"}, "Credential": {}}
    prefix = locations.resolve_artifact_prefix("time-log", _resolved(profile))
    assert prefix == "/srv/backups/time-log"
    assert locations.resolve_artifact_prefix("/srv/backups/time-log", _resolved(profile)) == prefix
    repo = _repository(profile, prefix)
    assert repo.url == "/srv/backups/time-log"
    assert repo.secret_values() == []
    with pytest.raises(locations.LocationError, match="absolute directory"):
        _repository({"Location": {"Type": "filestore"}}, "relative/path")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("bucket/a", "bucket/a"), ("a/b", "bucket/a/b"), ("bucketx/a", "bucket/bucketx/a")],
)
def test_resolve_artifact_prefix_as_kanister(prefix: str, expected: str) -> None:
    profile = key_pair("s3Compliant", bucket="bucket")
    assert locations.resolve_artifact_prefix(prefix, _resolved(profile)) == expected


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        pytest.param(None, "Profile must be non-nil", id="no-profile"),
        pytest.param(
            {"Location": {"Type": "s3Compliant"}, "Credential": {"Type": "keyPair"}},
            "Empty KeyPair field",
            id="no-key-pair",
        ),
        pytest.param(
            {
                "Location": {"Type": "s3Compliant"},
                "Credential": {"Type": "keyPair", "KeyPair": {"ID": "", "Secret": "s"}},
            },
            "Access key ID is not set",
            id="no-id",
        ),
        pytest.param(
            {
                "Location": {"Type": "s3Compliant"},
                "Credential": {"Type": "keyPair", "KeyPair": {"ID": "i", "Secret": ""}},
            },
            "Secret access key is not set",
            id="no-secret",
        ),
        pytest.param(
            {"Location": {"Type": "s3Compliant"}, "Credential": {"Type": "bogus"}},
            "Unsupported type 'bogus' for credentials",
            id="credential-type",
        ),
    ],
)
def test_validate_profile_messages(profile: dict[str, Any] | None, message: str) -> None:
    with pytest.raises(locations.LocationError, match=message):
        locations.validate_profile(profiles.from_params(profile))


def test_a_secret_lacking_a_key_names_the_key_and_the_secret() -> None:
    profile = with_secret("s3Compliant", "secrets.kanister.io/aws", {"aws_access_key_id": b"id"})
    with pytest.raises(locations.LocationError) as caught:
        _repository(profile, "repo")
    assert str(caught.value).startswith(
        "Missing required field aws_secret_access_key in the secret 'ns:creds'"
    )
    assert "id\n" not in str(caught.value)


def test_a_secret_of_the_wrong_type_or_with_unknown_keys() -> None:
    wrong = with_secret(
        "s3Compliant",
        "secrets.kanister.io/azure",
        {"azure_storage_account_id": b"a", "azure_storage_key": b"k"},
    )
    with pytest.raises(locations.LocationError, match=r"Expected type secrets\.kanister\.io/aws"):
        _repository(wrong, "repo")
    unknown = with_secret(
        "s3Compliant",
        "secrets.kanister.io/aws",
        {"aws_access_key_id": b"i", "aws_secret_access_key": b"s", "extra": b"x"},
    )
    with pytest.raises(locations.LocationError, match="Secret has an unknown field"):
        _repository(unknown, "repo")
    untyped = with_secret("s3Compliant", "Opaque", {})
    with pytest.raises(
        locations.LocationError, match="Unsupported type 'Opaque' for secret 'ns:creds'"
    ):
        _repository(untyped, "repo")


def test_an_aws_role_is_refused_with_what_to_do_instead() -> None:
    profile = with_secret(
        "s3Compliant",
        "secrets.kanister.io/aws",
        {
            "aws_access_key_id": b"i",
            "aws_secret_access_key": b"s",
            "role": b"arn:aws:iam::1:role/r",
        },
    )
    with pytest.raises(locations.LocationError, match="names an AWS role to assume"):
        _repository(profile, "repo")


def test_skip_ssl_verify_is_carried() -> None:
    assert _repository(key_pair("s3Compliant", skip=True), "r").skip_ssl_verify
    assert not _repository(key_pair("s3Compliant"), "r").skip_ssl_verify


def test_kopia_passes_kanisters_profile_check_but_not_restics() -> None:
    profile = key_pair("kopia")
    locations.validate_profile(profiles.from_params(profile))
    with pytest.raises(locations.LocationError, match="Unsupported type 'kopia' for the location"):
        _repository(profile, "repo")
