"""What Wait and WaitV2 share: their `conditions` arg, object fetching and the polling loop.

Kanister's `waitForCondition`: `anyOf` holds when one condition is true, `allOf` when all are;
polls back off from 100 ms doubling to 10 s until the timeout, and the last evaluation error
prefixes the timeout error. Each function brings its own way to evaluate one condition.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.k8s import jsonpath, objects
from kes.domain import durations, templates
from kes.domain.templates import goquote
from kes.functions import args as args_decoding
from kes.functions import base

TIMEOUT_ARG = "timeout"
CONDITIONS_ARG = "conditions"

# Kanister `pkg/jsonpath`: the closing brace is not part of the match and is assumed to follow.
_JSONPATH_ARG = re.compile(r"{\s*\$([^}]*)", re.MULTILINE)
_FIRST_DELAY = 0.1
_MAX_DELAY = 10.0
_REF_FIELDS = ("apiVersion", "group", "resource", "kind", "name", "namespace")


@dataclass(frozen=True)
class Condition:
    object_reference: dict[str, str] = field(default_factory=dict)
    condition: str = ""


@dataclass(frozen=True)
class Conditions:
    any_of: tuple[Condition, ...] = ()
    all_of: tuple[Condition, ...] = ()


Evaluate = Callable[[base.PhaseContext, Condition], bool]


def _fold(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    # mapstructure matches struct field names case-insensitively.
    return {str(k).lower(): v for k, v in mapping.items()}


def _condition(raw: Any) -> Condition:
    if not isinstance(raw, Mapping):
        raise args_decoding.DecodeError(f"'' expected a map, got '{args_decoding.go_type(raw)}'")
    folded = _fold(raw)
    ref_raw = folded.get("objectreference") or {}
    if not isinstance(ref_raw, Mapping):
        raise args_decoding.DecodeError("'ObjectReference' expected a map")
    ref_folded = _fold(ref_raw)
    ref = {key: args_decoding.to_str(ref_folded.get(key.lower())) for key in _REF_FIELDS}
    return Condition(object_reference=ref, condition=args_decoding.to_str(folded.get("condition")))


def decode_conditions(raw: Any) -> Conditions:
    """The `conditions` arg as Kanister's `WaitConditions` (weakly decoded)."""
    try:
        folded = _fold(args_decoding.to_any_map(raw))
        return Conditions(
            any_of=tuple(_condition(c) for c in folded.get("anyof") or []),
            all_of=tuple(_condition(c) for c in folded.get("allof") or []),
        )
    except (args_decoding.DecodeError, TypeError) as exc:
        raise base.ArgumentError(f"Failed to decode arg `{CONDITIONS_ARG}`: {exc}") from None


def render_reference(ctx: base.PhaseContext, ref: Mapping[str, str]) -> dict[str, str]:
    """Each field of the reference rendered with the phase's TemplateParams."""
    try:
        rendered = templates.render_object_refs({"objRef": ref}, dict(ctx.template_params))
    except templates.TemplateError as exc:
        raise base.FunctionError(str(exc)) from None
    return dict(rendered["objRef"]) if rendered is not None else dict(ref)


def fetch(ctx: base.PhaseContext, ref: Mapping[str, str]) -> dict[str, Any]:
    """The referenced object (namespace empty → cluster-scoped)."""
    return objects.get(
        ctx.api,
        group=ref.get("group", ""),
        version=ref.get("apiVersion", ""),
        resource=ref.get("resource", ""),
        namespace=ref.get("namespace", ""),
        name=ref.get("name", ""),
    )


def resolve_jsonpath(obj: Mapping[str, Any], condition: str) -> str:
    """Replace each `{$.path}` with kubectl's JSONPath output (unparsable paths print nothing)."""
    resolved = condition
    for match in _JSONPATH_ARG.finditer(condition):
        source = match.group(0) + "}"
        expression = "{" + match.group(1).strip() + "}"
        try:
            value = jsonpath.execute(expression, obj)
        except jsonpath.JSONPathSyntaxError:
            value = ""  # Kanister drops the printer's parse error and substitutes nothing
        except jsonpath.JSONPathError as exc:
            raise base.FunctionError(
                f"error executing jsonpath {goquote.quote(expression)}: "
                f"Error executing template: {exc}."
            ) from None
        resolved = resolved.replace(source, value)
    return resolved


def _attempt(
    ctx: base.PhaseContext, condition: Condition, evaluate_one: Evaluate
) -> tuple[bool, str]:
    try:
        return evaluate_one(ctx, condition), ""
    except (base.FunctionError, k8s_errors.ApiError) as exc:
        return False, str(exc)


def wait_for(
    ctx: base.PhaseContext, *, conditions: Conditions, timeout_s: float, evaluate_one: Evaluate
) -> None:
    """Kanister's `waitForCondition`; returns when met, raises FunctionError on timeout."""
    deadline = time.monotonic() + timeout_s
    delay = _FIRST_DELAY
    last_error = ""
    while True:
        if ctx.cancel.is_set():
            raise base.FunctionCancelledError()
        met, last_error = _poll_once(ctx, conditions=conditions, evaluate_one=evaluate_one)
        if met:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ctx.cancel.wait(min(delay, remaining))
        delay = min(delay * 2, _MAX_DELAY)
    message = "Failed to wait for the condition to be met: context deadline exceeded"
    raise base.FunctionError(f"{last_error}: {message}" if last_error else message)


def _poll_once(
    ctx: base.PhaseContext, *, conditions: Conditions, evaluate_one: Evaluate
) -> tuple[bool, str]:
    result = False
    for condition in conditions.any_of:
        result, error = _attempt(ctx, condition, evaluate_one)
        if error:
            return False, error
        if result:
            return True, ""
    for condition in conditions.all_of:
        result, error = _attempt(ctx, condition, evaluate_one)
        if error or not result:
            return False, error
    return result, ""


def parse_timeout(value: str) -> float:
    try:
        return durations.parse_seconds(value)
    except durations.DurationError as exc:
        raise base.FunctionError(f"Failed to parse timeout: {exc}") from None


def wait_until_met(
    ctx: base.PhaseContext, *, timeout: Any, args: Mapping[str, Any], evaluate_one: Evaluate
) -> None:
    """Wait's and WaitV2's common end: decode the unrendered conditions, poll until they hold."""
    if CONDITIONS_ARG not in args:
        raise base.ArgumentError(f"Argument missing {CONDITIONS_ARG}")
    conditions = decode_conditions(args[CONDITIONS_ARG])
    timeout_s = parse_timeout(args_decoding.to_str(timeout))
    wait_for(ctx, conditions=conditions, timeout_s=timeout_s, evaluate_one=evaluate_one)
