"""Blueprint-time arg validation: Kanister's `Validate` (reference 9.9, 9.10)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kes.functions import base, podmeta, registry

TASK = {"image": "busybox", "command": ["true"]}


def _validate(name: str, args: dict[str, Any]) -> None:
    base.validate_args(registry.lookup(name), args)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param({"podLabels": {"key$": "value"}}, "label key 'key$' failed validation. [",
                     id="label-key-dollar"),
        pytest.param({"podLabels": {"key*": "value"}}, "label key 'key*' failed validation. [",
                     id="label-key-star"),
        pytest.param({"podLabels": {"key": "value$"}}, "label value 'value$' failed validation. [",
                     id="label-value"),
        pytest.param({"podAnnotations": {"key$": "value"}},
                     "annotation key 'key$' failed validation. [", id="annotation-key"),
    ],
)  # fmt: skip
def test_invalid_labels_and_annotations(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(base.ArgumentError, match="^" + re.escape(message)):
        _validate("KubeTask", {**TASK, **extra})


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"podAnnotations": {"key": "value$"}}, id="annotation-values-are-free"),
        pytest.param({"podLabels": {"key": ""}, "podAnnotations": {"key": ""}}, id="empty-values"),
        pytest.param({"podLabels": {"example.com/app": "v1.2_x"}}, id="prefixed-key"),
    ],
)
def test_valid_labels_and_annotations(extra: dict[str, Any]) -> None:
    _validate("KubeTask", {**TASK, **extra})


def test_label_message_is_apimachinerys() -> None:
    with pytest.raises(base.ArgumentError) as caught:
        _validate("KubeTask", {**TASK, "podLabels": {"key$": "v"}})
    assert str(caught.value) == (
        "label key 'key$' failed validation. [name part must consist of alphanumeric characters, "
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  "
        "or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')]"
    )


def test_required_and_supported_messages_are_unwrapped() -> None:
    with pytest.raises(base.ArgumentError, match=r"^Required arg missing: command$"):
        _validate("KubeTask", {"image": "busybox"})
    with pytest.raises(base.ArgumentError, match=r"^argument extra is not supported$"):
        _validate("KubeTask", {"image": "busybox", "extra": 1})


def test_functions_without_pods_ignore_label_shapes() -> None:
    _validate("ScaleWorkload", {"replicas": 1})
    with pytest.raises(base.ArgumentError, match=r"^argument podLabels is not supported$"):
        _validate("ScaleWorkload", {"replicas": 1, "podLabels": {"key$": "x"}})


@pytest.mark.parametrize(
    ("key", "errors"),
    [
        ("a/b/c", 1),
        ("/name", 1),
        ("Example.com/name", 1),
        ("x" * 64, 1),
        ("prefix.io/" + "y" * 64, 1),
        ("ok", 0),
    ],
)
def test_qualified_names(key: str, errors: int) -> None:
    assert len(podmeta.qualified_name_errors(key)) == errors


def test_label_values_longer_than_63_characters() -> None:
    assert podmeta.label_value_errors("v" * 64) == ["must be no more than 63 characters"]


def test_args_nested_too_deep_are_refused_before_anything_renders_them() -> None:
    deep: Any = "x"
    for _ in range(5000):
        deep = {"spec": [deep]}
    with pytest.raises(base.ArgumentError, match=r"^argument podOverride is nested 100 or more"):
        _validate("KubeTask", {**TASK, "podOverride": deep})
    _validate("KubeTask", {**TASK, "podOverride": {"spec": {"containers": [{"name": "c"}]}}})
