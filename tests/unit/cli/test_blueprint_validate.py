"""`kes blueprint validate` over realistic and broken fixture Blueprints: messages, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kes.cli import blueprint, main
from kes.domain import resources

FIXTURES = Path(__file__).parents[2] / "fixtures" / "blueprints"
GOOD = ("mysql-blueprint.yaml", "postgres-blueprint.yaml", "time-log-blueprint.yaml")


def validate(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main.cli, ["blueprint", "validate", *args], input=stdin)


def stdout_lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


@pytest.mark.parametrize("name", GOOD)
def test_realistic_blueprints_pass_with_one_line_per_phase(name: str) -> None:
    result = validate(str(FIXTURES / name))
    assert result.exit_code == 0, result.output
    found = resources.parse_document((FIXTURES / name).read_text())
    assert isinstance(found, resources.Blueprint)
    expected: list[str] = []
    for action_name, action in found.actions.items():
        ordered = [*([action.defer_phase] if action.defer_phase else []), *action.phases]
        expected.extend(
            f"Passed the 'validation of phase {phase.name} in action {action_name}' check.. ✅"
            for phase in ordered
        )
    assert stdout_lines(result) == expected
    assert result.stderr == ""


def test_deferphase_is_checked_before_the_phases_as_in_kanister() -> None:
    result = validate(str(FIXTURES / "postgres-blueprint.yaml"))
    assert stdout_lines(result)[:2] == [
        "Passed the 'validation of phase removeScratch in action backup' check.. ✅",
        "Passed the 'validation of phase pgDump in action backup' check.. ✅",
    ]


def test_function_mistakes_are_reported_per_phase_and_arg() -> None:
    result = validate(str(FIXTURES / "broken-functions.yaml"))
    assert result.exit_code == 1
    lines = stdout_lines(result)
    unknown = "backup/misspeltFunction: Requested function {KubeTasks} has not been registered"
    assert unknown in lines
    assert "backup/missingImage.image: Required arg missing: image" in lines
    assert "backup/extraArg.image: argument image is not supported" in lines
    assert "Failed the 'validation of phase extraArg in action backup' check.. ❌" in lines
    # Functions kes does not run yet are still known by their Kanister argument lists.
    assert "Passed the 'validation of phase notRunByKesYet in action backup' check.. ✅" in lines
    assert result.stderr.strip() == "Error: 3 problems found."


def test_pod_labels_and_annotations_are_checked_unrendered() -> None:
    result = validate(str(FIXTURES / "broken-pod-metadata.yaml"))
    assert result.exit_code == 1
    lines = stdout_lines(result)
    problems = [line for line in lines if line.startswith("backup/")]
    assert [p.split(": ", 1)[0] for p in problems] == [
        "backup/badLabelKey.podLabels",
        "backup/templatedLabelValue.podLabels",
        "backup/badAnnotationKey.podAnnotations",
        "backup/labelsNotAMap.podLabels",
    ]
    assert problems[0].startswith(
        "backup/badLabelKey.podLabels: label key 'key$' failed validation. [name part must "
    )
    assert problems[1].startswith(
        "backup/templatedLabelValue.podLabels: label value '{{ .StatefulSet.Name }}' failed "
        "validation. [a valid label must be an empty string"
    )
    assert problems[2] == (
        "backup/badAnnotationKey.podAnnotations: annotation key '/nameless' failed validation. "
        "[prefix part must be non-empty]"
    )
    assert problems[3] == "backup/labelsNotAMap.podLabels: labels must be a map of strings"


def test_phase_names_must_be_unique_across_actions_and_defer_phases() -> None:
    result = validate(str(FIXTURES / "broken-duplicate-phases.yaml"))
    assert result.exit_code == 1
    lines = stdout_lines(result)
    assert "restore/dump: Duplicated phase name is not allowed. Violating phase 'dump'" in lines
    assert (
        "restore/cleanup: Duplicated phase name is not allowed. Violating phase 'cleanup'" in lines
    )
    assert "Passed the 'validation of phase dump in action backup' check.. ✅" in lines
    assert "Failed the 'validation of phase dump in action restore' check.. ❌" in lines


def test_every_template_is_parsed_values_keys_objects_and_artifacts() -> None:
    result = validate(str(FIXTURES / "broken-templates.yaml"))
    assert result.exit_code == 1
    problems = [line for line in stdout_lines(result) if line.startswith("backup/")]
    assert sorted(problems) == sorted(
        [
            'backup/dump.command: template: config:1: function "fromJson" not defined',
            'backup/dump.podOverride: template: config:1: unexpected "}" in operand',
            "backup/dump.objects.creds: template: config:1: unexpected EOF",
            'backup/outputArtifacts.dump: template: config:1: unexpected "}" in operand',
        ]
    )
    # A trailing pipe parses in Go's text/template, so `namespace` is not a problem.
    assert not any(p.startswith("backup/dump.namespace") for p in problems)


def test_malformed_yaml_is_a_message_not_a_traceback() -> None:
    result = validate(str(FIXTURES / "broken-yaml.yaml"))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "line 10, column 11: invalid YAML:" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_wrong_shape_lists_each_problem_with_its_path() -> None:
    result = validate(str(FIXTURES / "broken-shape.yaml"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "actions.backup.phases: Input should be a valid list (got a mapping)",
        "actions.restore.phases[0].args: Input should be a valid dictionary (got a list)",
        "Error: the input is not a valid Blueprint.",
    ]


def test_stdin_is_read_with_a_dash() -> None:
    text = (FIXTURES / "mysql-blueprint.yaml").read_text()
    result = validate("-", stdin=text)
    assert result.exit_code == 0
    assert len(stdout_lines(result)) == 3


def test_several_documents_prefix_problems_with_the_blueprint_name() -> None:
    text = "\n---\n".join(
        (FIXTURES / name).read_text() for name in ("mysql-blueprint.yaml", "broken-functions.yaml")
    )
    result = validate("-", stdin=text)
    assert result.exit_code == 1
    assert (
        "broken-functions: backup/missingImage.image: Required arg missing: image"
        in stdout_lines(result)
    )
    assert "Passed the 'validation of phase dumpToObjectStore in action backup' check.. ✅" in (
        stdout_lines(result)
    )


def test_other_kinds_are_skipped_with_a_note() -> None:
    profile = (FIXTURES / "profile.yaml").read_text()
    text = profile + "\n---\n" + (FIXTURES / "time-log-blueprint.yaml").read_text()
    result = validate("-", stdin=text)
    assert result.exit_code == 0
    assert 'Skipping document 1 (Profile "s3-profile"): not a Blueprint.' in result.stderr


def test_input_without_a_blueprint_fails() -> None:
    result = validate("-", stdin=(FIXTURES / "profile.yaml").read_text())
    assert result.exit_code == 1
    assert "Error: the input holds no Blueprint." in result.stderr


def test_empty_input_fails() -> None:
    result = validate("-", stdin="")
    assert result.exit_code == 1
    assert "Error: the input holds no Blueprint." in result.stderr


def test_a_non_mapping_document_is_a_problem() -> None:
    result = validate("-", stdin="- just\n- a list\n")
    assert result.exit_code == 1
    assert "expected a mapping with apiVersion and kind, got a list" in result.stderr


def test_unknown_fields_warn_and_fail_only_when_strict() -> None:
    text = (
        (FIXTURES / "time-log-blueprint.yaml")
        .read_text()
        .replace("    configMapNames:", "    configMapNamez:", 1)
    )
    lenient = validate("-", stdin=text)
    assert lenient.exit_code == 0
    assert (
        "Warning: time-log-bp: unknown field 'actions.backup.configMapNamez' (Kanister drops it)."
        in lenient.stderr
    )
    strict = validate("--strict", "-", stdin=text)
    assert strict.exit_code == 1
    assert "unknown field 'actions.backup.configMapNamez' (Kanister drops it)" in strict.stdout


def test_function_version_falls_back_to_the_default_as_kanctl_does() -> None:
    result = validate("-v", "v1.0.0-alpha", str(FIXTURES / "mysql-blueprint.yaml"))
    assert result.exit_code == 0, result.output


def test_an_invalid_function_version_is_refused() -> None:
    result = validate("--function-version", "not-a-version", str(FIXTURES / "mysql-blueprint.yaml"))
    assert result.exit_code == 1
    assert (
        "Error: Failed to parse phase version not-a-version: Invalid Semantic Version."
        in result.stderr
    )


def test_a_missing_file_is_a_usage_error() -> None:
    result = validate(str(FIXTURES / "no-such-file.yaml"))
    assert result.exit_code == 2
    assert "No such file or directory" in result.stderr


def test_check_blueprint_is_callable_without_the_cli() -> None:
    found = resources.parse_document((FIXTURES / "broken-functions.yaml").read_text())
    assert isinstance(found, resources.Blueprint)
    assert blueprint.check_blueprint(found) == [
        "backup/misspeltFunction: Requested function {KubeTasks} has not been registered",
        "backup/missingImage.image: Required arg missing: image",
        "backup/extraArg.image: argument image is not supported",
    ]


ROOT = Path(__file__).parents[3]


def committed_blueprints() -> list[Path]:
    found = []
    for folder in (ROOT / "examples", ROOT / "tests" / "fixtures" / "kanister", FIXTURES):
        for path in sorted(folder.rglob("*.yaml")):
            if path.name.startswith("broken-"):
                continue
            documents = resources.load_yaml_documents(path.read_text())
            if any(isinstance(d, dict) and d.get("kind") == "Blueprint" for d in documents):
                found.append(path)
    return found


def test_there_are_committed_blueprints_to_check() -> None:
    assert len(committed_blueprints()) >= 6


@pytest.mark.parametrize("path", committed_blueprints(), ids=lambda p: p.stem)
def test_every_committed_blueprint_validates(path: Path) -> None:
    result = validate(str(path))
    assert result.exit_code == 0, result.output
    assert all(line.endswith("check.. ✅") for line in stdout_lines(result))
