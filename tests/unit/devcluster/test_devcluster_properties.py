"""Properties of the pure devcluster modules over generated inputs (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kes.devcluster import patching, schema, selectors

KEYS = st.sampled_from(["a", "b", "c", "app", "tier"])
SCALARS = st.one_of(st.integers(-5, 5), st.text("xyz", max_size=3), st.booleans())
# Nested maps of scalars: no lists, no "$" directives, no nulls in targets.
MAPS = st.recursive(SCALARS, lambda inner: st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=12).filter(lambda v: isinstance(v, dict))
PATCHES = st.recursive(st.one_of(SCALARS, st.none()),
                       lambda inner: st.dictionaries(KEYS, inner, max_size=4),
                       max_leaves=12).filter(lambda v: isinstance(v, dict))
LABEL_VALUES = st.sampled_from(["web", "db", "x1", ""])
LABELS = st.dictionaries(st.sampled_from(["app", "tier", "env"]), LABEL_VALUES, max_size=3)

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(target=MAPS, patch=PATCHES)
def test_merge_patch_is_idempotent(target: dict[str, Any], patch: dict[str, Any]) -> None:
    once = patching.merge_patch(target=target, patch=patch)
    assert patching.merge_patch(target=once, patch=patch) == once


@FAST
@given(target=MAPS, patch=PATCHES)
def test_strategic_merge_equals_merge_patch_without_lists(
    target: dict[str, Any], patch: dict[str, Any]
) -> None:
    assert patching.strategic_merge_patch(target=target, patch=patch, kind="ConfigMap") == \
        patching.merge_patch(target=target, patch=patch)


@FAST
@given(target=MAPS, patch=PATCHES)
def test_patches_never_mutate_their_inputs(target: dict[str, Any], patch: dict[str, Any]) -> None:
    before_target, before_patch = copy.deepcopy(target), copy.deepcopy(patch)
    patching.merge_patch(target=target, patch=patch)
    patching.strategic_merge_patch(target=target, patch=patch, kind="ConfigMap")
    assert (target, patch) == (before_target, before_patch)


@FAST
@given(target=MAPS, key=st.sampled_from(["new1", "new2"]), value=SCALARS)
def test_json_patch_add_then_remove_round_trips(target: dict[str, Any], key: str,
                                                value: Any) -> None:
    added = patching.json_patch(
        target=target, operations=[{"op": "add", "path": f"/{key}", "value": value}])
    assert added[key] == value
    removed = patching.json_patch(target=added,
                                  operations=[{"op": "remove", "path": f"/{key}"}])
    assert removed == target


@FAST
@given(labels=LABELS, key=st.sampled_from(["app", "tier", "env"]), value=LABEL_VALUES,
       others=st.lists(LABEL_VALUES, max_size=2))
def test_label_selector_operators_agree_with_a_model(
    labels: dict[str, str], key: str, value: str, others: list[str]
) -> None:
    def match(text: str) -> bool:
        return selectors.matches_labels(selector=selectors.parse_label_selector(text),
                                        labels=labels)

    present = key in labels
    assert match(f"{key}={value}") is (present and labels[key] == value)
    assert match(f"{key}=={value}") is (present and labels[key] == value)
    assert match(f"{key}!={value}") is (not present or labels[key] != value)
    assert match(key) is present
    assert match(f"!{key}") is (not present)
    values = {value, *others}
    joined = ",".join(sorted(values))
    assert match(f"{key} in ({joined})") is (present and labels[key] in values)
    assert match(f"{key} notin ({joined})") is (not present or labels[key] not in values)


@FAST
@given(obj=MAPS)
def test_pruning_against_an_empty_object_schema_keeps_only_root_fields(
    obj: dict[str, Any],
) -> None:
    pruned = schema.prune(obj=obj, schema={"type": "object"})
    assert set(pruned) <= {"apiVersion", "kind", "metadata"}
    preserved = schema.prune(
        obj=obj, schema={"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    assert preserved == obj
