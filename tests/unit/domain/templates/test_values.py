"""The Go value model: kinds, %T names, emptiness and encoding/json output."""

from __future__ import annotations

import datetime
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

from kes.domain.templates import gofloat, values

PROFILE = values.GoStruct(
    "param.Profile",
    {
        "Location": values.GoStruct(
            "crv1alpha1.Location",
            {"Type": "s3Compliant", "Bucket": "b", "Endpoint": "e", "Prefix": "p", "Region": "r"},
            json={
                "Type": "type",
                "Bucket": "bucket",
                "Endpoint": "endpoint",
                "Prefix": "prefix",
                "Region": "region",
            },
        ),
        "Credential": values.GoStruct(
            "param.Credential",
            {
                "Type": "keyPair",
                "KeyPair": values.GoStruct(
                    "param.KeyPair", {"ID": "id", "Secret": "s"}, pointer=True
                ),
                "Secret": None,
                "KopiaServerSecret": None,
            },
        ),
        "SkipSSLVerify": False,
    },
    pointer=True,
)


@pytest.mark.parametrize(
    ("value", "kind", "type_name"),
    [
        pytest.param("a", "string", "string", id="string"),
        pytest.param(True, "bool", "bool", id="bool"),
        pytest.param(3, "int64", "int64", id="int64"),
        pytest.param(values.GoInt(3), "int", "int", id="int"),
        pytest.param(1.5, "float64", "float64", id="float64"),
        pytest.param(b"hi", "slice", "[]uint8", id="bytes"),
        pytest.param(None, "invalid", "<nil>", id="nil"),
        pytest.param([1], "slice", "[]interface {}", id="list"),
        pytest.param({"a": 1}, "map", "map[string]interface {}", id="map"),
        pytest.param(values.TypedMap({"a": "b"}), "map", "map[string]string", id="typed-map"),
        pytest.param(values.TypedList(["a"]), "slice", "[]string", id="typed-list"),
        pytest.param(PROFILE, "ptr", "*param.Profile", id="struct-pointer"),
        pytest.param(
            values.GoTime.from_datetime(datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)),
            "struct",
            "time.Time",
            id="time",
        ),
    ],
)
def test_kind_and_type_names_follow_go_reflect(value: Any, kind: str, type_name: str) -> None:
    assert values.kind_of(value) == kind
    assert values.type_of(value) == type_name


@pytest.mark.parametrize(
    ("value", "empty"),
    [
        pytest.param("", True, id="empty-string"),
        pytest.param("x", False, id="string"),
        pytest.param(0, True, id="zero"),
        pytest.param(0.0, True, id="zero-float"),
        pytest.param(False, True, id="false"),
        pytest.param([], True, id="empty-list"),
        pytest.param({}, True, id="empty-map"),
        pytest.param(None, True, id="nil"),
        pytest.param(values.GoStruct("T", {}), False, id="struct-never-empty"),
        pytest.param(b"", True, id="empty-bytes"),
    ],
)
def test_is_zero_is_sprig_empty(value: Any, empty: bool) -> None:
    assert values.is_zero(value) is empty


def test_to_json_of_a_struct_uses_json_tags_in_field_order() -> None:
    assert values.to_json(PROFILE) == (
        '{"Location":{"type":"s3Compliant","bucket":"b","endpoint":"e","prefix":"p",'
        '"region":"r"},"Credential":{"Type":"keyPair","KeyPair":{"ID":"id","Secret":"s"},'
        '"Secret":null,"KopiaServerSecret":null},"SkipSSLVerify":false}'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(1e6, "1000000", id="million-not-exponent"),
        pytest.param(1e21, "1e+21", id="huge-exponent"),
        pytest.param(1e-7, "1e-7", id="tiny-exponent-trimmed"),
        pytest.param(0.000001, "0.000001", id="small-fixed"),
        pytest.param(2.5, "2.5", id="fraction"),
        pytest.param(-0.0, "-0", id="negative-zero"),
        pytest.param("<a&b>", '"\\u003ca\\u0026b\\u003e"', id="html-escaped"),
        pytest.param("é\n\x01", '"é\\n\\u0001"', id="control-escaped"),
        pytest.param(b"hi", '"aGk="', id="bytes-base64"),
        pytest.param({"b": 1, "a": [None, True]}, '{"a":[null,true],"b":1}', id="sorted-keys"),
        pytest.param(values.GoInt(7), "7", id="go-int"),
        pytest.param(values.NO_VALUE, "null", id="no-value"),
    ],
)
def test_to_json_matches_go_encoding_json(value: Any, expected: str) -> None:
    assert values.to_json(value) == expected


def test_to_json_pretty_uses_two_spaces_and_keeps_empty_containers_compact() -> None:
    assert values.to_json({"a": {}, "b": [1, {"c": []}]}, pretty=True) == (
        '{\n  "a": {},\n  "b": [\n    1,\n    {\n      "c": []\n    }\n  ]\n}'
    )


def test_to_json_refuses_nan_as_go_does() -> None:
    with pytest.raises(values.JsonError, match="unsupported value: NaN"):
        values.to_json(float("nan"))


def test_to_json_of_time_is_rfc3339_nano() -> None:
    moment = values.GoTime(
        moment=datetime.datetime(2020, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC),
        nanosecond=123456789,
    )
    assert values.to_json(moment) == '"2020-01-02T03:04:05.123456789Z"'


def test_omitempty_and_skipped_fields_are_left_out() -> None:
    struct = values.GoStruct(
        "T",
        {"A": "", "B": "x", "C": 1},
        json={"A": values.JsonField("a", omitempty=True), "C": values.JsonField("c", skip=True)},
    )
    assert values.to_json(struct) == '{"B":"x"}'


def test_struct_fields_and_missing_fields_are_distinguishable() -> None:
    assert PROFILE.has_field("Location")
    assert not PROFILE.has_field("location")
    assert PROFILE.field("SkipSSLVerify") is False


def test_typed_map_carries_its_zero_value() -> None:
    options = values.TypedMap({"a": "b"})
    assert options.zero == ""
    assert options.go_type == "map[string]string"


def test_go_func_knows_when_it_is_variadic() -> None:
    func = values.GoFunc(name="f", fn=lambda *a: a, params=("string", "...interface {}"))
    assert func.variadic
    assert not values.GoFunc(name="g", fn=len, params=("string",)).variadic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(2.0, "2", id="integral"),
        pytest.param(1e6, "1e+06", id="million"),
        pytest.param(123456.0, "123456", id="below-exponent"),
        pytest.param(1234567.0, "1.234567e+06", id="above-exponent"),
        pytest.param(0.0001, "0.0001", id="small"),
        pytest.param(0.00001, "1e-05", id="tiny"),
        pytest.param(float("inf"), "+Inf", id="inf"),
        pytest.param(0.1 + 0.2, "0.30000000000000004", id="shortest-roundtrip"),
    ],
)
def test_format_float_g_is_strconv_shortest_g(value: float, expected: str) -> None:
    assert gofloat.format_float_g(value) == expected


def test_from_json_decodes_numbers_as_float64() -> None:
    assert values.from_json('{"a": 1, "b": [2.5]}') == {"a": 1.0, "b": [2.5]}
    assert isinstance(values.from_json("1"), float)


@hypothesis.given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_text_forms_round_trip_to_the_same_float64(value: float) -> None:
    assert float(gofloat.format_float_g(value)) == value
    assert float(values.to_json(value)) == value
    # JSON never uses an exponent between 1e-6 and 1e21, as Go's encoder.
    if 1e-6 <= abs(value) < 1e21:
        assert "e" not in values.to_json(value)
