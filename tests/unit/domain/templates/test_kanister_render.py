"""Kanister's own render tests (pkg/param/render_test.go, param_test.go, phase_test.go, ksprig)."""

from __future__ import annotations

from typing import Any

import pytest

from kes.domain.templates import errors, rendering, values


def _args(arg: Any, params: dict[str, Any]) -> Any:
    return rendering.render_args({"arg": arg}, params)["arg"]


@pytest.mark.parametrize(
    ("arg", "options", "want"),
    [
        pytest.param("", {}, "", id="empty"),
        pytest.param("hello", {}, "hello", id="plain"),
        pytest.param("-", {}, "-", id="dash"),
        pytest.param("{{ .Options.hello }}", {"hello": ""}, "", id="empty-option"),
        pytest.param("{{ .Options.hello }}", {"hello": "someValue"}, "someValue", id="option"),
        pytest.param(
            "{{ .Options.hello }}",
            {"hello": "someValue", "hello-world": "x"},
            "someValue",
            id="option-beside-dashed",
        ),
        pytest.param("{{ upper `hello` }}", {}, "HELLO", id="raw-string"),
        pytest.param(["{{ upper `hello` }}"], {}, ["HELLO"], id="list"),
        pytest.param({"name": "{{ upper `hello` }}"}, {}, {"name": "HELLO"}, id="map"),
        pytest.param(
            {"{{ upper `hello` }}": ["{{ upper `hello` }}"]}, {}, {"HELLO": ["HELLO"]}, id="keys"
        ),
    ],
)
def test_render_args(arg: Any, options: dict[str, str], want: Any) -> None:
    assert _args(arg, {"Options": options}) == want


@pytest.mark.parametrize(
    ("arg", "options"),
    [
        pytest.param("{{ .Options.hello-world }}", {"hello-world": "x"}, id="dash-in-path"),
        pytest.param("{{ .Options.hello }}", {}, id="missing-key"),
    ],
)
def test_render_args_errors(arg: str, options: dict[str, str]) -> None:
    with pytest.raises(errors.TemplateError):
        _args(arg, {"Options": options})


def test_missing_option_message_is_kanisters() -> None:
    with pytest.raises(
        errors.TemplateError, match=r'^Failed to render template: "hello" not found$'
    ):
        _args("{{ .Options.hello }}", {"Options": {}})


def test_render_args_leaves_other_scalars_and_none_alone() -> None:
    args = {"n": 3, "b": True, "f": 1.5, "none": None, "nested": [None, 2, "{{ .Time }}"]}
    out = rendering.render_args(args, {"Time": "now"})
    assert out == {"n": 3, "b": True, "f": 1.5, "none": None, "nested": [None, 2, "now"]}


def test_render_object_refs() -> None:
    refs = {"authSecret": {"kind": "secret", "name": "{{ .Object.spec.authSecret }}"}}
    params = {"Time": "2026-01-01T00:00:00Z", "Object": {"spec": {"authSecret": "secret-name"}}}
    out = rendering.render_object_refs(refs, params)
    assert out == {"authSecret": {"kind": "secret", "name": "secret-name"}}


def test_render_object_refs_skipped_without_time() -> None:
    refs = {"authSecret": {"kind": "secret", "name": "{{ .Object.spec.missing }}"}}
    assert rendering.render_object_refs(refs, {"Time": "", "Object": {}}) is None


def test_render_artifacts() -> None:
    params = {"Phases": {"myPhase": {"Output": {"kopiaSnapshot": "a-snapshot-id"}}}}
    template = "{{ .Phases.myPhase.Output.kopiaSnapshot }}"
    out = rendering.render_artifacts(
        {"snap": {"kopiaSnapshot": template}, "kv": {"keyValue": {"key": template}}}, params
    )
    assert out == {
        "snap": {"kopiaSnapshot": "a-snapshot-id"},
        "kv": {"keyValue": {"key": "a-snapshot-id"}},
    }


