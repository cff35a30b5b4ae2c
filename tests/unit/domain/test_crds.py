"""The generated CRDs: in sync with deploy/crds, structural, Kanister's names and columns, and
accepting every Kanister example document."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kes.cli import main
from kes.domain import crds, resources

ROOT = Path(__file__).parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "kanister"
ENVELOPES = {
    "blueprint-action-fragment.yaml": {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "Blueprint",
        "metadata": {"name": "bp"},
    },
    "actionset-spec-fragment.yaml": {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "as"},
    },
}
PRESERVE = crds.PRESERVE_UNKNOWN


def crd_of(kind: str) -> dict[str, Any]:
    (found,) = [c for c in crds.crd_documents() if c["spec"]["names"]["kind"] == kind]
    return found


def schema_of(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = crd_of(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


# --- a small structural-schema checker: what the API server would reject or prune -----------


def check(value: Any, schema: dict[str, Any], path: str = "") -> tuple[list[str], list[str]]:
    """(errors, pruned paths) of `value` against a structural schema."""
    errors: list[str] = []
    pruned: list[str] = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if value is None:
        errors.append(f"{path}: null")
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected integer")
    elif kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected number")
    elif kind in types and not isinstance(value, types[kind]):
        errors.append(f"{path}: expected {kind}")
    elif isinstance(value, dict) and kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}.{name}: required")
        properties = schema.get("properties", {})
        for key, item in value.items():
            child = f"{path}.{key}"
            if key in properties:
                sub_errors, sub_pruned = check(item, properties[key], child)
            elif "additionalProperties" in schema:
                sub_errors, sub_pruned = check(item, schema["additionalProperties"], child)
            elif schema.get(PRESERVE) or path == ".metadata":
                # The API server owns metadata and never prunes it by the CRD's schema.
                continue
            else:
                pruned.append(child)
                continue
            errors += sub_errors
            pruned += sub_pruned
    elif isinstance(value, list) and kind == "array":
        for index, item in enumerate(value):
            sub_errors, sub_pruned = check(item, schema["items"], f"{path}[{index}]")
            errors += sub_errors
            pruned += sub_pruned
    return errors, pruned


def structural_violations(schema: dict[str, Any], path: str = "") -> list[str]:
    """Rules of a structural schema (apiextensions v1) that our generator must keep."""
    problems = []
    for forbidden in ("$ref", "anyOf", "oneOf", "allOf", "not", "definitions", "$defs"):
        if forbidden in schema:
            problems.append(f"{path}: {forbidden}")
    if "type" not in schema and not schema.get(PRESERVE):
        problems.append(f"{path}: no type")
    if "properties" in schema and "additionalProperties" in schema:
        problems.append(f"{path}: properties and additionalProperties")
    if ("properties" in schema or "additionalProperties" in schema) and schema["type"] != "object":
        problems.append(f"{path}: properties on a non-object")
    if schema.get("type") == "array" and "items" not in schema:
        problems.append(f"{path}: array without items")
    for name in schema.get("required", []):
        if name not in schema.get("properties", {}):
            problems.append(f"{path}: required {name} is not a property")
    for name, sub in schema.get("properties", {}).items():
        problems += structural_violations(sub, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        problems += structural_violations(schema["additionalProperties"], f"{path}.*")
    if "items" in schema:
        problems += structural_violations(schema["items"], f"{path}[]")
    return problems


def kanister_documents() -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for index, document in enumerate(resources.load_yaml_documents(path.read_text())):
            document = {**ENVELOPES.get(path.name, {}), **document}
            if str(document.get("apiVersion", "")).startswith(resources.API_GROUP):
                params.append(pytest.param(document, id=f"{path.stem}-{index}"))
    return params


# --- the checked-in files and the command ---------------------------------------------------


def test_checked_in_crds_equal_generated() -> None:
    directory = ROOT / "deploy" / "crds"
    expected = {crds.file_name(crd): crds.render(crd) for crd in crds.crd_documents()}
    actual = {path.name: path.read_text() for path in directory.glob("*.yaml")}
    assert actual.keys() == expected.keys(), "run `kes crds --output-dir deploy/crds`"
    for name, text in expected.items():
        assert actual[name] == text, f"deploy/crds/{name} is stale: run `kes crds --output-dir`"


def test_kes_crds_prints_the_four_crds() -> None:
    result = CliRunner().invoke(main.cli, ["crds"])
    assert result.exit_code == 0, result.output
    assert result.output == crds.render_all()
    documents = list(yaml.safe_load_all(result.output))
    assert [d["metadata"]["name"] for d in documents] == [
        "actionsets.cr.kanister.io",
        "blueprints.cr.kanister.io",
        "profiles.cr.kanister.io",
        "repositoryservers.cr.kanister.io",
    ]


def test_kes_crds_writes_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main.cli, ["crds", "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [
        "actionsets.yaml",
        "blueprints.yaml",
        "profiles.yaml",
        "repositoryservers.yaml",
    ]
    assert (tmp_path / "out" / "profiles.yaml").read_text() == crds.render(crd_of("Profile"))


# --- shape of the CRDs ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(resources.KINDS))
def test_schemas_are_structural(kind: str) -> None:
    assert structural_violations(schema_of(kind)) == []


@pytest.mark.parametrize("kind", list(resources.KINDS))
def test_names_group_and_scope(kind: str) -> None:
    spec = crd_of(kind)["spec"]
    assert spec["group"] == "cr.kanister.io"
    assert spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == kind
    assert spec["names"]["listKind"] == f"{kind}List"
    assert spec["names"]["singular"] == kind.lower()
    assert spec["names"]["plural"] == f"{kind.lower()}s"
    assert crd_of(kind)["metadata"]["name"] == f"{kind.lower()}s.cr.kanister.io"
    (version,) = spec["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)
    assert schema_of(kind)["properties"]["metadata"] == {"type": "object"}


def test_short_names_are_unique_and_avoid_builtins() -> None:
    short = [n for c in crds.crd_documents() for n in c["spec"]["names"]["shortNames"]]
    assert len(short) == len(set(short)) == 4
    assert not set(short) & {"rs", "sa", "svc", "po", "pv", "pvc", "cm", "ds", "deploy", "sts"}


@pytest.mark.parametrize(
    ("kind", "has_status"),
    [("ActionSet", True), ("RepositoryServer", True), ("Blueprint", False), ("Profile", False)],
)
def test_status_subresource(kind: str, has_status: bool) -> None:
    version = crd_of(kind)["spec"]["versions"][0]
    assert ("subresources" in version) is has_status
    assert ("status" in schema_of(kind)["properties"]) is has_status
    if has_status:
        assert version["subresources"] == {"status": {}}


def test_actionset_printer_columns_are_kanisters() -> None:
    columns = crd_of("ActionSet")["spec"]["versions"][0]["additionalPrinterColumns"]
    assert [(c["name"], c["type"], c["jsonPath"]) for c in columns] == [
        ("Progress", "string", ".status.progress.percentCompleted"),
        ("SizeDownloadedB", "integer", ".status.progress.sizeDownloadedB"),
        ("SizeUploadedB", "integer", ".status.progress.sizeUploadedB"),
        ("EstimatedDownloadSizeB", "integer", ".status.progress.estimatedDownloadSizeB"),
        ("EstimatedUploadSizeB", "integer", ".status.progress.estimatedUploadSizeB"),
        ("Running Phase", "string", ".status.progress.runningPhase"),
        ("Last Transition Time", "string", ".status.progress.lastTransitionTime"),
        ("State", "string", ".status.state"),
    ]
    for column in columns:
        node = schema_of("ActionSet")
        for part in column["jsonPath"].split(".")[1:]:
            node = node["properties"][part]
        assert node["type"] == column["type"], column["name"]


@pytest.mark.parametrize("kind", ["Blueprint", "Profile", "RepositoryServer"])
def test_no_printer_columns_where_kanister_has_none(kind: str) -> None:
    assert "additionalPrinterColumns" not in crd_of(kind)["spec"]["versions"][0]


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("Blueprint", "actions.*.phases[].args"),
        ("Blueprint", "actions.*.deferPhase.args"),
        ("ActionSet", "spec.actions[].podOverride"),
        ("ActionSet", "status.actions[].phases[].output"),
        ("ActionSet", "status.actions[].deferPhase.output"),
        ("Profile", "credential.kopiaServerSecret"),
        ("Profile", "credential.kopiaServerSecret.userPassphrase"),
    ],
)
def test_free_form_parts_preserve_unknown_fields(kind: str, path: str) -> None:
    node = schema_of(kind)
    for part in path.replace("[]", ".[]").split("."):
        node = {"*": node.get("additionalProperties"), "[]": node.get("items")}.get(part) or node[
            "properties"
        ][part]
    assert node[PRESERVE] is True
    assert node["type"] == "object"


def test_repositoryserver_requires_what_kanister_requires() -> None:
    spec = schema_of("RepositoryServer")["properties"]["spec"]
    assert spec["required"] == ["storage", "repository", "server"]
    assert spec["properties"]["repository"]["required"] == ["rootPath", "passwordSecretRef"]
    assert spec["properties"]["server"]["required"] == [
        "userAccess",
        "adminSecretRef",
        "tlsSecretRef",
    ]
    assert spec["properties"]["storage"]["required"] == ["secretRef", "credentialSecretRef"]


# --- examples against the schema -------------------------------------------------------------


@pytest.mark.parametrize("document", kanister_documents())
def test_every_example_is_accepted_unpruned(document: dict[str, Any]) -> None:
    errors, pruned = check(document, schema_of(document["kind"]))
    assert errors == []
    assert pruned == []


def test_checker_rejects_wrong_types_and_missing_required() -> None:
    document = {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "RepositoryServer",
        "spec": {"storage": {"secretRef": "x"}},
    }
    errors, _ = check(document, schema_of("RepositoryServer"))
    assert errors == [
        ".spec.repository: required",
        ".spec.server: required",
        ".spec.storage.credentialSecretRef: required",
        ".spec.storage.secretRef: expected object",
    ]


def test_schema_prunes_exactly_what_the_models_drop() -> None:
    document = {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": "x", "anything": {"kept": True}},
        "spec": {
            "colour": 1,
            "actions": [
                {
                    "name": "a",
                    "bogus": 2,
                    "podOverride": {"x": [1]},
                    "object": {"kind": "Deployment", "extra": "y"},
                }
            ],
        },
        "status": {
            "state": "running",
            "actions": [{"phases": [{"output": {"k": {"v": 1}}, "junk": 3}]}],
        },
    }
    _, pruned = check(document, schema_of("ActionSet"))
    assert sorted(pruned) == [
        ".spec.actions[0].bogus",
        ".spec.actions[0].object.extra",
        ".spec.colour",
        ".status.actions[0].phases[0].junk",
    ]
    kept = resources.to_object(resources.parse_object(document))
    assert check(kept, schema_of("ActionSet")) == ([], [])
    assert kept["metadata"] == document["metadata"]
    assert kept["spec"]["actions"][0]["podOverride"] == {"x": [1]}
    assert "bogus" not in kept["spec"]["actions"][0]


@dataclasses.dataclass(frozen=True)
class _Body:
    """What the client's deserializer reads from an HTTP response."""

    data: str


