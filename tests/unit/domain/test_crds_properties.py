"""Property: whatever the generated CRD schema accepts, the models accept and dump back unchanged.

Documents are drawn from the CRD schemas themselves, so a field the schema declares but the models
mistype (or the reverse) shows up as a failing example.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kes.domain import crds, resources

PRESERVE = crds.PRESERVE_UNKNOWN
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    max_size=6,
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | TEXT
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = schema.get("type")
    if schema.get(PRESERVE) and "properties" not in schema:
        return st.dictionaries(TEXT, JSON, max_size=3)
    if kind == "string":
        return TEXT
    if kind == "integer":
        return st.integers(-(2**31), 2**31)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(from_schema(schema["items"]), max_size=2)
    if "additionalProperties" in schema:
        return st.dictionaries(TEXT, from_schema(schema["additionalProperties"]), max_size=2)
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    return st.fixed_dictionaries(
        {name: from_schema(sub) for name, sub in properties.items() if name in required},
        optional={
            name: from_schema(sub) for name, sub in properties.items() if name not in required
        },
    )


METADATA = st.fixed_dictionaries(
    {}, optional={"name": TEXT, "labels": st.dictionaries(TEXT, TEXT, max_size=2)}
)


def documents(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    (crd,) = [c for c in crds.crd_documents() if c["spec"]["names"]["kind"] == kind]
    schema = dict(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    properties = {
        k: v for k, v in schema["properties"].items() if k not in {"apiVersion", "kind", "metadata"}
    }
    body = from_schema({**schema, "properties": properties})
    return st.builds(
        lambda metadata, fields: {
            "apiVersion": resources.GROUP_VERSION,
            "kind": kind,
            "metadata": metadata,
            **fields,
        },
        METADATA,
        body,
    )


@pytest.mark.parametrize("kind", list(resources.KINDS))
def test_schema_valid_documents_round_trip(kind: str) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(documents(kind))
    def round_trip(document: dict[str, Any]) -> None:
        parsed = resources.parse_object(document)
        assert resources.to_object(parsed) == document
        assert resources.to_object(resources.parse_document(yaml.safe_dump(document))) == document

    round_trip()