def _phase_params() -> dict[str, Any]:
    secret = values.GoStruct(
        "v1.Secret",
        {
            "Name": "secret-dfss",
            "Namespace": "ns1",
            "StringData": values.TypedMap({"myValue": "bar"}),
        },
    )
    config = values.GoStruct(
        "v1.ConfigMap",
        {"Name": "cm-dfss", "Namespace": "ns1", "Data": values.TypedMap({"myValue": "bar"})},
    )
    phase = values.GoStruct(
        "param.Phase",
        {
            "Secrets": {"authSecret": secret},
            "ConfigMaps": {"config": config},
            "Output": {"replicas": 2},
        },
        pointer=True,
    )
    return {"Phases": {"backup": phase}}


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("{{ .Phases.backup.Output.replicas }}", "2"),
        ("{{ .Phases.backup.Secrets.authSecret.Namespace }}", "ns1"),
        ("{{ .Phases.backup.Secrets.authSecret.StringData.myValue }}", "bar"),
        ("{{ .Phases.backup.ConfigMaps.config.Namespace }}", "ns1"),
        ("{{ .Phases.backup.ConfigMaps.config.Data.myValue }}", "bar"),
    ],
)
def test_rendering_phase_params(template: str, want: str) -> None:
    assert rendering.render(template, _phase_params()) == want


def test_missing_struct_field_differs_from_missing_key() -> None:
    with pytest.raises(errors.TemplateError) as info:
        rendering.render("{{ .Phases.backup.Nope }}", _phase_params())
    assert str(info.value) == (
        'template: config:1:10: executing "config" at <.Phases.backup.Nope>: '
        "can't evaluate field Nope in type *param.Phase"
    )


@pytest.mark.parametrize(
    ("options", "arg", "want"),
    [
        ({"test": "hello"}, "{{ .Options.test }} world", "hello world"),
        ({"test": "HELLO"}, "{{ .Options.test | lower}} world", "hello world"),
    ],
)
def test_phase_exec_args(options: dict[str, str], arg: str, want: str) -> None:
    assert _args(arg, {"Options": options}) == want


@pytest.mark.parametrize(
    ("template", "usage"),
    [
        ('{{derivePassword 1 "long" "password" "user" "example.com"}}', "derivePassword"),
        ('{{genPrivateKey "dsa"}}', "genPrivateKey for dsa"),
    ],
)
def test_fips_forbidden_functions(template: str, usage: str) -> None:
    with pytest.raises(errors.TemplateError) as info:
        rendering.render(template, {})
    assert str(info.value).endswith(
        f"sprig usage of '{usage}' is not allowed by kanister as it is not FIPS compatible"
    )


@pytest.mark.parametrize("function", ["bcrypt", "htpasswd"])
def test_functions_sprig_v2_22_lacks_fail_to_parse(function: str) -> None:
    # Kanister's FIPS map replaces bcrypt/htpasswd only where sprig has them; v2.22 has neither.
    with pytest.raises(errors.TemplateError) as info:
        rendering.render(f'{{{{{function} "a" "b"}}}}', {})
    assert f'function "{function}" not defined' in str(info.value)


def _profile() -> values.GoStruct:
    location = values.GoStruct(
        "crv1alpha1.Location",
        {
            "Type": "s3Compliant",
            "Bucket": "b",
            "Endpoint": "http://e",
            "Prefix": "p",
            "Region": "r",
        },
        json={
            "Type": "type",
            "Bucket": "bucket",
            "Endpoint": "endpoint",
            "Prefix": "prefix",
            "Region": "region",
        },
    )
    key_pair = values.GoStruct("param.KeyPair", {"ID": "id", "Secret": "s3cr3t"}, pointer=True)
    credential = values.GoStruct(
        "param.Credential",
        {"Type": "keyPair", "KeyPair": key_pair, "Secret": None, "KopiaServerSecret": None},
    )
    return values.GoStruct(
        "param.Profile",
        {"Location": location, "Credential": credential, "SkipSSLVerify": False},
        pointer=True,
    )


