"""ScaleWorkload's arg rules (Kanister scale_test.go `TestGetArgs`, reference 9.21)."""

from __future__ import annotations

from typing import Any

import pytest

from kes.functions import args, base, scaleworkload


def _target(params: dict[str, Any], raw: dict[str, Any]) -> tuple[str, str, str]:
    return scaleworkload.target(params, args.load(scaleworkload.Args, raw))


def test_no_workload_and_no_args_is_an_error() -> None:
    with pytest.raises(base.ArgumentError, match=r"^Workload information not available"):
        _target({}, {"replicas": 2})


def test_explicit_args_without_a_target() -> None:
    raw = {"replicas": "2", "namespace": "foo", "name": "app", "kind": "statefulset",
           "waitForReady": False}  # fmt: skip
    assert _target({}, raw) == ("statefulset", "foo", "app")
    parsed = args.load(scaleworkload.Args, raw)
    assert scaleworkload.replica_count(parsed.replicas) == 2
    assert parsed.wait_for_ready is False


def test_defaults_come_from_the_target() -> None:
    params = {"StatefulSet": {"Name": "app", "Namespace": "foo", "Pods": []}}
    assert _target(params, {"replicas": 2}) == ("statefulset", "foo", "app")
    assert args.load(scaleworkload.Args, {"replicas": 2}).wait_for_ready is True
    params = {"Deployment": {"Name": "web", "Namespace": "bar"}}
    assert _target(params, {"replicas": 2}) == ("deployment", "bar", "web")


def test_explicit_args_win_over_the_target() -> None:
    params = {"StatefulSet": {"Name": "app", "Namespace": "foo"}}
    raw = {"replicas": 2, "kind": "deployment", "name": "notapp", "namespace": "notfoo"}
    assert _target(params, raw) == ("deployment", "notfoo", "notapp")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2, 2), ("2", 2), ("-1", -1), (2147483647, 2147483647), (2147483648, -2147483648)],
)
def test_replica_count(value: Any, expected: int) -> None:
    assert scaleworkload.replica_count(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("two", 'Cannot convert two to int : strconv.Atoi: parsing "two": invalid syntax'),
        (" 2", 'Cannot convert  2 to int : strconv.Atoi: parsing " 2": invalid syntax'),
        (2.5, "Invalid arg type float64 for Arg replicas "),
        (True, "Invalid arg type bool for Arg replicas "),
    ],
)
def test_bad_replica_counts(value: Any, message: str) -> None:
    with pytest.raises(base.ArgumentError) as caught:
        scaleworkload.replica_count(value)
    assert str(caught.value) == message
