"""kubectl JSONPath output rules over plain JSON objects (what Wait substitutes)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kes.adapters.k8s import jsonpath

POD: dict[str, Any] = {
    "metadata": {"name": "p", "labels": {"app": "db", "kes.io/role": "x"}},
    "spec": {"replicas": 3, "ratio": 0.5, "paused": False, "list": []},
    "status": {
        "phase": "Running",
        "conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "ContainersReady", "status": "False"},
        ],
        "containerStatuses": [{"name": "a", "restartCount": 0}, {"name": "b", "restartCount": 2}],
    },
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{.status.phase}", "Running"),
        ("{$.status.phase}", "Running"),
        ("phase={.status.phase}!", "phase=Running!"),
        ("{.spec.replicas}", "3"),
        ("{.spec.ratio}", "0.5"),
        ("{.spec.paused}", "false"),
        ("{.spec.list}", "[]"),
        ("{.metadata.labels}", '{"app":"db","kes.io/role":"x"}'),
        ("{.metadata.labels['kes.io/role']}", "x"),
        ("{.status.conditions[0].type}", "Ready"),
        ("{.status.conditions[-1].type}", "ContainersReady"),
        ("{.status.conditions[*].status}", "True False"),
        ('{.status.conditions[?(@.type=="Ready")].status}', "True"),
        ("{.status.conditions[?(@.type=='ContainersReady')].status}", "False"),
        ("{.status.containerStatuses[?(@.restartCount > 1)].name}", "b"),
        ("{.status.containerStatuses[0:1].name}", "a"),
        ("{.status.containerStatuses[0,1].name}", "a b"),
        ("{..restartCount}", "0 2"),
        ('{.status.conditions[?(@.type=="Nope")].status}', ""),
        ('{"literal"}', "literal"),
    ],
)
def test_kubectl_output(template: str, expected: str) -> None:
    assert jsonpath.execute(template, POD) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{.status.nothing}", "nothing is not found"),
        ("{.status.conditions[5]}", "array index out of bounds: index 5, length 2"),
    ],
)
def test_evaluation_errors(template: str, message: str) -> None:
    with pytest.raises(jsonpath.JSONPathError) as caught:
        jsonpath.execute(template, POD)
    assert not isinstance(caught.value, jsonpath.JSONPathSyntaxError)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "template", ["{.status.phase", "{.status[}", "{.a b c}", "{range .items[*]}{end}", "{.x[?(]}"]
)
def test_syntax_errors(template: str) -> None:
    with pytest.raises(jsonpath.JSONPathSyntaxError):
        jsonpath.check(template)


@given(st.dictionaries(st.text(alphabet="abcxyz_", min_size=1, max_size=6), st.text(), max_size=5))
def test_every_string_value_prints_as_itself(data: dict[str, str]) -> None:
    for key, value in data.items():
        assert jsonpath.execute("{.data." + key + "}", {"data": data}) == value
