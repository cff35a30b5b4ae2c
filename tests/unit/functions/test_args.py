"""Arg decoding is mapstructure's WeakDecode as Kanister's Arg/OptArg use it (reference 1.1)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from kes.functions import args, base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("x", "x", id="str"),
        pytest.param(2, "2", id="int"),
        pytest.param(True, "1", id="true"),
        pytest.param(False, "0", id="false"),
        pytest.param(1.5, "1.5", id="float"),
        pytest.param(2.0, "2", id="whole-float"),
        pytest.param(1e21, "1000000000000000000000", id="big-float-no-exponent"),
        pytest.param(None, "", id="nil"),
    ],
)
def test_to_str(value: Any, expected: str) -> None:
    assert args.to_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2", 2, id="numeric-string"),
        pytest.param("0x10", 16, id="hex"),
        pytest.param("010", 8, id="go-octal"),
        pytest.param("", 0, id="empty"),
        pytest.param(2.9, 2, id="float-truncates"),
        pytest.param(True, 1, id="bool"),
        pytest.param(7, 7, id="int"),
    ],
)
def test_to_int(value: Any, expected: int) -> None:
    assert args.to_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("true", True, id="true"),
        pytest.param("T", True, id="T"),
        pytest.param("0", False, id="zero-string"),
        pytest.param("", False, id="empty"),
        pytest.param(2, True, id="int"),
        pytest.param(0.0, False, id="float-zero"),
    ],
)
def test_to_bool(value: Any, expected: bool) -> None:
    assert args.to_bool(value) is expected


def test_bad_scalars_are_errors() -> None:
    with pytest.raises(args.DecodeError, match="invalid syntax"):
        args.to_int("two")
    with pytest.raises(args.DecodeError, match="invalid syntax"):
        args.to_bool("yes")
    with pytest.raises(args.DecodeError, match="unconvertible type '\\[\\]interface \\{\\}'"):
        args.to_str(["a", "b"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["sh", "-c", "echo"], ["sh", "-c", "echo"], id="list"),
        pytest.param("echo hi", ["echo hi"], id="scalar-lifted"),
        pytest.param([1, True], ["1", "1"], id="items-weakly-decoded"),
        pytest.param({}, [], id="empty-map"),
        pytest.param(None, [], id="nil"),
    ],
)
def test_to_str_list(value: Any, expected: list[str]) -> None:
    assert args.to_str_list(value) == expected


def test_maps() -> None:
    assert args.to_str_map({"a": 1, 2: True}) == {"a": "1", "2": "1"}
    assert args.to_str_map([]) == {}
    with pytest.raises(args.DecodeError, match="expected a map, got 'string'"):
        args.to_str_map("a=b")


def test_yaml_list() -> None:
    assert args.yaml_list("- val1\n- val2\n- val3\n") == ["val1", "val2", "val3"]
    assert args.yaml_list(["a"]) == ["a"]
    with pytest.raises(args.DecodeError):
        args.yaml_list("not a slice")


class _Sample(args.ArgsModel):
    image: str
    command: list[str]
    replicas: int = 1
    wait: bool = pydantic.Field(default=True, alias="waitForReady")
    labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")


def test_load_decodes_each_field_weakly() -> None:
    loaded = args.load(
        _Sample, {"image": 3, "command": "true", "replicas": "4", "waitForReady": "false"}
    )
    assert (loaded.image, loaded.command, loaded.replicas, loaded.wait) == ("3", ["true"], 4, False)
    assert loaded.labels is None


def test_load_reports_a_missing_required_arg() -> None:
    with pytest.raises(base.ArgumentError, match=r"^Argument missing command$"):
        args.load(_Sample, {"image": "x"})


def test_load_reports_an_undecodable_arg_by_name() -> None:
    with pytest.raises(base.ArgumentError, match=r"^Failed to decode arg `replicas`: "):
        args.load(_Sample, {"image": "x", "command": [], "replicas": "many"})


def test_null_optional_keeps_its_default() -> None:
    assert args.load(_Sample, {"image": "x", "command": [], "podLabels": None}).labels is None
