"""The RepositoryServer's Secrets: Kanister's validation messages, both key forms accepted."""

from __future__ import annotations

import base64

import pytest

from kes.domain import repositoryserver_secrets as rss


def raw(kind: str, data: dict[str, str]) -> rss.Secret:
    return rss.Secret(name="s", namespace="ns", type=kind,
                      data={k: v.encode() for k, v in data.items()})


def test_from_object_decodes_data_and_string_data() -> None:
    obj = {"metadata": {"name": "a", "namespace": "b"}, "type": rss.PASSWORD_TYPE,
           "data": {"repo-password": base64.b64encode(b"pw").decode()},
           "stringData": {"extra": "x"}}
    parsed = rss.Secret.from_object(obj)
    assert parsed.data == {"repo-password": b"pw", "extra": b"x"}
    assert parsed.where == "'b:a'"


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({}, "Empty secret. Expected at least one key value pair in the secret "
                     "'ns:s': validation Failed", id="empty"),
    pytest.param({"bucket": "b"}, "Missing required field type in the secret 'ns:s': "
                                  "validation Failed", id="no-type"),
    pytest.param({"type": "nfs"}, "Unsupported location type 'nfs' for secret 'ns:s': "
                                  "validation Failed", id="bad-type"),
    pytest.param({"type": "s3", "bucket": "b"}, "Missing required field region in the "
                                                "secret 'ns:s': validation Failed", id="s3"),
    pytest.param({"type": "s3Compliant", "bucket": "b", "region": "r"},
                 "Missing required field endpoint in the secret 'ns:s': validation Failed",
                 id="s3compliant"),
    pytest.param({"type": "gcs"}, "Missing required field bucket in the secret 'ns:s': "
                                  "validation Failed", id="gcs"),
    pytest.param({"type": "azure"}, "Missing required field bucket in the secret 'ns:s': "
                                    "validation Failed", id="azure"),
    pytest.param({"type": "s3", "bucket": "b", "region": "r", "prefix": "p", "path": "q"},
                 "The secret 'ns:s' has both 'prefix' (Kanister's key) and 'path' (the design "
                 "document's key); keep one.", id="both-forms"),
])
def test_location_messages(data: dict[str, str], message: str) -> None:
    with pytest.raises(rss.SecretValidationError) as caught:
        rss.location(raw(rss.LOCATION_TYPE, data))
    assert str(caught.value) == message


def test_location_forms_are_normalised() -> None:
    code = rss.location(raw(rss.LOCATION_TYPE, {"type": "filestore", "prefix": "p",
                                                "claimName": "c"}))
    doc = rss.location(raw(rss.LOCATION_TYPE, {"type": "file-store", "path": "p",
                                               "claimName": "c"}))
    assert code.data == doc.data == {"type": "filestore", "prefix": "p", "claimName": "c"}
    assert (code.form, doc.form) == (rss.FORM_KANISTER, rss.FORM_DOCUMENT)
    only_type = rss.location(raw(rss.LOCATION_TYPE, {"type": "file-store"}))
    assert only_type.form == rss.FORM_DOCUMENT and only_type.type == "filestore"


def test_aws_credentials_in_both_forms() -> None:
    code = rss.credentials(raw(rss.AWS_TYPE, {"aws_access_key_id": "AK",
                                              "aws_secret_access_key": "SK"}))
    doc = rss.credentials(raw(rss.AWS_TYPE, {"access-key": "AK", "secret-acccess-key": "SK",
                                             "role": "arn"}))
    assert code.env_from_keys == {"AWS_ACCESS_KEY_ID": "aws_access_key_id",
                                  "AWS_SECRET_ACCESS_KEY": "aws_secret_access_key"}
    # secretKeyRef must name the key the Secret really has.
    assert doc.env_from_keys == {"AWS_ACCESS_KEY_ID": "access-key",
                                 "AWS_SECRET_ACCESS_KEY": "secret-acccess-key"}
    assert (code.form, doc.form) == (rss.FORM_KANISTER, rss.FORM_DOCUMENT)
    assert code.data["aws_access_key_id"] == doc.data["aws_access_key_id"] == "AK"