@pytest.mark.parametrize("kind", list(resources.KINDS))
def test_crd_uses_only_apiextensions_fields(kind: str) -> None:
    # The official client's model of a CRD knows every apiextensions/v1 field; a document that
    # survives its deserialize/serialize round trip unchanged has no misspelt or invented field.
    from kubernetes import client

    api = client.ApiClient()
    try:
        crd = crd_of(kind)
        model = api.deserialize(_Body(json.dumps(crd)), "V1CustomResourceDefinition")
        assert api.sanitize_for_serialization(model) == crd
    finally:
        api.close()


def test_repositoryserver_immutability_rules_are_kanisters() -> None:
    spec = schema_of("RepositoryServer")["properties"]["spec"]["properties"]
    immutable = [{"message": "Value is immutable", "rule": "self == oldSelf"}]
    assert spec["storage"]["properties"]["secretRef"]["x-kubernetes-validations"] == immutable
    assert spec["repository"]["properties"]["rootPath"]["x-kubernetes-validations"] == immutable
    for ref in ("adminSecretRef", "tlsSecretRef"):
        assert spec["server"]["properties"][ref]["x-kubernetes-validations"] == immutable
    assert "x-kubernetes-validations" not in spec["storage"]["properties"]["credentialSecretRef"]
    assert spec["repository"]["x-kubernetes-validations"] == [
        {
            "message": "rootPath field must not be allowed to be removed",
            "rule": "!has(oldSelf.rootPath) || has(self.rootPath)",
        }
    ]
    assert [r["rule"] for r in spec["server"]["x-kubernetes-validations"]] == [
        "!has(oldSelf.adminSecretRef) || has(self.adminSecretRef)",
        "!has(oldSelf.tlsSecretRef) || has(self.tlsSecretRef)",
    ]
    assert [r["rule"] for r in spec["storage"]["x-kubernetes-validations"]] == [
        "!has(oldSelf.secretRef) || has(self.secretRef)"
    ]
