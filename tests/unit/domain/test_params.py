"""TemplateParams as Kanister's Go structs: what templates see of them."""

from __future__ import annotations

import base64

import pytest

from kes.domain import params, templates

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "creds", "namespace": "app"},
    "data": {"password": base64.b64encode(b"hunter2").decode()},
}


def _params() -> object:
    profile = params.profile(
        spec={
            "location": {
                "type": "s3Compliant",
                "bucket": "b",
                "endpoint": "http://e",
                "prefix": "p",
                "region": "r",
            },
            "credential": {"type": "keyPair"},
        },
        key_pair=("id", "key"),
        credential_secret=None,
    )
    return params.template_params(
        Deployment=params.workload(
            kind="Deployment",
            name="web",
            namespace="app",
            pods=["web-1", "web-2"],
            containers=[["c"], ["c"]],
            pvcs={"web-1": {"data": "/data"}},
        ),
        Secrets={"creds": params.secret(SECRET)},
        Options={"mode": "fast"},
        Profile=profile,
        Time="2026-11-28T10:00:00.5Z",
        ArtifactsIn=params.artifacts({"backup": {"keyValue": {"path": "/b/1"}}}),
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param("{{ .Deployment.Name }}", "web", id="workload-name"),
        pytest.param("{{ index .Deployment.Pods 1 }}", "web-2", id="pods"),
        pytest.param(
            "{{ .Deployment.PersistentVolumeClaims }}", "map[web-1:map[data:/data]]", id="pvc-map"
        ),
        pytest.param("{{ .Secrets.creds.Data.password | toString }}", "hunter2", id="secret-bytes"),
        pytest.param(
            "{{ .Secrets.creds.Data.password }}",
            "[104 117 110 116 101 114 50]",
            id="bytes-print-as-go",
        ),
        pytest.param('{{ index .Options "absent" }}', "", id="typed-map-zero"),
        pytest.param("{{ .Options.mode }}", "fast", id="option"),
        pytest.param("{{ .Profile.Location.Bucket }}", "b", id="profile-field"),
        pytest.param("{{ .ArtifactsIn.backup.KeyValue.path }}", "/b/1", id="artifact"),
        pytest.param(
            "{{ toJson .Profile }}",
            '{"Location":{"type":"s3Compliant","bucket":"b","endpoint":"http://e","prefix":"p",'
            '"region":"r"},"Credential":{"Type":"keyPair","KeyPair":{"ID":"id","Secret":"key"},'
            '"Secret":null,"KopiaServerSecret":null},"SkipSSLVerify":false}',
            id="profile-json-as-kanister",
        ),
    ],
)
def test_templates_read_the_params_as_kanister_builds_them(template: str, expected: str) -> None:
    assert templates.render(template, _params()) == expected


def test_a_later_phase_is_a_missing_key() -> None:
    with pytest.raises(
        templates.TemplateError, match='Failed to render template: "later" not found'
    ):
        templates.render("{{ .Phases.later.Output.x }}", _params())


def test_a_phase_output_is_readable_once_added() -> None:
    got = params.with_fields(
        _params(),  # type: ignore[arg-type]
        Phases={"first": params.phase(output={"n": 2})},
    )
    assert templates.render("{{ .Phases.first.Output.n }}", got) == "2"


def test_to_plain_gives_functions_plain_data() -> None:
    plain = params.to_plain(_params())
    assert plain["Deployment"]["Pods"] == ["web-1", "web-2"]
    assert plain["Secrets"]["creds"]["Data"]["password"] == b"hunter2"


def _with_repository_server() -> object:
    tls = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
           "metadata": {"name": "tls", "namespace": "kanister"},
           "data": {"tls.crt": base64.b64encode(b"CERT").decode()}}
    users = {"apiVersion": "v1", "kind": "Secret",
             "metadata": {"name": "users", "namespace": "kanister"},
             "data": {"host-a": base64.b64encode(b"pw").decode()}}
    return params.template_params(RepositoryServer=params.repository_server(
        name="repo", namespace="kanister", pod_name="repo-server-pod-abcde",
        service_name="repo-server-service-fghij", username="kanisteruser",
        server_tls=params.secret(tls), server_user_access=params.secret(users),
        address="https://repo-server-service-fghij.kanister.svc.cluster.local:51515",
        content_cache_mb=0, metadata_cache_mb=500,
    ))


@pytest.mark.parametrize(("template", "expected"), [
    pytest.param("{{ .RepositoryServer.Name }}/{{ .RepositoryServer.Namespace }}",
                 "repo/kanister", id="name"),
    pytest.param("{{ .RepositoryServer.ServerInfo.PodName }}", "repo-server-pod-abcde",
                 id="server-info"),
    pytest.param("{{ .RepositoryServer.Username }}", "kanisteruser", id="username"),
    pytest.param("{{ .RepositoryServer.Address }}",
                 "https://repo-server-service-fghij.kanister.svc.cluster.local:51515",
                 id="address"),
    pytest.param('{{ index .RepositoryServer.Credentials.ServerTLS.Data "tls.crt" | toString }}',
                 "CERT", id="tls-secret"),
    pytest.param("{{ .RepositoryServer.MetadataCacheMB }}", "500", id="cache"),
    pytest.param("{{ toJson .RepositoryServer.ServerInfo }}",
                 '{"podName":"repo-server-pod-abcde","serviceName":"repo-server-service-fghij"}',
                 id="server-info-json"),
])
def test_repository_server_params(template: str, expected: str) -> None:
    assert templates.render(template, _with_repository_server()) == expected
