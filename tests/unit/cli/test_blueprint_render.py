"""`kes blueprint render`: offline dry runs of the fixture Blueprints, golden YAML and masking."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import strategies as st

from kes.cli import main

FIXTURES = Path(__file__).parents[2] / "fixtures" / "blueprints"
SECRETS = str(FIXTURES / "secrets.yaml")
PROFILE = str(FIXTURES / "profile.yaml")
SECRET_VALUES = (
    "s3cr3t-root",
    "pgadmin",
    "pg-Pa55word",
    "AKIAEXAMPLEKEYID",
    "wJalrXUtnFEMIexampleSECRETkey",
    "AKIAPARAMSFILEID",
    "params-file-secret-value",
)
MYSQL_DUMP = "/mysql-backups/mysql/mysql/2026-05-13T10-11-12/dump.sql.gz"
PG_DUMP = "pg_backups/pg/postgres-postgresql/2026-05-13T10:11:12Z/backup.sql.gz"
MYSQL = (
    str(FIXTURES / "mysql-blueprint.yaml"),
    "--action",
    "backup",
    "--object-file",
    str(FIXTURES / "mysql-statefulset.yaml"),
    "--secrets-file",
    SECRETS,
    "--profile-file",
    PROFILE,
    "--time",
    "2026-05-13T10:11:12.123456789Z",
    "--outputs",
    "dumpToObjectStore.s3path=" + MYSQL_DUMP,
)
POSTGRES = (
    str(FIXTURES / "postgres-blueprint.yaml"),
    "--action",
    "backup",
    "--object",
    "statefulset/pg/postgres-postgresql",
    "--pod",
    "postgres-postgresql-0:postgresql",
    "--secret",
    "pgSecret=pg/postgres-postgresql",
    "--secrets-file",
    SECRETS,
    "--profile-file",
    PROFILE,
    "--time",
    "2026-05-13T10:11:12Z",
    "-o",
    "retention=30d",
    "--outputs",
    "pgDump.backupLocation=" + PG_DUMP,
    "--outputs",
    "removeScratch.removed=true",
)
TIME_LOG = (
    str(FIXTURES / "time-log-blueprint.yaml"),
    "--action",
    "backup",
    "--params",
    str(FIXTURES / "time-log-params.yaml"),
)


def render(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main.cli, ["blueprint", "render", *args], input=stdin)


def rendered(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.stdout)
    assert isinstance(document, dict)
    return document


def inline(args: str, *, objects: str = "", outputs: str = "") -> str:
    """A one-action, one-phase Blueprint for focused cases."""
    return (
        "apiVersion: cr.kanister.io/v1alpha1\nkind: Blueprint\nmetadata: {name: inline}\n"
        f"actions:\n  backup:\n{outputs}    phases:\n    - func: KubeTask\n      name: first\n"
        f"{objects}      args:\n{args}"
    )


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        pytest.param(MYSQL, "mysql-backup.rendered.yaml", id="mysql"),
        pytest.param(POSTGRES, "postgres-backup.rendered.yaml", id="postgres"),
        pytest.param(TIME_LOG, "time-log-backup.rendered.yaml", id="time-log-params-file"),
    ],
)
def test_output_is_the_golden_yaml(args: tuple[str, ...], golden: str) -> None:
    result = render(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == (FIXTURES / golden).read_text()


def test_mysql_render_reads_labels_phase_secrets_profile_and_time() -> None:
    document = rendered(render(*MYSQL, "--show-secrets"))
    (phase,) = document["phases"]
    assert phase["objects"] == {
        "mysqlSecret": {"kind": "Secret", "name": "mysql", "namespace": "mysql"}
    }
    script = phase["args"]["command"][-1]
    assert 's3_path="/mysql-backups/mysql/mysql/2026-05-13T10-11-12/dump.sql.gz"' in script
    assert 'root_password="s3cr3t-root"' in script
    assert (
        '"Credential":{"Type":"keyPair","KeyPair":{"ID":"AKIAEXAMPLEKEYID",'
        '"Secret":"wJalrXUtnFEMIexampleSECRETkey"},"Secret":null,"KopiaServerSecret":null}'
    ) in script
    assert document["outputArtifacts"] == {
        "mysqlBackup": {
            "keyValue": {"s3path": "/mysql-backups/mysql/mysql/2026-05-13T10-11-12/dump.sql.gz"}
        }
    }


@pytest.mark.parametrize("args", [MYSQL, POSTGRES, TIME_LOG], ids=["mysql", "postgres", "time-log"])
def test_secret_values_are_masked_by_default(args: tuple[str, ...]) -> None:
    result = render(*args)
    assert result.exit_code == 0
    assert "***" in result.stdout
    for value in SECRET_VALUES:
        assert value not in result.stdout


def test_show_secrets_prints_them() -> None:
    result = render(*POSTGRES, "--show-secrets")
    assert "export PGPASSWORD='pg-Pa55word'" in result.stdout
    assert "export PGUSER='pgadmin'" in result.stdout


def test_names_stay_readable_when_a_secret_is_a_common_word() -> None:
    result = render(*POSTGRES, "--secret-data", "pgSecret.extra=backup")
    document = rendered(result)
    assert document["action"] == "backup"
    assert document["phases"][0]["name"] == "pgDump"


def test_defer_phase_and_its_output_feed_the_artifacts() -> None:
    document = rendered(render(*POSTGRES))
    assert document["deferPhase"]["name"] == "removeScratch"
    assert (
        "rm -f /tmp/postgres-postgresql-0-30d.sql.gz"
        in document["deferPhase"]["args"]["command"][-1]
    )
    assert document["outputArtifacts"]["pgBackup"]["keyValue"]["cleaned"] == "true"


def test_artifacts_are_left_out_without_outputs() -> None:
    document = rendered(render(*MYSQL[:-2]))
    assert "outputArtifacts" not in document


def test_a_missing_output_names_the_artifact_with_kanisters_message() -> None:
    # The params file without its `Phases` section: backupToObjectStore gave no output.
    text = (FIXTURES / "time-log-params.yaml").read_text().split("Phases:")[0]
    result = render(
        str(FIXTURES / "time-log-blueprint.yaml"),
        "-a",
        "backup",
        "--params",
        "-",
        "--outputs",
        "markDone.x=y",
        stdin=text,
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        'backup/outputArtifacts.timeLog: Failed to render template: "pushed" not found',
        "Error: 1 rendering problem(s).",
    ]


def test_template_errors_name_action_phase_and_arg() -> None:
    result = render(
        str(FIXTURES / "mysql-blueprint.yaml"),
        "-a",
        "backup",
        "--object",
        "statefulset/mysql/mysql",
        "--time",
        "2026-05-13T10:11:12Z",
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "backup/dumpToObjectStore.objects.mysqlSecret: could not render object reference "
        '{mysqlSecret}: Failed to render template: "labels" not found',
        'backup/dumpToObjectStore.command: Failed to render template: "labels" not found',
        "Error: 2 rendering problem(s).",
    ]


def test_go_execution_errors_keep_their_position() -> None:
    text = inline("        image: busybox\n        command: ['{{ .Deployment.Name }}']\n")
    result = render("-", "-a", "backup", stdin=text)
    assert result.exit_code == 1
    # Go names the nil field's type (*param.DeploymentParams); the engine's wording is its own.
    assert (
        'backup/first.command: template: config:1:14: executing "config" at '
        "<.Deployment.Name>: nil pointer evaluating *param."
    ) in result.stderr


def test_error_messages_are_masked_too() -> None:
    text = inline(
        "        image: '{{ fail (index .Secrets.db.Data \"password\" | toString) }}'\n"
        "        command: [sh]\n"
    )
    result = render("-", "-a", "backup", "--secret-data", "db.password=hunter2", stdin=text)
    assert result.exit_code == 1
    assert "hunter2" not in result.output
    assert "backup/first.image:" in result.stderr
    assert "***" in result.stderr
    shown = render(
        "-", "-a", "backup", "--secret-data", "db.password=hunter2", "--show-secrets", stdin=text
    )
    assert "hunter2" in shown.stderr


def test_secret_data_and_config_maps_from_options() -> None:
    text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ index .Secrets.db.Data \"user\" | toString }}'\n"
        "        - '{{ .ConfigMaps.loc.Data.path }}'\n"
    )
    result = render(
        "-",
        "-a",
        "backup",
        "--secret-data",
        "db.user=admin",
        "--config-map",
        "loc=time-log/time-log-location",
        "--secrets-file",
        SECRETS,
        "--show-secrets",
        stdin=text,
    )
    assert rendered(result)["phases"][0]["args"]["command"] == ["admin", "logs/time-log"]


def test_statefulset_pods_come_from_replicas_of_the_object_file() -> None:
    text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ index .StatefulSet.Pods 0 }}'\n"
        "        - '{{ .StatefulSet.Containers }}'\n"
        "        - '{{ .StatefulSet.Name }}/{{ .Object.metadata.labels.app.kubernetes.io }}'\n"
    )
    result = render(
        "-", "-a", "backup", "--object-file", str(FIXTURES / "mysql-statefulset.yaml"), stdin=text
    )
    assert result.exit_code == 1  # the dotted label needs index: Kanister's message says so
    assert 'backup/first.command: Failed to render template: "app" not found' in result.stderr
    text = text.replace(
        "{{ .Object.metadata.labels.app.kubernetes.io }}",
        '{{ index .Object.metadata.labels "app.kubernetes.io/name" }}',
    )
    result = render(
        "-", "-a", "backup", "--object-file", str(FIXTURES / "mysql-statefulset.yaml"), stdin=text
    )
    assert rendered(result)["phases"][0]["args"]["command"] == [
        "mysql-0",
        "[[mysql]]",
        "mysql/mysql",
    ]


def test_pods_and_claims_from_options() -> None:
    text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ range $pod, $claims := .Deployment.PersistentVolumeClaims }}"
        "{{ $pod }}:{{ range $claim, $path := $claims }}{{ $claim }}={{ $path }}{{ end }} "
        "{{ end }}'\n"
        "        - '{{ len .Deployment.Pods }}'\n"
    )
    result = render(
        "-",
        "-a",
        "backup",
        "--object",
        "deployment/app/web",
        "--pod",
        "web-1:nginx",
        "--pod",
        "web-2",
        "--pvc",
        "web-1/data=/srv",
        stdin=text,
    )
    assert rendered(result)["phases"][0]["args"]["command"] == ["web-1:data=/srv web-2: ", "2"]


def test_namespace_object_sets_name_and_namespace() -> None:
    result = render(
        str(FIXTURES / "mysql-blueprint.yaml"),
        "-a",
        "delete",
        "--object",
        "namespace/mysql",
        "--artifact",
        "mysqlBackup.s3path=/b/dump.sql.gz",
        "--profile-file",
        PROFILE,
        "--secrets-file",
        SECRETS,
    )
    document = rendered(result)
    (phase,) = document["phases"]
    assert phase["args"]["namespace"] == "mysql"
    assert 's3_path="/b/dump.sql.gz"' in phase["args"]["command"][-1]


def test_later_phases_read_earlier_outputs() -> None:
    text = (FIXTURES / "time-log-blueprint.yaml").read_text()
    result = render(
        "-",
        "-a",
        "restore",
        "--params",
        str(FIXTURES / "time-log-params.yaml"),
        "--artifact",
        "timeLog.path=bucket/2026-05-13/time.log",
        stdin=text,
    )
    document = rendered(result)
    assert [p["name"] for p in document["phases"]] == [
        "shutdownPod",
        "restoreFromObjectStore",
        "bringupPod",
    ]
    assert document["phases"][0]["args"]["replicas"] == 0  # scalars pass through unrendered
    assert "--path 'bucket/2026-05-13/time.log'" in document["phases"][1]["args"]["command"][-1]


def test_unknown_action_lists_the_available_ones() -> None:
    result = render(str(FIXTURES / "mysql-blueprint.yaml"), "-a", "bakup")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        'Error: Blueprint "mysql-blueprint" has no action "bakup" (available: "backup", '
        '"restore", "delete").'
    )


def test_a_secret_missing_from_the_files_is_named() -> None:
    result = render(*TIME_LOG, "--secret", "db=prod/db-creds", "--secrets-file", SECRETS)
    assert result.exit_code == 1
    assert (
        'Secret "prod/db-creds" (--secret db) is not among the supplied objects: add it to '
        "--secrets-file"
    ) in result.stderr


def test_a_profile_key_missing_from_its_secret_uses_kanisters_message() -> None:
    profile = (FIXTURES / "profile.yaml").read_text().replace("aws_secret_access_key", "nope")
    result = render(*MYSQL[:-2], "--profile-file", "-", stdin=profile)
    assert result.exit_code == 1
    # Kanister names the secret field "Value" (fetchKeyPairCredential).
    assert "Value 'nope' not found in secret 'kanister:s3-creds'" in result.stderr


def test_params_file_with_an_unknown_field_is_refused() -> None:
    result = render(*TIME_LOG[:-2], "--params", "-", stdin="Deploymnet: {Name: x}\n")
    assert result.exit_code == 1
    assert "params file: unknown field(s) Deploymnet" in result.stderr


@pytest.mark.parametrize(
    ("option", "value"),
    [
        pytest.param("--option", "novalue", id="option"),
        pytest.param("--secret", "db=only-a-name", id="secret"),
        pytest.param("--secret-data", "nokey=value", id="secret-data"),
        pytest.param("--outputs", "phase=value", id="outputs"),
        pytest.param("--object", "statefulset/onlyname", id="object"),
        pytest.param("--pvc", "pod=/path", id="pvc"),
    ],
)
def test_malformed_option_values_are_usage_errors(option: str, value: str) -> None:
    result = render(*TIME_LOG, option, value)
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr
    assert "Traceback" not in result.output


def test_malformed_blueprint_yaml_is_a_message() -> None:
    result = render(str(FIXTURES / "broken-yaml.yaml"), "-a", "backup")
    assert result.exit_code == 1
    assert "invalid YAML" in result.stderr


def test_several_blueprints_need_a_choice() -> None:
    text = "\n---\n".join(
        (FIXTURES / name).read_text()
        for name in ("mysql-blueprint.yaml", "time-log-blueprint.yaml")
    )
    result = render("-", "-a", "backup", stdin=text)
    assert result.exit_code == 1
    assert '("mysql-blueprint", "time-log-bp"): pick one with --blueprint' in result.stderr
    chosen = render(
        "-",
        "-a",
        "backup",
        "--blueprint",
        "time-log-bp",
        "--params",
        str(FIXTURES / "time-log-params.yaml"),
        stdin=text,
    )
    assert rendered(chosen)["blueprint"] == "time-log-bp"


def test_time_defaults_to_now_in_rfc3339_nano_utc() -> None:
    text = inline(
        "        image: busybox\n        command:\n        - '{{ .Time }}'\n"
        '        - \'{{ toDate "2006-01-02T15:04:05.999999999Z07:00" .Time | date "2006" }}\'\n'
    )
    before = dt.datetime.now(dt.UTC)
    command = rendered(render("-", "-a", "backup", stdin=text))["phases"][0]["args"]["command"]
    after = dt.datetime.now(dt.UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", command[0])
    moment = dt.datetime.fromisoformat(command[0].replace("Z", "+00:00"))
    assert before - dt.timedelta(seconds=1) <= moment <= after
    assert command[1] in {str(before.year), str(after.year)}


def test_every_form_of_a_secret_is_masked() -> None:
    text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ index .Secrets.db.Data \"p\" | toString | b64enc }}'\n"
        "        - '{{ index .Secrets.db.Data \"p\" }}'\n"
        "        - 'user={{ index .Secrets.db.Data \"p\" | toString | quote }}'\n"
    )
    result = render("-", "-a", "backup", "--secret-data", "db.p=hunter2", stdin=text)
    assert rendered(result)["phases"][0]["args"]["command"] == ["***", "***", 'user="***"']
    shown = render(
        "-", "-a", "backup", "--secret-data", "db.p=hunter2", "--show-secrets", stdin=text
    )
    assert rendered(shown)["phases"][0]["args"]["command"] == [
        "aHVudGVyMg==",
        "[104 117 110 116 101 114 50]",
        'user="hunter2"',
    ]


def test_params_file_gives_phase_secrets_and_go_shaped_secrets(tmp_path: Path) -> None:
    blueprint_text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ index .Phases.first.Secrets.own.Data \"k\" | toString }}'\n"
        "        - '{{ .Secrets.shared.Data.token | toString }}'\n"
        "        - '{{ .Secrets.api.Data.key | toString }}'\n",
        objects="      objects:\n        own: {kind: Secret, name: own, namespace: default}\n",
    )
    params_text = yaml.safe_dump(
        {
            "Phases": {"first": {"Secrets": {"own": {"Data": {"k": "phase-value"}}}}},
            "Secrets": {
                "shared": {"Data": {"token": "go-shaped"}},
                "api": {"kind": "Secret", "data": {"key": "YXBpLXNoYXBlZA=="}},
            },
        }
    )
    (tmp_path / "bp.yaml").write_text(blueprint_text)
    result = render(
        str(tmp_path / "bp.yaml"),
        "-a",
        "backup",
        "--params",
        "-",
        "--show-secrets",
        stdin=params_text,
    )
    command = rendered(result)["phases"][0]["args"]["command"]
    assert command == ["phase-value", "go-shaped", "api-shaped"]


def test_a_phase_object_missing_from_the_files_is_named() -> None:
    text = inline(
        "        image: busybox\n        command: [sh]\n",
        objects="      objects:\n        own: {kind: Secret, name: own, namespace: ns1}\n",
    )
    result = render("-", "-a", "backup", "--secrets-file", SECRETS, stdin=text)
    assert result.exit_code == 1
    assert (
        "backup/first.objects: Secret \"ns1/own\" (object 'own' of phase 'first') is not among "
        "the supplied objects: add it to --secrets-file"
    ) in result.stderr


def test_options_are_readable_from_kes_environment_variables() -> None:
    text = inline("        image: busybox\n        command: ['{{ .Time }}']\n")
    result = CliRunner().invoke(
        main.cli,
        ["blueprint", "render", "-", "-a", "backup"],
        input=text,
        env={"KES_BLUEPRINT_RENDER_TIME": "2030-01-02T03:04:05Z"},
    )
    assert rendered(result)["phases"][0]["args"]["command"] == ["2030-01-02T03:04:05Z"]


TWO_PHASES = """apiVersion: cr.kanister.io/v1alpha1
kind: Blueprint
metadata: {name: two}
actions:
  backup:
    phases:
    - func: KubeTask
      name: first
      args: {image: busybox, command: ['{{ .Phases.first.Output.x }}']}
    - func: KubeTask
      name: second
      objects:
        cfg: {kind: ConfigMap, name: '{{ .Phases.first.Output.x }}', namespace: default}
      args: {image: busybox, command: ['{{ .Phases.first.Output.x }}']}
    - func: KubeTask
      name: third
      args: {image: busybox, command: ['{{ .Phases.first.Output.x }}']}
