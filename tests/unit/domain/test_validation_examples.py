"""Every example Blueprint passes validation against Kanister's function table (reference 1.2),
and the same examples broken in typical ways are caught."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from kes.domain import resources, validation

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kanister"
POD = ("podOverride", "podLabels", "podAnnotations")


@dataclasses.dataclass(frozen=True)
class Args:
    required_args: Sequence[str]
    optional_args: Sequence[str] = ()

    @property
    def all_args(self) -> Sequence[str]:
        return [*self.required_args, *self.optional_args]


# Required and optional args of the functions the examples use (reference section 1.2).
KANISTER_FUNCTIONS = {
    "KubeTask": Args(("image", "command"), ("namespace", *POD)),
    "KubeExec": Args(("namespace", "pod", "command"), ("container",)),
    "KubeExecAll": Args(("namespace", "pods", "containers", "command")),
    "ScaleWorkload": Args(("replicas",), ("namespace", "name", "kind", "waitForReady")),
    "KubeOps": Args(("operation",), ("spec", "namespace", "objectReference")),
    "WaitV2": Args(("timeout", "conditions")),
    "CreateCSISnapshot": Args(("pvc", "namespace", "snapshotClass"), ("name", "labels")),
    "RestoreCSISnapshot": Args(
        ("name", "pvc", "namespace", "storageClass", "restoreSize"),
        ("accessModes", "volumeMode", "labels"),
    ),
    "DeleteCSISnapshot": Args(("name", "namespace")),
    "LocationDelete": Args(("artifact",)),
}


def blueprints() -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for index, document in enumerate(resources.load_yaml_documents(path.read_text())):
            if document.get("kind") == "Blueprint":
                params.append(pytest.param(document, id=f"{path.stem}-{index}"))
    return params


def test_there_are_several_example_blueprints() -> None:
    assert len(blueprints()) >= 3


@pytest.mark.parametrize("document", blueprints())
def test_example_blueprints_are_valid(document: dict[str, Any]) -> None:
    blueprint = resources.parse_object(document)
    assert isinstance(blueprint, resources.Blueprint)
    assert validation.validate_blueprint(blueprint, functions=KANISTER_FUNCTIONS) == []


def load(name: str) -> dict[str, Any]:
    (document,) = resources.load_yaml_documents((FIXTURES / name).read_text())
    assert isinstance(document, dict)
    return document


def test_broken_example_reports_each_mistake() -> None:
    document = load("kes-start-stop-blueprint.yaml")
    backup = document["actions"]["backup"]
    del backup["phases"][2]["args"]["timeout"]  # WaitV2 without timeout
    backup["phases"][3]["func"] = "CreateCSISnapshots"  # misspelt function
    backup["deferPhase"]["args"]["podLabels"] = {"team": "storage"}  # KubeOps has no pod args
    document["actions"]["restore"]["phases"][0]["name"] = "stopApp"  # reused phase name
    blueprint = resources.parse_object(document)
    assert isinstance(blueprint, resources.Blueprint)
    assert validation.validate_blueprint(blueprint, functions=KANISTER_FUNCTIONS) == [
        "backup/waitForHelper.timeout: Required arg missing: timeout",
        "backup/snapshotVolume: Requested function {CreateCSISnapshots} has not been registered",
        "backup/deleteHelper.podLabels: argument podLabels is not supported",
        "restore/stopApp: Duplicated phase name is not allowed. Violating phase 'stopApp'",
    ]