@pytest.mark.parametrize(("kind", "data", "message"), [
    pytest.param(rss.AWS_TYPE, {"aws_access_key_id": "a", "aws_secret_access_key": "b",
                                "colour": "red"}, "Secret has an unknown field", id="aws-extra"),
    pytest.param(rss.AWS_TYPE, {"aws_access_key_id": "a"},
                 "Missing required field aws_secret_access_key in the secret 'ns:s': "
                 "validation Failed", id="aws-missing"),
    pytest.param(rss.AZURE_TYPE, {"azure_storage_account_id": "a"},
                 "Azure secret is missing storage account ID or storage key", id="azure"),
    pytest.param(rss.GCP_TYPE, {"gcp_project_id": "p"},
                 "Missing required field service-account.json in the secret 'ns:s': "
                 "validation Failed", id="gcp"),
    pytest.param("Opaque", {"a": "b"}, "Unsupported type 'Opaque' for secret 'ns:s'",
                 id="unsupported"),
])
def test_credential_messages(kind: str, data: dict[str, str], message: str) -> None:
    with pytest.raises(rss.SecretValidationError) as caught:
        rss.credentials(raw(kind, data))
    assert str(caught.value) == message


def test_gcp_and_azure_and_filestore_credentials() -> None:
    gcp = rss.credentials(raw(rss.GCP_TYPE, {"project-id": "p", "service-account.json": "{}"}))
    assert gcp.form == rss.FORM_DOCUMENT and gcp.data["gcp_project_id"] == "p"
    assert gcp.service_account_json == "{}"
    azure = rss.credentials(raw(rss.AZURE_TYPE, {"azure_storage_account_id": "a",
                                                 "azure_storage_key": "k"}))
    assert azure.env_from_keys == {"AZURE_STORAGE_ACCOUNT": "azure_storage_account_id",
                                   "AZURE_STORAGE_KEY": "azure_storage_key"}
    assert rss.credentials(raw(rss.FILESTORE_TYPE, {})).kind == "filestore"


def test_password_admin_user_access_tls() -> None:
    assert rss.repository_password(raw(rss.PASSWORD_TYPE, {"repo-password": "pw"})) == "pw"
    with pytest.raises(rss.SecretValidationError, match=r"^'ns:s' secret has an unknown field"):
        rss.repository_password(raw(rss.PASSWORD_TYPE, {"repo-password": "pw", "x": "y"}))
    with pytest.raises(rss.SecretValidationError, match="Missing required field repo-password"):
        rss.repository_password(raw(rss.PASSWORD_TYPE, {"password": "pw"}))
    assert rss.admin_credentials(raw(rss.ADMIN_TYPE, {"username": "u", "password": "p"})) == (
        "u", "p")
    with pytest.raises(rss.SecretValidationError, match="unknown field"):
        rss.admin_credentials(raw(rss.ADMIN_TYPE, {"username": "u"}))
    with pytest.raises(rss.SecretValidationError, match="Missing required field password"):
        rss.admin_credentials(raw(rss.ADMIN_TYPE, {"username": "u", "pass": "p"}))
    assert rss.user_access(raw("Opaque", {"b-host": "2", "a-host": "1"})) == {
        "a-host": "1", "b-host": "2"}
    with pytest.raises(rss.SecretValidationError, match="Empty secret"):
        rss.user_access(raw("Opaque", {}))
    with pytest.raises(rss.SecretValidationError, match=r"Missing required field tls\.key"):
        rss.tls(raw(rss.TLS_TYPE, {"tls.crt": "c"}))


def test_validate_dispatches_on_type_and_never_shows_values() -> None:
    assert rss.validate(raw(rss.LOCATION_TYPE, {"type": "file-store"})) == rss.FORM_DOCUMENT
    assert rss.validate(raw(rss.AWS_TYPE, {"aws_access_key_id": "AKIA-SECRET-ID",
                                           "aws_secret_access_key": "x"})) == rss.FORM_KANISTER
    with pytest.raises(rss.SecretValidationError) as caught:
        rss.validate(raw(rss.AWS_TYPE, {"aws_access_key_id": "AKIA-SECRET-ID"}))
    assert "AKIA-SECRET-ID" not in str(caught.value)
