"""The Blueprint webhook's answers: Kanister's checks in `validate.Do`'s order, errkit's JSON,
controller-runtime's AdmissionReview shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kes.controller import admission

FIXTURES = Path(__file__).parents[2] / "fixtures"


def _mysql() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (FIXTURES / "kanister" / "kes-mysql-blueprint.yaml").read_text())
    return document


def _message(document: dict[str, Any]) -> str:
    decided = admission.decide(document)
    assert decided["allowed"] is False
    assert decided["status"]["code"] == 403 and decided["status"]["reason"] == "Forbidden"
    message = str(decided["status"]["message"])
    assert message.startswith("Invalid blueprint, ") and message.endswith("\n")
    return message[len("Invalid blueprint, "):-1]


def test_valid_blueprint_is_allowed_with_code_200() -> None:
    assert admission.decide(_mysql()) == {
        "allowed": True, "status": {"metadata": {}, "code": 200}}


@pytest.mark.parametrize(("name", "phase"), [
    pytest.param("rds-postgres-blueprint.yaml", "restoreSnapshots", id="rds-postgres"),
    pytest.param("elasticsearch-incremental-blueprint.yaml", "setupNodeKeyStore",
                 id="elasticsearch-incremental"),
])
def test_kanisters_examples_with_a_reused_phase_name(name: str, phase: str) -> None:
    document = yaml.safe_load((FIXTURES / "webhook" / name).read_text())
    assert json.loads(_message(document)) == {
        "message": "Failed to validate: Duplicated phase name is not allowed. "
                   f"Violating phase '{phase}'"}


def test_unregistered_function_is_wrapped_per_action() -> None:
    document = _mysql()
    document["actions"]["backup"]["phases"][0]["func"] = "KubeTaks"
    assert json.loads(_message(document)) == {
        "message": "Failed to validate action backup",
        "cause": {"message": "Requested function {KubeTaks} has not been registered"}}


def test_missing_and_unsupported_args_are_wrapped_per_phase() -> None:
    document = _mysql()
    del document["actions"]["backup"]["phases"][0]["args"]["image"]
    assert json.loads(_message(document)) == {
        "message": "Failed to validate phase dumpToObjectStore in action backup",
        "cause": {"message": "Required arg missing: image"}}
    document = _mysql()
    document["actions"]["backup"]["phases"][0]["args"]["imagePullPolicy"] = "Always"
    assert json.loads(_message(document))["cause"] == {
        "message": "argument imagePullPolicy is not supported"}


def test_pod_labels_carry_the_function_name_as_a_detail() -> None:
    document = _mysql()
    document["actions"]["backup"]["phases"][0]["args"]["podLabels"] = {"team/a/b": "x"}
    error = json.loads(_message(document))
    assert error["cause"]["message"] == (
        "Kanister function validation failed, while validating labels")
    assert error["cause"]["details"] == {"funcName": "KubeTask"}
    assert error["cause"]["cause"]["message"].startswith("label key 'team/a/b' failed validation.")
    document["actions"]["backup"]["phases"][0]["args"]["podLabels"] = "team=a"
    assert json.loads(_message(document))["cause"]["message"] == (
        "Kanister function validation failed, while getting pod labels from function args")


def test_function_checks_come_before_the_duplicate_names() -> None:
    document = _mysql()
    restore = document["actions"]["restore"]["phases"][0]
    restore["name"] = document["actions"]["backup"]["phases"][0]["name"]
    broken = copy.deepcopy(document)
    del broken["actions"]["restore"]["phases"][0]["args"]["image"]
    assert "Required arg missing" in _message(broken)
    assert "Duplicated phase name" in _message(document)


def test_a_template_that_does_not_parse_is_refused_too() -> None:
    document = _mysql()
    document["actions"]["backup"]["phases"][0]["args"]["image"] = "{{ .Object.metadata.name"
    error = json.loads(_message(document))
    assert error["message"] == "Failed to validate phase dumpToObjectStore in action backup"
    assert error["cause"]["message"].startswith("Failed to parse the template of arg image: ")


def test_errkit_text_escapes_as_gos_encoder() -> None:
    assert admission.errkit_text({"message": "a <b> & c"}) == (
        '{"message":"a \\u003cb\\u003e \\u0026 c"}')


def test_review_answers_in_the_requests_version_with_its_uid() -> None:
    for version in admission.REVIEW_VERSIONS:
        body = json.dumps({"apiVersion": version, "kind": "AdmissionReview",
                           "request": {"uid": "u-1", "object": _mysql()}}).encode()
        answer = admission.review(body)
        assert answer["apiVersion"] == version
        assert answer["response"]["uid"] == "u-1"
        assert answer["response"]["allowed"] is True


def test_an_undecodable_blueprint_is_an_errored_400() -> None:
    document = _mysql()
    document["actions"] = ["not", "a", "map"]
    decided = admission.decide(document)
    assert decided["allowed"] is False
    assert decided["status"]["code"] == 400 and "reason" not in decided["status"]


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"kind": "Pod", "request": {}}'])
def test_a_body_that_is_no_review_is_a_review_error(body: bytes) -> None:
    with pytest.raises(admission.ReviewError):
        admission.review(body)
