"""Wait: poll objects until JSONPath-substituted Go-template conditions hold (Kanister `wait.go`).

Kanister exempts Wait from the phase's pre-rendering: it renders all args itself (only to read
`timeout`), then per poll and per condition renders the condition's `objectReference`, fetches
the object, replaces every `{$.path}` with kubectl's JSONPath output for it and executes the
result as a Go template with `missingkey=zero` and a nil dot; the condition holds iff the output
trims to `true`. `anyOf`: one true condition suffices; `allOf`: all must hold. Polls with backoff
(100 ms doubling to 10 s) until the timeout; the last evaluation error prefixes the timeout error.
The polling machinery lives in `waiting`, shared with WaitV2. Idempotent.
"""

from __future__ import annotations

from typing import Any

from kes.domain import templates
from kes.functions import base, waiting

NAME = "Wait"
IDEMPOTENT = True
OUTPUTS: tuple[str, ...] = ()


def evaluate(ctx: base.PhaseContext, condition: waiting.Condition) -> bool:
    obj = waiting.fetch(ctx, waiting.render_reference(ctx, condition.object_reference))
    resolved = waiting.resolve_jsonpath(obj, condition.condition)
    try:
        output = templates.render(resolved, None, missing_key="zero")
    except templates.TemplateError as exc:
        raise base.FunctionError(str(exc)) from None
    return bool(output.strip() == "true")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> None:
    try:
        rendered = templates.render_args(dict(args), dict(ctx.template_params))
    except templates.TemplateError as exc:
        raise base.FunctionError(str(exc)) from None
    if waiting.TIMEOUT_ARG not in rendered:
        raise base.ArgumentError(f"Argument missing {waiting.TIMEOUT_ARG}")
    # The conditions come from the unrendered args: they are evaluated per poll.
    waiting.wait_until_met(
        ctx, timeout=rendered[waiting.TIMEOUT_ARG], args=args, evaluate_one=evaluate
    )


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=(waiting.TIMEOUT_ARG, waiting.CONDITIONS_ARG),
    all_args=(waiting.TIMEOUT_ARG, waiting.CONDITIONS_ARG),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
