"""Wait's pure parts: condition decoding, `{$.path}` substitution, anyOf/allOf, durations."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from kes.adapters.k8s import client
from kes.domain import durations
from kes.functions import base, registry, wait, waiting

OBJ = {"status": {"phase": "Active", "n": 2}, "metadata": {"name": "x"}}


def test_conditions_decode_case_insensitively_and_weakly() -> None:
    decoded = waiting.decode_conditions({
        "AnyOf": [{"ObjectReference": {"APIVersion": "v1", "resource": "pods", "name": 3},
                   "condition": "c"}],
        "allof": [],
    })  # fmt: skip
    assert decoded.all_of == ()
    (only,) = decoded.any_of
    assert only.condition == "c"
    assert only.object_reference == {"apiVersion": "v1", "group": "", "resource": "pods",
                                     "kind": "", "name": "3", "namespace": ""}  # fmt: skip


def test_conditions_that_are_not_a_map_are_an_argument_error() -> None:
    with pytest.raises(base.ArgumentError, match=r"^Failed to decode arg `conditions`: "):
        waiting.decode_conditions(["not", "a", "map"])


@pytest.mark.parametrize(
    ("condition", "resolved"),
    [
        ('{{ eq "{$.status.phase}" "Active" }}', '{{ eq "Active" "Active" }}'),
        ('{{ eq "{ $.status.phase }" "Active" }}', '{{ eq "Active" "Active" }}'),
        ("{$.status.n}-{$.status.n}", "2-2"),
        ("{$.status[}", ""),  # does not parse: Kanister substitutes nothing
        ("no placeholders {{ .x }}", "no placeholders {{ .x }}"),
    ],
)
def test_jsonpath_substitution(condition: str, resolved: str) -> None:
    assert waiting.resolve_jsonpath(OBJ, condition) == resolved


def test_missing_key_in_a_placeholder_is_kubectls_error() -> None:
    with pytest.raises(base.FunctionError) as caught:
        waiting.resolve_jsonpath(OBJ, "{$.status.none}")
    assert str(caught.value) == (
        'error executing jsonpath "{.status.none}": Error executing template: none is not found.'
    )


def _ctx() -> base.PhaseContext:
    # The evaluators below never call the API; the context only carries cancel.
    return base.PhaseContext(
        api=client.Api(client=None),  # type: ignore[arg-type]
        namespace="ns",
        action_set=base.ActionSetRef(name="a", namespace="ns"),
    )


def _table(results: dict[str, Any]) -> wait.Evaluate:
    def evaluate(_ctx: base.PhaseContext, condition: waiting.Condition) -> bool:
        value = results[condition.condition]
        if isinstance(value, Exception):
            raise value
        return bool(value)

    return evaluate


def _conds(*names: str) -> tuple[waiting.Condition, ...]:
    return tuple(waiting.Condition(condition=n) for n in names)


@pytest.mark.parametrize(
    ("any_of", "all_of", "met"),
    [
        (("t",), (), True),
        (("f", "t"), (), True),
        ((), ("t", "t2"), True),
        ((), ("t", "f"), False),
        (("f",), ("t",), True),  # anyOf false falls through to allOf
        ((), (), False),
    ],
)
def test_any_of_and_all_of(any_of: tuple[str, ...], all_of: tuple[str, ...], met: bool) -> None:
    evaluate = _table({"t": True, "t2": True, "f": False})
    conditions = waiting.Conditions(any_of=_conds(*any_of), all_of=_conds(*all_of))
    if met:
        waiting.wait_for(_ctx(), conditions=conditions, timeout_s=5, evaluate_one=evaluate)
    else:
        with pytest.raises(base.FunctionError) as caught:
            waiting.wait_for(_ctx(), conditions=conditions, timeout_s=0.05, evaluate_one=evaluate)
        assert str(caught.value) == (
            "Failed to wait for the condition to be met: context deadline exceeded"
        )


def test_the_last_evaluation_error_prefixes_the_timeout() -> None:
    evaluate = _table({"e": base.FunctionError("boom")})
    conditions = waiting.Conditions(any_of=_conds("e"))
    with pytest.raises(base.FunctionError) as caught:
        waiting.wait_for(_ctx(), conditions=conditions, timeout_s=0.05, evaluate_one=evaluate)
    assert str(caught.value) == (
        "boom: Failed to wait for the condition to be met: context deadline exceeded"
    )


def test_cancel_ends_the_wait() -> None:
    ctx = _ctx()
    calls = threading.Event()

    def evaluate(_ctx: base.PhaseContext, _condition: waiting.Condition) -> bool:
        calls.set()
        ctx.cancel.set()
        return False

    conditions = waiting.Conditions(any_of=_conds("f"))
    with pytest.raises(base.FunctionCancelledError):
        waiting.wait_for(ctx, conditions=conditions, timeout_s=600, evaluate_one=evaluate)
    assert calls.is_set()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("30s", 30.0), ("1h30m", 5400.0), ("1.5m", 90.0), ("500ms", 0.5),
     ("-2s", -2.0), ("+1m", 60.0), ("100us", 1e-4), ("3µs", 3e-6), (".5s", 0.5)],
)  # fmt: skip
def test_go_durations(text: str, seconds: float) -> None:
    assert durations.parse_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", 'time: invalid duration ""'), ("s", 'time: invalid duration "s"'),
     ("10", 'time: missing unit in duration "10"'),
     ("1d", 'time: unknown unit "d" in duration "1d"'), ("-", 'time: invalid duration "-"')],
)  # fmt: skip
def test_go_duration_errors(text: str, message: str) -> None:
    with pytest.raises(durations.DurationError) as caught:
        durations.parse_seconds(text)
    assert str(caught.value) == message


def test_specs_are_idempotent_and_render_their_own_args() -> None:
    for name in ("Wait", "WaitV2"):
        spec = registry.lookup(name)
        assert spec.idempotent
        assert registry.renders_own_args(spec)
        assert spec.required_args == ("timeout", "conditions")
    assert not registry.renders_own_args(registry.lookup("KubeTask"))
