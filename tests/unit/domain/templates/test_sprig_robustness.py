"""Property tests: Go's fmt never fails, and sprig functions fail only with FuncError.

Every function is called with arbitrary values of the Go types its signature declares (what the
runtime lets through); anything but a result or a FuncError would surface as an internal error.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

from kes.domain import durations
from kes.domain.templates import gofmt, values
from kes.domain.templates.sprig import FUNCS, regex, timelayout

# Functions that generate keys or certificates are slow; their inputs are covered elsewhere.
SLOW = {"genPrivateKey", "genCA", "genSelfSignedCert", "genSignedCert", "buildCustomCert"}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-1000, max_value=1000).map(values.GoInt),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=10),
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=10,
)
times = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9998, 12, 30)
).map(lambda d: values.GoTime.from_datetime(d.replace(tzinfo=datetime.UTC)))

BY_TYPE: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=30),
    "int": st.integers(min_value=-50, max_value=50).map(values.GoInt),
    "int64": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "float64": st.floats(),
    "bool": st.booleans(),
    "interface {}": anything,
    "[]interface {}": st.lists(anything, max_size=4),
    "map[string]interface {}": st.dictionaries(st.text(max_size=5), anything, max_size=4),
    "time.Time": times,
}


def _arguments(func: values.GoFunc) -> st.SearchStrategy[list[Any]]:
    fixed = [p for p in func.params if not p.startswith("...")]
    parts = [BY_TYPE[p] for p in fixed]
    if func.variadic:
        rest = st.lists(BY_TYPE[func.params[-1][3:]], max_size=3)
        return st.tuples(st.tuples(*parts), rest).map(lambda t: [*t[0], *t[1]])
    return st.tuples(*parts).map(list)


@pytest.mark.parametrize("name", sorted(set(FUNCS) - SLOW))
def test_functions_raise_only_func_error(name: str) -> None:
    func = FUNCS[name]

    @hypothesis.settings(max_examples=25, deadline=None)
    @hypothesis.given(args=_arguments(func))
    def run(args: list[Any]) -> None:
        with contextlib.suppress(values.FuncError):
            func.fn(*args)

    run()


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    fmt=st.text(alphabet="%-+# 0*.123456789vsdqxXfegtcTU[]!a", max_size=12),
    args=st.lists(anything, max_size=3),
)
def test_sprintf_never_fails(fmt: str, args: list[Any]) -> None:
    assert isinstance(gofmt.sprintf(fmt, *args), str)


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(value=anything)
def test_format_value_and_json_never_fail_unexpectedly(value: Any) -> None:
    assert isinstance(gofmt.format_value(value), str)
    with contextlib.suppress(values.JsonError):
        values.to_json(value)


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(pattern=st.text(alphabet="ab()[]{}*+?|^$\\.:-<>=!PQEzZdw1,", max_size=12))
def test_regex_translation_fails_only_with_syntax_errors(pattern: str) -> None:
    with contextlib.suppress(regex.RegexSyntaxError):
        regex.compile_go(pattern)


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(layout=st.text(max_size=20), text=st.text(max_size=20), moment=times)
def test_time_layouts_fail_only_with_layout_errors(
    layout: str, text: str, moment: values.GoTime
) -> None:
    assert isinstance(timelayout.format_time(moment, layout=layout), str)
    with contextlib.suppress(timelayout.LayoutError):
        timelayout.parse_time(layout=layout, text=text, default_zone=datetime.UTC)


@hypothesis.settings(max_examples=100, deadline=None)
@hypothesis.given(text=st.text(alphabet="0123456789.-+hmsuµn ", max_size=10))
def test_durations_fail_only_with_duration_errors(text: str) -> None:
    with contextlib.suppress(durations.DurationError):
        durations.parse_duration(text)
