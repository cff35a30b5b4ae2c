"""ConfigMap and Secret values refused as kube-apiserver's typed decoding refuses them: strings
where Go wants strings, and base64 failing at the byte Go's encoding/base64 names (these inputs
were checked against Go itself)."""

from __future__ import annotations

import pytest

from kes.devcluster.validation import decoding


@pytest.mark.parametrize(
    ("text", "position"),
    [("abcd", None), ("ab==", None), ("YWJj", None), ("c3VwZXJzZWNyZXQ=", None), ("", None),
     ("abc", 0), ("ab=", 3), ("a===", 1), ("my-secret-value", 2), ("c3VwZXJzZWNyZXQ=x", 16),
     ("c3VwZXJzZWNyZXQ", 12), ("Zm9v=", 4), ("Zg==Zg==", 4), (" Zm9v", 0)],
)
def test_base64_fails_where_go_fails(text: str, position: int | None) -> None:
    expected = None if position is None else f"illegal base64 data at input byte {position}"
    assert decoding.base64_error(text) == expected


@pytest.mark.parametrize(
    ("kind", "obj", "message"),
    [
        ("ConfigMap", {"data": {"replicas": 3}},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         "number into Go struct field ConfigMap.data of type string"),
        ("ConfigMap", {"data": {"on": True}},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         "bool into Go struct field ConfigMap.data of type string"),
        ("Secret", {"data": {"key": "<access key>"}},
         'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input '
         "byte 0"),
        ("Secret", {"stringData": {"n": 1}},
         'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number '
         "into Go struct field Secret.stringData of type string"),
        ("ConfigMap", {"data": ["a"]},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         "array into Go struct field ConfigMap.data of type map[string]string"),
    ],
)
def test_values_that_do_not_decode(kind: str, obj: dict[str, object], message: str) -> None:
    assert decoding.error(group="", version="v1", kind=kind, obj=obj) == message


def test_values_that_decode() -> None:
    assert decoding.error(group="", version="v1", kind="ConfigMap",
                          obj={"data": {"a": "1"}}) is None
    assert decoding.error(group="", version="v1", kind="Secret",
                          obj={"data": {"a": "YQ=="}}) is None
    assert decoding.error(group="", version="v1", kind="Pod", obj={"data": {"a": 1}}) is None
