"""Kanister documents parse and dump back unchanged; bad ones give readable problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kes.domain import resources

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kanister"

# The docs show two examples as fragments; they become documents inside these envelopes.
ENVELOPES = {
    "blueprint-action-fragment.yaml": {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "Blueprint",
        "metadata": {"name": "example-blueprint"},
    },
    "actionset-spec-fragment.yaml": {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "example-actionset"},
    },
}


def kanister_documents() -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        documents = resources.load_yaml_documents(path.read_text())
        for index, document in enumerate(documents):
            if path.name in ENVELOPES:
                document = {**ENVELOPES[path.name], **document}
            if str(document.get("apiVersion", "")).startswith(resources.API_GROUP):
                params.append(pytest.param(document, id=f"{path.stem}-{index}"))
    return params


def test_fixtures_cover_every_kind() -> None:
    kinds = {param.values[0]["kind"] for param in kanister_documents()}
    assert kinds == set(resources.KINDS)


@pytest.mark.parametrize("document", kanister_documents())
def test_example_round_trips(document: dict[str, Any]) -> None:
    parsed = resources.parse_object(document)
    assert type(parsed).__name__ == document["kind"]
    assert parsed.model_dump(by_alias=True, exclude_unset=True) == document


@pytest.mark.parametrize("document", kanister_documents())
def test_example_round_trips_through_yaml_text(document: dict[str, Any]) -> None:
    import yaml

    parsed = resources.parse_document(yaml.safe_dump(document))
    assert resources.to_object(parsed) == document


def test_docs_blueprint_fields_are_reachable() -> None:
    text = (FIXTURES / "blueprint-action-fragment.yaml").read_text()
    blueprint = resources.parse_object(
        {**ENVELOPES["blueprint-action-fragment.yaml"], **resources.load_yaml_documents(text)[0]}
    )
    assert isinstance(blueprint, resources.Blueprint)
    phase = blueprint.actions["example-action"].phases[0]
    assert (phase.func, phase.name) == ("KubeExec", "examplePhase")
    assert phase.args["pod"] == "{{ index .Deployment.Pods 0 }}"
    assert phase.args["command"][2] == 'echo "Example Action"\n'


def test_profile_top_level_fields_and_aliases() -> None:
    text = (FIXTURES / "profile-with-secret.yaml").read_text().split("---")[0]
    profile = resources.parse_documents(text)[0]
    assert isinstance(profile, resources.Profile)
    assert profile.skip_ssl_verify is True
    assert profile.credential.key_pair is not None
    assert profile.credential.key_pair.id_field == "example_key_id"
    assert profile.location.prefix == ""


def test_kopia_server_secret_keeps_unknown_fields() -> None:
    profile = resources.parse_documents((FIXTURES / "kes-profile-kopia.yaml").read_text())[0]
    dumped = resources.to_object(profile)
    secret = dumped["credential"]["kopiaServerSecret"]
    assert secret["futureOption"] == "kept-because-kanister-preserves-it"


def test_unknown_fields_are_pruned_where_kanister_prunes_them() -> None:
    actionset = resources.parse_object(
        {"kind": "ActionSet", "spec": {"actions": [{"name": "backup", "colour": "red"}]}}
    )
    assert resources.to_object(actionset) == {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "spec": {"actions": [{"name": "backup"}]},
    }


def test_free_form_fields_keep_everything() -> None:
    args = {"command": ["sh"], "nested": {"deep": [1, {"x": None}]}, "flag": True}
    blueprint = resources.parse_object(
        {"kind": "Blueprint", "actions": {"a": {"phases": [{"func": "KubeTask", "args": args}]}}}
    )
    assert resources.to_object(blueprint)["actions"]["a"]["phases"][0]["args"] == args


def test_populate_by_python_name() -> None:
    spec = resources.ActionSpec(name="backup", blueprint="bp", pod_labels={"a": "b"})
    assert spec.model_dump(by_alias=True, exclude_unset=True) == {
        "name": "backup",
        "blueprint": "bp",
        "podLabels": {"a": "b"},
    }


def test_timestamps_stay_strings() -> None:
    actionset = resources.parse_document(
        "kind: ActionSet\nmetadata:\n  creationTimestamp: 2024-05-01T10:00:00Z\n"
        "status:\n  progress:\n    lastTransitionTime: 2024-05-01T10:00:09Z\n"
    )
    assert isinstance(actionset, resources.ActionSet)
    assert actionset.metadata.creation_timestamp == "2024-05-01T10:00:00Z"
    assert actionset.status is not None and actionset.status.progress is not None
    assert actionset.status.progress.last_transition_time == "2024-05-01T10:00:09Z"


def test_blueprint_phases_of_appends_defer_phase() -> None:
    blueprint = resources.parse_document((FIXTURES / "kes-time-log-blueprint.yaml").read_text())
    assert isinstance(blueprint, resources.Blueprint)
    assert [p.name for p in blueprint.phases_of("backup")] == ["backupToS3", "annotate", "cleanup"]
    assert [p.name for p in blueprint.phases_of("restore")] == [
        "shutdownPod",
        "restoreFromS3",
        "bringupPod",
    ]


def problems_of(text: str) -> list[str]:
    with pytest.raises(resources.ResourceError) as caught:
        resources.parse_document(text)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "a: [",
            ["line 1, column 5: invalid YAML: expected the node content, but found '<stream end>'"],
            id="bad-yaml",
        ),
        pytest.param(
            "kind: Blueprint\nkind: Blueprint\n",
            ["line 2, column 1: invalid YAML: duplicate key 'kind'"],
            id="duplicate-key",
        ),
        pytest.param("", ["the document is empty"], id="empty"),
        pytest.param(
            "? [a, b]\n: c\n",
            ["line 1, column 3: invalid YAML: a mapping key must be a scalar"],
            id="complex-key",
        ),
        pytest.param(
            "kind: Blueprint\nactions: !!python/object:os.system {}\n",
            [
                "line 2, column 10: invalid YAML: could not determine a constructor for the tag "
                "'tag:yaml.org,2002:python/object:os.system'"
            ],
            id="python-tag-refused",
        ),
        pytest.param(
            "kind: Blueprint\n---\nkind: Profile\n",
            ["expected one document, found 2"],
            id="two-documents",
        ),
        pytest.param(
            "- 1\n", ["expected a mapping with apiVersion and kind, got a list"], id="not-a-mapping"
        ),
        pytest.param(
            "kind: Deployment\n",
            [
                "kind: expected one of Blueprint, ActionSet, Profile, "
                'RepositoryServer, got "Deployment"'
            ],
            id="wrong-kind",
        ),
        pytest.param(
            "metadata: {}\n",
            ["kind: expected one of Blueprint, ActionSet, Profile, RepositoryServer, got nothing"],
            id="no-kind",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Profile\n",
            ['apiVersion: expected "cr.kanister.io/v1alpha1", got "v1"'],
            id="api-version",
        ),
        pytest.param(
            "kind: ActionSet\nspec:\n  actions:\n  - name: backup\n    object: []\n"
            "    options: {count: 3}\n    podOverride: 3\n",
            [
                "spec.actions[0].object: Input should be a valid dictionary (got a list)",
                "spec.actions[0].options.count: Input should be a valid string (got an integer)",
                "spec.actions[0].podOverride: Input should be a valid dictionary (got an integer)",
            ],
            id="actionset-shapes",
        ),
        pytest.param(
            "kind: Blueprint\nactions:\n  backup:\n    phases:\n      func: KubeTask\n",
            ["actions.backup.phases: Input should be a valid list (got a mapping)"],
            id="phases-not-a-list",
        ),
        pytest.param(
            "kind: RepositoryServer\nspec:\n  storage: {}\n  repository: {rootPath: /r}\n",
            [
                "spec.storage.secretRef: Field required",
                "spec.storage.credentialSecretRef: Field required",
                "spec.repository.passwordSecretRef: Field required",
                "spec.server: Field required",
            ],
            id="repositoryserver-required",
        ),
        pytest.param(
            "kind: Profile\nskipSSLVerify: maybe\n",
            [
                "skipSSLVerify: Input should be a valid boolean, unable to interpret input "
                "(got a string)"
            ],
            id="profile-bool",
        ),
    ],
)
def test_readable_problems(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_problems_never_quote_the_value() -> None:
    problems = problems_of(
        "kind: ActionSet\nspec:\n  actions:\n  - options:\n      password: [hunter2-secret]\n"
    )
    assert problems == [
        "spec.actions[0].options.password: Input should be a valid string (got a list)"
    ]
    assert "hunter2" not in "\n".join(problems)


def test_parse_documents_names_the_document() -> None:
    with pytest.raises(resources.ResourceError) as caught:
        resources.parse_documents("kind: Blueprint\n---\nkind: Profile\nlocation: 3\n")
    assert caught.value.problems == [
        "document 2: location: Input should be a valid dictionary (got an integer)"
    ]


def test_to_object_always_names_the_kind() -> None:
    assert resources.to_object(resources.Blueprint()) == {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "Blueprint",
    }


def test_unknown_fields_names_every_dropped_field() -> None:
    document = {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "x", "whatever": 1},
        "spec": {
            "actions": [
                {"name": "a", "blueprnt": "bp", "podOverride": {"free": 1}},
                {"name": "b", "object": {"knd": "Deployment"}},
            ]
        },
    }
    assert resources.unknown_fields(document) == [
        "spec.actions[0].blueprnt",
        "spec.actions[1].object.knd",
    ]


@pytest.mark.parametrize("document", kanister_documents())
def test_examples_have_no_unknown_fields(document: dict[str, Any]) -> None:
    assert resources.unknown_fields(document) == []


def test_yaml_keys_become_strings_as_kubectl_makes_them() -> None:
    actionset = resources.parse_document(
        "kind: ActionSet\nspec:\n  actions:\n  - options: {1: a, on: b, 2.5: c, null: d}\n"
    )
    assert isinstance(actionset, resources.ActionSet) and actionset.spec is not None
    assert actionset.spec.actions[0].options == {"1": "a", "true": "b", "2.5": "c", "null": "d"}


def test_non_string_keys_of_api_objects_name_the_key() -> None:
    with pytest.raises(resources.ResourceError) as caught:
        resources.parse_object({"kind": "Blueprint", "actions": {1: {}}})
    assert caught.value.problems == ["actions.1: Key should be a valid string (got an integer)"]


def test_metadata_fields_are_typed() -> None:
    assert problems_of("kind: ActionSet\nmetadata: {generation: x}\n") == [
        "metadata.generation: Input should be a valid integer, unable to parse string as an "
        "integer (got a string)"
    ]


def test_resource_modules_stay_pure() -> None:
    # The models, rules and CRD generator are pure: no cluster client, no CLI, no store.
    import ast
    import sys

    domain = Path(resources.__file__).parent
    allowed = {"pydantic", "yaml", "kes", *sys.stdlib_module_names}
    owned = [*domain.glob("resources*.py"), domain / "validation.py", domain / "crds.py"]
    for path in owned:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
                if name.startswith("kes"):
                    assert name.startswith("kes.domain"), f"{path.name} imports {name}"


def test_go_nulls_read_as_unset_fields() -> None:
    document = {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "x", "creationTimestamp": None},
        "spec": {
            "actions": [
                {
                    "name": "a",
                    "profile": None,
                    "options": None,
                    "secrets": None,
                    "configMaps": None,
                    "podOverride": None,
                    "artifacts": None,
                    "object": {"kind": "Deployment", "name": "app"},
                }
            ]
        },
        "status": None,
    }
    parsed = resources.parse_object(document)
    assert isinstance(parsed, resources.ActionSet) and parsed.spec is not None
    assert parsed.spec.actions[0].options == {}
    assert parsed.spec.actions[0].profile is None
    assert resources.to_object(parsed) == {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "x"},
        "spec": {"actions": [{"name": "a", "object": {"kind": "Deployment", "name": "app"}}]},
    }
    assert resources.unknown_fields(document) == []


def test_nulls_inside_free_form_args_are_kept() -> None:
    args = {"command": ["sh"], "env": None, "nested": {"x": None}}
    blueprint = resources.parse_object(
        {"kind": "Blueprint", "actions": {"a": {"phases": [{"func": "KubeTask", "args": args}]}}}
    )
    assert resources.to_object(blueprint)["actions"]["a"]["phases"][0]["args"] == args


def test_json_text_parses_like_yaml() -> None:
    text = '{"apiVersion": "cr.kanister.io/v1alpha1", "kind": "Profile", "skipSSLVerify": true}'
    profile = resources.parse_document(text)
    assert isinstance(profile, resources.Profile)
    assert profile.skip_ssl_verify is True


def test_absurd_nesting_is_a_problem_not_a_traceback() -> None:
    assert problems_of("a: " + "[" * 1000 + "]" * 1000) == ["the document is nested too deeply"]
