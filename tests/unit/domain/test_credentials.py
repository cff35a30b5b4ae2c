"""Kanister's credential rules: typed Secrets, key pairs, ValidateProfile, per-provider keys."""

from __future__ import annotations

import pytest

from kes.domain import credentials, profiles

AWS = credentials.AWS_SECRET_TYPE


def secret(type_: str, **data: str) -> profiles.CredentialSecret:
    return profiles.CredentialSecret("creds", "ns", type_, {k: v.encode() for k, v in data.items()})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param(secret(AWS, aws_access_key_id="a", aws_secret_access_key="s",
                            aws_session_token="t"),
                     "Secret has an unknown field", id="aws-session-token-refused-as-kanister"),
        pytest.param(secret(credentials.AZURE_SECRET_TYPE, azure_storage_account_id="a", x="y"),
                     "Secret has an unknown field", id="azure-unknown"),
        pytest.param(secret(credentials.GCP_SECRET_TYPE),
                     "Empty secret. Expected at least one key value pair in the secret 'ns:creds'",
                     id="gcp-empty"),
        pytest.param(secret(credentials.GCP_SECRET_TYPE, gcp_project_id="p"),
                     "Missing required field service-account.json in the secret 'ns:creds'",
                     id="gcp-no-json"),
        pytest.param(secret("Opaque", a="b"), "Unsupported type 'Opaque' for secret 'ns:creds'",
                     id="opaque"),
    ],
)
def test_invalid_typed_secrets(given: profiles.CredentialSecret, message: str) -> None:
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.validate_secret(given)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "given",
    [
        secret(AWS, aws_access_key_id="a", aws_secret_access_key="s", role="arn:x"),
        secret(credentials.AZURE_SECRET_TYPE, azure_storage_account_id="a", azure_storage_key="k",
               azure_storage_environment="AzureChinaCloud"),
        secret(credentials.GCP_SECRET_TYPE, gcp_project_id="p", **{"service-account.json": "{}"}),
        secret(credentials.FILESTORE_SECRET_TYPE, anything="goes"),
    ],
    ids=["aws", "azure", "gcp", "filestore"],
)
def test_valid_typed_secrets(given: profiles.CredentialSecret) -> None:
    credentials.validate_secret(given)


def test_key_pair_names_the_missing_key_as_kanister_does() -> None:
    given = secret("Opaque", id="AK", other="x")
    with pytest.raises(credentials.CredentialError,
                       match=r"^Key 'nope' not found in secret 'ns:creds'$"):
        credentials.key_pair(given, id_field="nope", secret_field="other")
    with pytest.raises(credentials.CredentialError,
                       match=r"^Value 'nope' not found in secret 'ns:creds'$"):
        credentials.key_pair(given, id_field="id", secret_field="nope")
    assert credentials.key_pair(given, id_field="id", secret_field="other") == profiles.KeyPair(
        "AK", "x"
    )


def resolved(location_type: str, credential: profiles.Credential) -> profiles.ResolvedProfile:
    return profiles.ResolvedProfile(profiles.Location(type=location_type, bucket="b"), credential)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        pytest.param(None, "Profile must be non-nil", id="none"),
        pytest.param(resolved("s3Compliant", profiles.Credential("keyPair")),
                     "Empty KeyPair field", id="no-pair"),
        pytest.param(resolved("s3Compliant",
                              profiles.Credential("keyPair", profiles.KeyPair("", "s"))),
                     "Access key ID is not set", id="no-id"),
        pytest.param(resolved("s3Compliant",
                              profiles.Credential("keyPair", profiles.KeyPair("i", ""))),
                     "Secret access key is not set", id="no-secret"),
        pytest.param(resolved("s3Compliant", profiles.Credential("token")),
                     "Unsupported type 'token' for credentials", id="credential-type"),
        pytest.param(resolved("nfs", profiles.Credential("keyPair", profiles.KeyPair("i", "s"))),
                     "Location type not supported", id="location-type"),
        pytest.param(resolved("s3Compliant",
                              profiles.Credential("secret", secret=secret("Opaque", a="b"))),
                     "Unsupported type 'Opaque' for secret 'ns:creds'", id="untyped-secret"),
    ],
)
def test_validate_for_function(profile: profiles.ResolvedProfile | None, message: str) -> None:
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.validate_for_function(profile)
    assert str(caught.value) == message


def test_filestore_needs_no_credential() -> None:
    credentials.validate_for_function(resolved("filestore", profiles.Credential()))


def test_aws_keys_from_a_pair_or_a_typed_secret() -> None:
    pair = profiles.Credential("keyPair", profiles.KeyPair("AK", "SK"))
    assert credentials.aws(pair) == credentials.AwsCredentials("AK", "SK")
    typed = profiles.Credential("secret", secret=secret(
        AWS, aws_access_key_id="AK", aws_secret_access_key="SK", role="arn:aws:iam::1:role/r"))
    assert credentials.aws(typed) == credentials.AwsCredentials(
        "AK", "SK", role="arn:aws:iam::1:role/r")
    wrong = profiles.Credential("secret", secret=secret(credentials.GCP_SECRET_TYPE, a="b"))
    with pytest.raises(credentials.CredentialError,
                       match=r"Expected type secrets\.kanister\.io/aws"):
        credentials.aws(wrong)


def test_azure_secret_without_key_is_refused_with_kanisters_wrap() -> None:
    typed = profiles.Credential("secret", secret=secret(
        credentials.AZURE_SECRET_TYPE, azure_storage_account_id="acct"))
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.azure(typed)
    assert str(caught.value) == (
        "Failed to extract azure credentials: Azure secret is missing storage account ID or "
        "storage key"
    )


def test_gcp_from_a_pair_or_a_typed_secret() -> None:
    pair = profiles.Credential("keyPair", profiles.KeyPair("proj", '{"type":"service_account"}'))
    assert credentials.gcp(pair).project_id == "proj"
    typed = profiles.Credential("secret", secret=secret(
        credentials.GCP_SECRET_TYPE, gcp_project_id="proj2", **{"service-account.json": "{}"}))
    assert credentials.gcp(typed) == credentials.GcpCredentials("proj2", "{}")