"""


def test_outputs_are_readable_by_later_phases_only() -> None:
    result = render("-", "-a", "backup", "--outputs", "first.x=1", stdin=TWO_PHASES)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        # Object refs are rendered before any phase runs, as Kanister's GetPhases does.
        "backup/second.objects.cfg: could not render object reference {cfg}: "
        'Failed to render template: "first" not found',
        # A phase's own output does not exist while its args are rendered.
        'backup/first.command: Failed to render template: "x" not found',
        "Error: 2 rendering problem(s).",
    ]
    fixed = TWO_PHASES.replace(
        "      objects:\n        cfg: {kind: ConfigMap, name: '{{ .Phases.first.Output.x }}', "
        "namespace: default}\n",
        "",
    ).replace(
        "name: first\n      args: {image: busybox, command: ['{{ .Phases.first.Output.x }}']}",
        "name: first\n      args: {image: busybox, command: [dump]}",
    )
    document = rendered(render("-", "-a", "backup", "--outputs", "first.x=1", stdin=fixed))
    assert [p["args"]["command"] for p in document["phases"]] == [["dump"], ["1"], ["1"]]


def test_the_example_blueprint_renders_for_its_actionset_object() -> None:
    example = Path(__file__).parents[3] / "examples" / "time-log"
    result = render(
        str(example / "blueprint.yaml"),
        "-a",
        "backup",
        "--object",
        "deployment/time-log/time-logger",
        "--pod",
        "time-logger-5d8c9-abcde:logger",
        "--profile-file",
        str(example / "repository.yaml"),
        "--secret-data",
        "restic.password=k3y",
        "--outputs",
        "backupToRepository.backupID=abcd1234",
        "--outputs",
        "backupToRepository.backupTag=tag",
    )
    document = rendered(result)
    (phase,) = document["phases"]
    assert phase["func"] == "BackupData"
    assert phase["args"]["pod"] == "time-logger-5d8c9-abcde"
    assert phase["args"]["backupArtifactPrefix"] == "/tmp/kes-time-log-repository/time-log"
    assert phase["args"]["encryptionKey"] == "***"
    assert document["outputArtifacts"] == {
        "timeLog": {"keyValue": {"path": "/tmp/kes-time-log-repository/time-log",
                                 "backupID": "abcd1234", "backupTag": "tag"}}
    }  # fmt: skip


def test_profile_with_a_secret_credential_reads_the_secret(tmp_path: Path) -> None:
    (tmp_path / "profile.yaml").write_text(
        "apiVersion: cr.kanister.io/v1alpha1\nkind: Profile\n"
        "metadata: {name: role-profile, namespace: kanister}\n"
        "location: {type: s3Compliant, bucket: b, region: eu-west-1}\n"
        "credential:\n  type: secret\n"
        "  secret: {apiVersion: v1, kind: Secret, name: s3-creds, namespace: kanister}\n"
    )
    text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ .Profile.Credential.Secret.Data.aws_access_key_id | toString }}'\n"
        "        - '{{ .Profile.Location.Region }}'\n"
    )
    args = ("-", "-a", "backup", "--secrets-file", SECRETS)
    result = render(*args, "--profile-file", str(tmp_path / "profile.yaml"), stdin=text)
    assert rendered(result)["phases"][0]["args"]["command"] == ["***", "eu-west-1"]


def test_defer_phase_output_from_the_params_file() -> None:
    result = render(*POSTGRES[:-2], "--params", "-", stdin="DeferPhase: {Output: {removed: yes}}\n")
    document = rendered(result)
    # YAML 1.1 reads `yes` as a boolean (as kubectl's sigs.k8s.io/yaml does); Go's %v prints it.
    assert document["outputArtifacts"]["pgBackup"]["keyValue"]["cleaned"] == "true"


def test_pvc_object_sets_pvc_params() -> None:
    text = inline(
        "        image: busybox\n        command: ['{{ .PVC.Namespace }}/{{ .PVC.Name }}']\n"
    )
    result = render("-", "-a", "backup", "--object", "pvc/apps/data-0", stdin=text)
    assert rendered(result)["phases"][0]["args"]["command"] == ["apps/data-0"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(
            ("--pod", "p-0"), "--pod and --pvc need --object (or --object-file)", id="no-object"
        ),
        pytest.param(
            ("--object", "pvc/apps/data-0", "--pod", "p-0"),
            "--pod applies to StatefulSets and Deployments, not 'pvc'",
            id="not-a-workload",
        ),
    ],
)
def test_pods_need_a_workload(extra: tuple[str, ...], message: str) -> None:
    text = inline("        image: busybox\n        command: [sh]\n")
    result = render("-", "-a", "backup", *extra, stdin=text)
    assert result.exit_code == 1
    assert message in result.stderr


@hypothesis.settings(max_examples=40, deadline=None)
@hypothesis.given(
    secret=st.text(
        alphabet=st.sampled_from(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+"
        ),
        min_size=4,
        max_size=24,
    )
)
def test_no_form_of_any_secret_reaches_the_output(secret: str) -> None:
    text = inline(
        "        image: busybox\n        command:\n"
        "        - '{{ index .Secrets.db.Data \"p\" | toString }}'\n"
        "        - '{{ index .Secrets.db.Data \"p\" | toString | b64enc }}'\n"
        "        - '{{ index .Secrets.db.Data \"p\" }}'\n"
        "        - '{{ index .Secrets.db.Data \"p\" | toString | quote | upper }}'\n"
    )
    result = render("-", "-a", "backup", "--secret-data", f"db.p={secret}", stdin=text)
    assert result.exit_code == 0, result.output
    command = rendered(result)["phases"][0]["args"]["command"]
    assert command[:3] == ["***", "***", "***"]
    # `upper` makes a new text the masker cannot know unless it is the same as the secret. The
    # rendered values are checked, not the whole output: a secret such as "args" is also a key.
    assert all(secret not in str(value) for value in command)
