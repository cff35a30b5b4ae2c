"""The JSONPath subset used by CRD printer columns."""

from __future__ import annotations

from typing import Any

import pytest

from kes.devcluster import jsonpath

OBJ = {
    "metadata": {"name": "w1", "labels": {"app": "web", "k8s.io/role": "x"}},
    "spec": {"replicas": 3, "items": [{"name": "a", "n": 1}, {"name": "b", "n": 5}]},
    "status": {"conditions": [{"type": "Ready", "status": "True"},
                              {"type": "Synced", "status": "False"}]},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        pytest.param(".spec.replicas", [3], id="dotted"),
        pytest.param("{.spec.replicas}", [3], id="braces"),
        pytest.param("$.spec.replicas", [3], id="dollar"),
        pytest.param(".metadata.labels.app", ["web"], id="map-key"),
        pytest.param(".metadata.labels['k8s.io/role']", ["x"], id="quoted-key"),
        pytest.param('.metadata.labels["k8s.io/role"]', ["x"], id="double-quoted-key"),
        pytest.param(".spec.items[0].name", ["a"], id="index"),
        pytest.param(".spec.items[-1].name", ["b"], id="negative-index"),
        pytest.param(".spec.items[*].name", ["a", "b"], id="wildcard"),
        pytest.param(".spec.items.*.name", ["a", "b"], id="dot-wildcard"),
        pytest.param('.status.conditions[?(@.type=="Ready")].status', ["True"], id="filter"),
        pytest.param(".status.conditions[?(@.type=='Synced')].status", ["False"],
                     id="filter-single-quotes"),
        pytest.param(".spec.items[?(@.n>2)].name", ["b"], id="filter-number"),
        pytest.param(".spec.items[?(@.n)].name", ["a", "b"], id="filter-exists"),
        pytest.param(".spec.missing", [], id="missing"),
        pytest.param(".spec.items[7]", [], id="index-out-of-range"),
        pytest.param(".spec.replicas.deeper", [], id="through-scalar"),
    ],
)
def test_find(expression: str, expected: list[Any]) -> None:
    assert jsonpath.find(obj=OBJ, expression=expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param(".spec[", id="unclosed"),
        pytest.param("spec", id="no-leading-dot"),
        pytest.param(".spec[?(x)]", id="bad-filter"),
        pytest.param(". spec", id="space"),
    ],
)
def test_parse_errors(expression: str) -> None:
    with pytest.raises(jsonpath.JSONPathError):
        jsonpath.find(obj=OBJ, expression=expression)
