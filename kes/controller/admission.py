"""The Blueprint validating webhook's answer: Kanister's checks, Kanister's AdmissionReview.

Kanister's webhook (`pkg/validatingwebhook`, reference 5.2) decodes the Blueprint, runs
`validate.Do(bp, "v0.0.0")` and answers with controller-runtime's responses:

- valid: `allowed: true`, `status: {metadata: {}, code: 200}`;
- invalid: `admission.Denied("Invalid blueprint, <err>\\n")`, i.e. `allowed: false`,
  `status: {metadata: {}, message, reason: "Forbidden", code: 403}`;
- undecodable: `admission.Errored(400, err)`, i.e. `status: {metadata: {}, message, code: 400}`.

`<err>` is the first error `validate.Do` meets, and since Kanister moved to errkit (2025) an
error's text is its JSON: `{"message": ..., "details": ..., "cause": {...}}` plus the Go
function, file and line that built it. kes gives the same JSON without those three fields (they
name Kanister's Go source, which kes has none of). The order is `validate.Do`'s: per action, the
functions of its phases and deferPhase exist, then the deferPhase's args, then each phase's args;
then phase names are unique across the Blueprint. kes then also parses every template (what
`kes blueprint validate` adds), so a Blueprint that could not run is refused at admission too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kes.domain import resources
from kes.domain.templates import rendering
from kes.functions import base, podmeta, registry

PATH = "/validate/v1alpha1/blueprint"
REVIEW_VERSIONS = ("admission.k8s.io/v1", "admission.k8s.io/v1beta1")
VALIDATION_ERROR = "Failed to validate"

ErrKit = dict[str, Any]


class ReviewError(Exception):
    """The request is not an AdmissionReview this webhook can answer (HTTP 400)."""


def _err(message: str, *, cause: ErrKit | None = None, **details: str) -> ErrKit:
    error: ErrKit = {"message": message}
    if details:
        error["details"] = details
    if cause is not None:
        error["cause"] = cause
    return error


def errkit_text(error: ErrKit) -> str:
    """An errkit error's `Error()`: its JSON as Go's encoding/json writes it (HTML-escaped)."""
    text = json.dumps(error, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def first_error(blueprint: resources.Blueprint) -> ErrKit | None:
    """The error Kanister's `validate.Do(bp, "v0.0.0")` returns first, or None."""
    for action_name, action in blueprint.actions.items():
        phases = [*action.phases, *([action.defer_phase] if action.defer_phase else [])]
        specs: dict[str, base.FunctionSpec] = {}
        for phase in phases:
            try:
                specs[phase.name] = registry.lookup(phase.func, base.DEFAULT_VERSION)
            except base.FunctionError as exc:
                return _err(f"{VALIDATION_ERROR} action {action_name}", cause=_err(str(exc)))
        ordered = [*([action.defer_phase] if action.defer_phase else []), *action.phases]
        for phase in ordered:
            problem = _function_error(specs[phase.name], phase.args)
            if problem is not None:
                return _err(
                    f"{VALIDATION_ERROR} phase {phase.name} in action {action_name}",
                    cause=problem,
                )
    seen: set[str] = set()
    for action_name in blueprint.actions:
        for phase in blueprint.phases_of(action_name):
            if phase.name in seen:
                return _err(
                    f"{VALIDATION_ERROR}: Duplicated phase name is not allowed. "
                    f"Violating phase '{phase.name}'"
                )
            seen.add(phase.name)
    return _template_error(blueprint)


