"""`kes repositoryserver validate-secrets` offline, and the document `create` builds."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml
from click.testing import CliRunner

from kes.cli import main, repositoryserver


def _write(path: Path, kind: str, data: dict[str, str]) -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Secret", "type": kind,
        "metadata": {"name": "s", "namespace": "kanister"},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}))
    return path


def test_validate_secrets_reads_a_file_and_names_the_form(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _write(tmp_path / "loc.yaml", "secrets.kanister.io/storage-location",
                  {"type": "file-store", "claimName": "c"})
    result = runner.invoke(main.cli, ["repositoryserver", "validate-secrets", "-f", str(good)])
    assert result.exit_code == 0, result.output
    assert "design-document form" in result.output
    bad = _write(tmp_path / "pw.yaml", "secrets.kanister.io/kopia-repository/password",
                 {"password": "hunter2"})
    result = runner.invoke(main.cli, ["repositoryserver", "validate-secrets", "-f", str(bad)])
    assert result.exit_code == 1
    assert ("Missing required field repo-password in the secret 'kanister:s': validation "
            "Failed") in result.output
    assert "hunter2" not in result.output
    result = runner.invoke(main.cli, ["repositoryserver", "validate-secrets"])
    assert "neither name nor filename specified" in result.output
    # kanctl's spelling of the same check
    result = runner.invoke(main.cli, ["validate", "repository-server-secrets", "-f", str(good)])
    assert result.exit_code == 0, result.output
    assert "design-document form" in result.output


def test_create_builds_kanctls_document() -> None:
    flags = {"location_secret": "loc", "location_creds_secret": "creds", "prefix": "/r/",
             "kopia_repository_user": "ku", "kopia_repository_password_secret": "pw",
             "user_access_secret": "users", "user": "u", "admin_user_access_secret": "admin",
             "tls_secret": "tls"}
    body = repositoryserver.document(namespace="kanister", flags=flags)
    assert body["metadata"] == {"generateName": "kopia-repo-server-", "namespace": "kanister"}
    assert body["spec"]["repository"] == {
        "rootPath": "/r/", "username": "ku", "hostname": "localhost",
        "passwordSecretRef": {"name": "pw", "namespace": "kanister"}}
    assert body["spec"]["server"]["userAccess"]["username"] == "u"