def test_to_json_profile_uses_json_tags_and_templates_use_field_names() -> None:
    params = {"Profile": _profile()}
    assert rendering.render("{{ .Profile.Location.Bucket }}", params) == "b"
    assert rendering.render("{{ toJson .Profile }}", params) == (
        '{"Location":{"type":"s3Compliant","bucket":"b","endpoint":"http://e","prefix":"p",'
        '"region":"r"},"Credential":{"Type":"keyPair","KeyPair":{"ID":"id","Secret":"s3cr3t"},'
        '"Secret":null,"KopiaServerSecret":null},"SkipSSLVerify":false}'
    )


def test_mysql_blueprint_idioms() -> None:
    params = {
        "Object": {"metadata": {"labels": {"app.kubernetes.io/instance": "mysql"}}},
        "Phases": {"dump": {"Secrets": {"mysqlSecret": {"Data": {"mysql-root-password": b"pw"}}}}},
        "Time": "2026-11-28T15:04:05.123456789Z",
        "Namespace": {"Name": "db"},
    }
    assert (
        rendering.render('{{ index .Object.metadata.labels "app.kubernetes.io/instance" }}', params)
        == "mysql"
    )
    assert (
        rendering.render(
            '{{ index .Phases.dump.Secrets.mysqlSecret.Data "mysql-root-password" | toString }}',
            params,
        )
        == "pw"
    )
    assert (
        rendering.render(
            '{{ toDate "2006-01-02T15:04:05.999999999Z07:00" .Time | date "2006-01-02T15-04-05" }}',
            params,
        )
        == "2026-11-28T15-04-05"
    )
    assert rendering.render("{{ .Namespace.Name }}", params) == "db"


def test_secret_bytes_print_as_go_slices() -> None:
    params = {"Secrets": {"s": {"Data": {"k": b"hi"}}}}
    assert rendering.render("{{ .Secrets.s.Data.k }}", params) == "[104 105]"
    assert rendering.render("{{ .Secrets.s.Data.k | toString }}", params) == "hi"
    assert rendering.render('{{ printf "%s" .Secrets.s.Data.k }}', params) == "hi"


def test_phase_output_int_prints_with_go_v() -> None:
    assert (
        rendering.render("{{ .Phases.p.Output.n }}", {"Phases": {"p": {"Output": {"n": 2}}}}) == "2"
    )


def test_dashed_phase_name_needs_index() -> None:
    params = {"Phases": {"my-phase": {"Output": {"k": "v"}}}}
    assert rendering.render('{{ index .Phases "my-phase" "Output" "k" }}', params) == "v"
    with pytest.raises(errors.TemplateError, match="bad character"):
        rendering.render("{{ .Phases.my-phase.Output.k }}", params)


def test_postgres_start_stop_first_pvc_idiom() -> None:
    params = {
        "StatefulSet": {
            "Name": "pg",
            "PersistentVolumeClaims": {
                "pg-1": {"data-pg-1": "/data"},
                "pg-0": {"data-pg-0": "/data"},
            },
        }
    }
    template = (
        "{{- range $pod, $pvcs := .StatefulSet.PersistentVolumeClaims }}"
        "{{- range $pvc, $path := $pvcs }}{{ $pvc }}{{ break }}{{ end }}{{ break }}{{ end }}"
    )
    # Maps range in sorted key order, so the first pod is pg-0.
    assert rendering.render(template, params) == "data-pg-0"


def test_time_log_artifact_idiom() -> None:
    params = {"Phases": {"backupToS3": {"Output": {"backupID": "abc"}}}, "Time": "t"}
    out = rendering.render_artifacts(
        {"timeLog": {"keyValue": {"backupIdentifier": "{{ .Phases.backupToS3.Output.backupID }}"}}},
        params,
    )
    assert out == {"timeLog": {"keyValue": {"backupIdentifier": "abc"}}}


def test_multiline_command_arg_keeps_newlines_and_trims_markers() -> None:
    template = (
        'set -o errexit\n{{- if .Options.debug }}\nset -x\n{{- end }}\necho "{{ .Options.msg }}"\n'
    )
    params = {"Options": {"debug": "1", "msg": "hi"}}
    assert rendering.render(template, params) == 'set -o errexit\nset -x\necho "hi"\n'
