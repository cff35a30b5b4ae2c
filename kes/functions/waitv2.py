"""WaitV2: poll objects until Go-template conditions over them hold (Kanister `waitv2.go`).

Like Wait (same `anyOf`/`allOf`, backoff, timeout and error wording, all from `waiting`), but each
condition is a Go template executed with the fetched object as dot, as kubectl's go-template
printer does: `{{ if eq .status.phase "Active" }}true{{ end }}`. Only `timeout` is rendered with
the TemplateParams up front (conditions would not survive `missingkey=error`); each condition's
`objectReference` is rendered per poll. A template that does not parse prints nothing (Kanister
drops the printer's parse error), so that condition is simply false. Idempotent.
"""

from __future__ import annotations

from typing import Any

from kes.domain import templates
from kes.domain.templates import goquote
from kes.functions import base, waiting

NAME = "WaitV2"
IDEMPOTENT = True
OUTPUTS: tuple[str, ...] = ()


def evaluate(ctx: base.PhaseContext, condition: waiting.Condition) -> bool:
    obj = waiting.fetch(ctx, waiting.render_reference(ctx, condition.object_reference))
    try:
        templates.check(condition.condition)
    except templates.TemplateError:
        return False
    try:
        output = templates.render(condition.condition, obj, missing_key="zero")
    except templates.TemplateError as exc:
        raise base.FunctionError(
            f"error executing template {goquote.quote(condition.condition)}: {exc}"
        ) from None
    return bool(output.strip() == "true")


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> None:
    if waiting.TIMEOUT_ARG not in args:
        raise base.ArgumentError(f"Argument missing {waiting.TIMEOUT_ARG}")
    try:
        rendered = templates.render_args(args[waiting.TIMEOUT_ARG], dict(ctx.template_params))
    except templates.TemplateError as exc:
        raise base.FunctionError(str(exc)) from None
    waiting.wait_until_met(ctx, timeout=rendered, args=args, evaluate_one=evaluate)


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=(waiting.TIMEOUT_ARG, waiting.CONDITIONS_ARG),
    all_args=(waiting.TIMEOUT_ARG, waiting.CONDITIONS_ARG),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