def _function_error(spec: base.FunctionSpec, args: Mapping[str, Any]) -> ErrKit | None:
    """A function's `Validate(args)`: pod labels and annotations (wrapped as Kanister's
    `ValidatePodLabelsAndAnnotations` wraps them), then supported and required args."""
    pod_args = spec.creates_pods or {"podLabels", "podAnnotations"} & set(spec.all_args)
    if pod_args:
        for arg, noun in (("podLabels", "labels"), ("podAnnotations", "annotations")):
            value = args.get(arg)
            if value is not None and not isinstance(value, Mapping):
                inner = (
                    "podLabels are not in correct format. Expected format is "
                    "map[string]interface{}."
                    if noun == "labels"
                    else "podAnnotations are not in correct format. expected format is "
                    "map[string]string."
                )
                return _err(
                    "Kanister function validation failed, while getting pod "
                    f"{noun} from function args",
                    cause=_err(inner),
                    funcName=spec.name,
                )
        try:
            podmeta.validate(args)
        except podmeta.PodMetaError as exc:
            noun = "annotations" if str(exc).startswith("annotation") else "labels"
            return _err(
                f"Kanister function validation failed, while validating {noun}",
                cause=_err(str(exc)),
                funcName=spec.name,
            )
    try:
        base.validate_args(spec, args)
    except base.FunctionError as exc:
        return _err(str(exc))
    return None


def _template_error(blueprint: resources.Blueprint) -> ErrKit | None:
    """kes's addition: every template parses (Kanister finds out at the first run)."""
    for action_name, action in blueprint.actions.items():
        for phase in blueprint.phases_of(action_name):
            for arg, text in _strings(phase.args):
                try:
                    rendering.check(text)
                except Exception as exc:  # any parser error refuses the Blueprint
                    return _err(
                        f"{VALIDATION_ERROR} phase {phase.name} in action {action_name}",
                        cause=_err(f"Failed to parse the template of arg {arg}: {exc}"),
                    )
        for artifact_name, artifact in action.output_artifacts.items():
            for text in [*artifact.key_value.values(), artifact.kopia_snapshot]:
                try:
                    rendering.check(text)
                except Exception as exc:  # any parser error refuses the Blueprint
                    return _err(
                        f"{VALIDATION_ERROR} action {action_name}",
                        cause=_err(
                            f"Failed to parse the template of output artifact "
                            f"{artifact_name}: {exc}"
                        ),
                    )
    return None


def _strings(value: Any, arg: str = "") -> list[tuple[str, str]]:
    """(top-level arg, string) for every string in the args, keys of maps included."""
    if isinstance(value, str):
        return [(arg, value)]
    found: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            top = arg or str(key)
            found.extend(_strings(key, top) if isinstance(key, str) else [])
            found.extend(_strings(item, top))
    elif isinstance(value, list):
        for item in value:
            found.extend(_strings(item, arg))
    return found


# --- the AdmissionReview ------------------------------------------------------------------------


def review(body: bytes) -> dict[str, Any]:
    """The AdmissionReview answering `body`; `ReviewError` when `body` is not a review."""
    try:
        request_review = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReviewError(f"couldn't get version/kind; json parse error: {exc}") from exc
    if not isinstance(request_review, dict) or not isinstance(
        request_review.get("request"), dict
    ):
        raise ReviewError("got an empty AdmissionReview request")
    api_version = request_review.get("apiVersion")
    if api_version not in REVIEW_VERSIONS or request_review.get("kind") != "AdmissionReview":
        raise ReviewError(
            f"unsupported kind {request_review.get('kind')!s} in version {api_version!s}"
        )
    request = request_review["request"]
    return {
        "apiVersion": api_version,
        "kind": "AdmissionReview",
        "response": {"uid": str(request.get("uid", "")), **decide(request.get("object"))},
    }


def decide(obj: Any) -> dict[str, Any]:
    """`allowed` and `status` for the Blueprint `obj`, as controller-runtime writes them."""
    try:
        blueprint = resources.parse_object(obj)
        if not isinstance(blueprint, resources.Blueprint):
            raise resources.ResourceError(["the object is not a Blueprint"])
    except resources.ResourceError as exc:
        # admission.Errored(http.StatusBadRequest, err): the decoder's message, no reason.
        return {
            "allowed": False,
            "status": {"metadata": {}, "message": "; ".join(exc.problems), "code": 400},
        }
    error = first_error(blueprint)
    if error is None:
        return {"allowed": True, "status": {"metadata": {}, "code": 200}}
    return {
        "allowed": False,
        "status": {
            "metadata": {},
            "message": f"Invalid blueprint, {errkit_text(error)}\n",
            "reason": "Forbidden",
            "code": 403,
        },
    }
