"""text/template's builtins and the argument checks of function calls."""

from __future__ import annotations

from typing import Any

import pytest

from kes.domain.templates import errors, execution, gofuncs, rendering, runtime, values

P: dict[str, Any] = {
    "S": "hello",
    "N": 42,
    "I": values.GoInt(7),
    "F": 2.5,
    "B": b"hi",
    "L": ["a", "b"],
    "TL": values.TypedList(["x", "y"]),
    "M": {"k": "v"},
    "TM": values.TypedMap({"k": "v"}),
    "Nil": None,
}


def _render(template: str) -> str:
    return rendering.render(template, P)


def _error(template: str) -> str:
    with pytest.raises(errors.TemplateError) as info:
        _render(template)
    return str(info.value)


@pytest.mark.parametrize(
    ("template", "want"),
    [
        ("{{ len .B }}", "2"),
        ("{{ index .B 0 }}", "104"),
        ('{{ index .TM "missing" }}|', "|"),
        ("{{ index .TL 1 }}", "y"),
        ("{{ eq .I 7 }}", "true"),
        ("{{ eq .N .I }}", "false"),
        ("{{ lt .I .N }}", "true"),
        ("{{ eq .Nil .Nil }}", "true"),
        ("{{ eq .S .Nil }}", "false"),
        ("{{ ne 1 2 }}", "true"),
        ("{{ gt 2.5 1.5 }}", "true"),
        ("{{ ge 1 1 }}", "true"),
        ('{{ le "a" "b" }}', "true"),
        ("{{ not .L }}", "false"),
        ("{{ not .Nil }}", "true"),
        ("{{ and 1 .L }}", "[a b]"),
        ("{{ or .Nil .B }}", "[104 105]"),
        ("{{ print .B }}", "[104 105]"),
        ('{{ printf "%s|%v|%d" .B .I .N }}', "hi|7|42"),
        ('{{ urlquery "é ~" }}', "%C3%A9+~"),
        ('{{ js "\\n=" }}', "\\u000A\\u003D"),
        ("{{ html .Nil }}", "&lt;nil&gt;"),
        ("{{ println }}", "\n"),
    ],
)
def test_builtin_results(template: str, want: str) -> None:
    assert _render(template) == want


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ('{{ index .L "x" }}', "error calling index: cannot index slice/array with type string"),
        ("{{ index .M .N }}", "error calling index: value has type int64; should be string"),
        ("{{ eq .L .L }}", "error calling eq: non-comparable type []interface {}"),
        ("{{ lt .L .L }}", "error calling lt: invalid type for comparison"),
        ("{{ lt .S 1 }}", "error calling lt: incompatible types for comparison"),
        ("{{ call .S }}", "error calling call: non-function .S of type string"),
        ("{{ call .Nil }}", "error calling call: call of nil"),
        ("{{ ne 1 }}", "wrong number of args for ne: want 2 got 1"),
        ("{{ len 1 2 }}", "wrong number of args for len: want 1 got 2"),
        ("{{ eq nil 1 }}", "cannot assign nil to reflect.Value"),
    ],
)
def test_builtin_errors(template: str, message: str) -> None:
    assert _error(template).endswith(message)


@pytest.mark.parametrize(
    ("value", "typ", "ok"),
    [
        ("s", "string", True),
        (b"s", "string", False),
        (values.GoInt(1), "int", True),
        (1, "int", False),
        (1, "int64", True),
        (values.GoInt(1), "int64", False),
        (True, "int64", False),
        (1.0, "float64", True),
        (1, "float64", False),
        (True, "bool", True),
        (["a"], "[]interface {}", True),
        (values.TypedList(["a"]), "[]interface {}", False),
        (values.TypedList(["a"]), "[]string", True),
        ({"a": 1}, "map[string]interface {}", True),
        (values.TypedMap({"a": "b"}), "map[string]interface {}", False),
        (values.TypedMap({"a": "b"}), "map[string]string", True),
        (b"x", "[]uint8", True),
    ],
)
def test_assignability(value: Any, typ: str, ok: bool) -> None:
    assert runtime.assignable(value, typ) is ok


def test_check_arg_messages() -> None:
    with pytest.raises(errors.ExecError, match=r"^wrong type for value; expected int; got int64$"):
        runtime.check_arg(0, 5, "int")
    with pytest.raises(errors.ExecError, match=r"^invalid value; expected string$"):
        runtime.check_arg(0, None, "string")
    assert runtime.check_arg(0, None, "[]interface {}") is None
    assert runtime.check_arg(0, values.NO_VALUE, "interface {}") is None


def test_literal_conversion_errors_name_the_literal() -> None:
    assert _error('{{ repeat "3" "x" }}') == (
        'template: config:1:10: executing "config" at <"3">: expected integer; found "3"'
    )
    assert _error('{{ repeat 1.5 "x" }}') == (
        'template: config:1:10: executing "config" at <1.5>: expected integer; found 1.5'
    )


def test_computed_int64_is_refused_where_go_wants_int() -> None:
    assert _error('{{ repeat .N "x" }}') == (
        'template: config:1:10: executing "config" at <.N>: wrong type for value; expected int; '
        "got int64"
    )
    assert _render('{{ repeat .I "x" }}') == "xxxxxxx"
    assert _render('{{ repeat (len .L) "x" }}') == "xx"


def test_piped_value_is_checked_against_the_last_parameter() -> None:
    assert _render('{{ "x" | repeat 3 }}') == "xxx"
    assert _error("{{ .B | upper }}").endswith("wrong type for value; expected string; got []uint8")


def test_sprig_overrides_go_slice() -> None:
    assert gofuncs.BUILTINS["slice"] is not rendering.FUNCS["slice"]
    assert _render("{{ slice .L 1 }}") == "[b]"
    assert "error calling slice" in _error("{{ slice .S 1 }}")


def test_function_panics_become_errors_without_arguments_in_the_message() -> None:
    def boom(value: Any) -> Any:
        raise RuntimeError(f"secret {value}")

    funcs = {**rendering.FUNCS, "boom": values.GoFunc(name="boom", fn=boom, params=("string",))}
    env = execution.make_environment()
    unit = execution.Unit(source="{{ boom .S }}", name="config", funcs=funcs, env=env)
    with pytest.raises(errors.ExecError) as info:
        unit.execute("config", P, execution.State())
    assert info.value.message == "error calling boom: RuntimeError"
