"""fmt's %v printing and Sprintf verbs, flags and error forms."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kes.domain.templates import gofmt, goquote, values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"b": 2, "a": 1}, "map[a:1 b:2]", id="map-sorted"),
        pytest.param(["a", "b"], "[a b]", id="slice"),
        pytest.param([], "[]", id="empty-slice"),
        pytest.param({}, "map[]", id="empty-map"),
        pytest.param(None, "<nil>", id="nil"),
        pytest.param([None, "x"], "[<nil> x]", id="nil-in-slice"),
        pytest.param(values.NO_VALUE, "<no value>", id="no-value"),
        pytest.param(True, "true", id="bool"),
        pytest.param(2.0, "2", id="float-integral"),
        pytest.param(2.5, "2.5", id="float"),
        pytest.param(1e21, "1e+21", id="float-exponent"),
        pytest.param(1e6, "1e+06", id="float-million"),
        pytest.param(b"hi", "[104 105]", id="bytes"),
        pytest.param(values.GoStruct("T", {"A": "a", "B": "b"}), "{a b}", id="struct"),
        pytest.param(values.GoStruct("T", {"A": 1}, pointer=True), "&{1}", id="struct-pointer"),
        pytest.param({"a": {"b": [1, 2]}}, "map[a:map[b:[1 2]]]", id="nested"),
        pytest.param(
            values.GoTime(
                moment=datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
                nanosecond=500000000,
            ),
            "2020-01-02 03:04:05.5 +0000 UTC",
            id="time",
        ),
    ],
)
def test_format_value_is_go_percent_v(value: Any, expected: str) -> None:
    assert gofmt.format_value(value) == expected


@pytest.mark.parametrize(
    ("fmt", "args", "expected"),
    [
        pytest.param("%s", ("a",), "a", id="s"),
        pytest.param("%d", (42,), "42", id="d"),
        pytest.param("%v", ([1, "a"],), "[1 a]", id="v"),
        pytest.param("%+v", (values.GoStruct("T", {"A": 1, "B": "x"}),), "{A:1 B:x}", id="plus-v"),
        pytest.param("%q", ('a"b\n',), '"a\\"b\\n"', id="q"),
        pytest.param("%q", ("é\x00",), '"é\\x00"', id="q-unicode"),
        pytest.param("%+q", ("é",), '"\\u00e9"', id="q-ascii"),
        pytest.param("%#q", ("a",), "`a`", id="q-backquote"),
        pytest.param("%x", (255,), "ff", id="x-int"),
        pytest.param("%X", (255,), "FF", id="X-int"),
        pytest.param("%x", ("hi",), "6869", id="x-string"),
        pytest.param("% x", ("hi",), "68 69", id="x-string-spaced"),
        pytest.param("%#x", (255,), "0xff", id="x-sharp"),
        pytest.param("%x", (-255,), "-ff", id="x-negative"),
        pytest.param("%o", (8,), "10", id="o"),
        pytest.param("%b", (5,), "101", id="b"),
        pytest.param("%f", (3.14159,), "3.141590", id="f"),
        pytest.param("%.2f", (3.14159,), "3.14", id="f-prec"),
        pytest.param("%6.2f", (3.14159,), "  3.14", id="f-width"),
        pytest.param("%e", (1e6,), "1.000000e+06", id="e"),
        pytest.param("%g", (1e6,), "1e+06", id="g"),
        pytest.param("%g", (0.5,), "0.5", id="g-small"),
        pytest.param("%.3g", (3.14159,), "3.14", id="g-prec"),
        pytest.param("%5d", (42,), "   42", id="width"),
        pytest.param("%-5s|", ("ab",), "ab   |", id="left"),
        pytest.param("%05d", (-42,), "-0042", id="zero-pad-negative"),
        pytest.param("%+d", (5,), "+5", id="plus"),
        pytest.param("%.3d", (5,), "005", id="int-precision"),
        pytest.param("%t", (True,), "true", id="t"),
        pytest.param("%c", (65,), "A", id="c"),
        pytest.param("%q", (65,), "'A'", id="q-rune"),
        pytest.param("%U", (65,), "U+0041", id="U"),
        pytest.param("%%", (), "%", id="percent"),
        pytest.param("%.3s", ("abcdef",), "abc", id="s-precision"),
        pytest.param("%*d", (values.GoInt(4), 7), "   7", id="star-width"),
        pytest.param("%s", (b"hi",), "hi", id="bytes-as-string"),
        pytest.param("%v", (b"hi",), "[104 105]", id="bytes-as-v"),
        pytest.param("%d", ([1, 2],), "[1 2]", id="slice-elementwise"),
        pytest.param("%s", (values.GoInt(1),), "%!s(int=1)", id="bad-verb-int"),
        pytest.param("%d", ("x",), "%!d(string=x)", id="bad-verb-string"),
        pytest.param("%d", (1.5,), "%!d(float64=1.5)", id="bad-verb-float"),
        pytest.param("%s", (None,), "%!s(<nil>)", id="bad-verb-nil"),
        pytest.param("%t", (1,), "%!t(int64=1)", id="bad-verb-t"),
        pytest.param("%s", ([1, "a"],), "[%!s(int64=1) a]", id="bad-verb-in-slice"),
        pytest.param("%s %s", ("a",), "a %!s(MISSING)", id="missing"),
        pytest.param("%s", ("a", 1, "b"), "a%!(EXTRA int64=1, string=b)", id="extra"),
        pytest.param("x", (None,), "x%!(EXTRA <nil>)", id="extra-nil"),
        pytest.param("%", (), "%!(NOVERB)", id="noverb"),
        pytest.param("%*d", ("a", 1), "%!(BADWIDTH)1", id="badwidth"),
        pytest.param("%.*d", ("a", 1), "%!(BADPREC)1", id="badprec"),
        pytest.param("%f", (float("inf"),), "+Inf", id="inf"),
        pytest.param("%z", ("a",), "%!z(string=a)", id="unknown-verb"),
        pytest.param("%T %T %T", (1, values.GoInt(1), None), "int64 int <nil>", id="T"),
        pytest.param("%T", (b"x",), "[]uint8", id="T-bytes"),
        pytest.param(
            "%#v",
            ({"a": [1, "x", b"hi", None]},),
            'map[string]interface {}{"a":[]interface {}{1, "x", []byte{0x68, 0x69}, '
            "interface {}(nil)}}",
            id="sharp-v",
        ),
        pytest.param(
            "%#v",
            (values.GoStruct("p.T", {"A": 1}, pointer=True),),
            "&p.T{A:1}",
            id="sharp-v-struct",
        ),
        pytest.param("%x %X", (1.5, -0.25), "0x1.8p+00 -0X1P-02", id="hex-float"),
        pytest.param("%100000000d", (1,), "%!(NOVERB)%!(EXTRA int64=1)", id="width-too-large"),
        pytest.param("%*d", (values.GoInt(10**7), 1), "%!(BADWIDTH)1", id="star-too-large"),
        pytest.param("%.100000000f", (1.0,), "%!(NOVERB)%!(EXTRA float64=1)", id="prec-too-large"),
        pytest.param("%٣d", (1,), "%!٣(int64=1)d", id="non-ascii-digit-is-a-verb"),
    ],
)
def test_sprintf_matches_go(fmt: str, args: tuple[Any, ...], expected: str) -> None:
    assert gofmt.sprintf(fmt, *args) == expected


def test_sprint_adds_spaces_only_between_non_strings() -> None:
    assert gofmt.sprint("a", 1, 2, "b", "c", 3) == "a1 2bc3"


def test_sprintln_always_adds_spaces_and_a_newline() -> None:
    assert gofmt.sprintln("a", 1, "b") == "a 1 b\n"


def test_go_quote_escapes_like_strconv() -> None:
    assert goquote.quote("\a\t\\\u2028😀") == '"\\a\\t\\\\\\u2028😀"'
    assert goquote.quote_rune(0x1F600) == "'😀'"
