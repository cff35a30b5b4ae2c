"""Kanister's validation rules for ActionSets, Blueprints and Profiles, with Kanister's messages.

- `validate_actionset`: what Kanister checks when it first sees an ActionSet (reference 3.3 step 1,
  `pkg/validate`), raising `ValidationError` with Kanister's message.
- `validate_blueprint`: what Kanister's blueprint validation and webhook check (reference 5.1):
  functions exist, required and supported args, pod label/annotation syntax, phase names unique
  across the blueprint. The function table is passed in, so the domain does not depend on the
  functions package; problems read "action/phase.arg: message".
- `validate_profile`: Kanister's profile schema check (`kanctl validate profile
  --schema-validation-only`), plus kes's `filestore` location (a directory as the bucket).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from kes.domain import resources

# Kanister wraps each of these messages around its "Validation Failed" sentinel error.
_SENTINEL = "Validation Failed"

# Object kinds Kanister resolves itself; any other kind needs apiVersion and resource.
KNOWN_OBJECT_KINDS = frozenset(
    {"statefulset", "deployment", "pvc", "deploymentconfig", "namespace", "unstructured"}
)

POD_LABELS_ARG = "podLabels"
POD_ANNOTATIONS_ARG = "podAnnotations"


class ValidationError(Exception):
    """A resource breaks one of Kanister's rules; `str()` is the message Kanister would give."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {_SENTINEL}")


class FunctionArgs(Protocol):
    """What validation needs to know about a Kanister function."""

    @property
    def required_args(self) -> Sequence[str]: ...

    @property
    def all_args(self) -> Sequence[str]: ...


def validate_actionset(actionset: resources.ActionSet) -> None:
    """Raise ValidationError if Kanister would refuse to start this ActionSet."""
    if actionset.spec is None:
        raise ValidationError("Spec must be non-nil")
    for action in actionset.spec.actions:
        kind = action.object.kind
        if kind.lower() not in KNOWN_OBJECT_KINDS and not (
            action.object.api_version and action.object.resource
        ):
            raise ValidationError(
                f"Not a known object Kind {kind}. Action {action.name} must specify Resource "
                "name and API version"
            )
    status = actionset.status
    if status is None:
        return
    if len(actionset.spec.actions) != len(status.actions):
        raise ValidationError("Number of actions in status actions and spec must match")
    _check_phase_order(status)
    _check_states(status)


def _check_phase_order(status: resources.ActionSetStatus) -> None:
    # A faithful copy of Kanister's loop: the flag is recomputed for every phase, so only the
    # phase right after a non-complete one is checked against the first non-complete state.
    for action in status.actions:
        saw_not_complete = False
        last_non_complete = ""
        for phase in action.phases:
            if saw_not_complete and phase.state != "pending":
                raise ValidationError(f"Phases after a {last_non_complete} one must be pending")
            if not saw_not_complete:
                last_non_complete = phase.state
            saw_not_complete = phase.state != "complete"


def _check_states(status: resources.ActionSetStatus) -> None:
    known = {"pending", "running", "failed", "complete"}
    seen: set[str] = set()
    for action in status.actions:
        for phase in action.phases:
            if phase.state not in known:
                raise ValidationError(f"Action has unknown state '{phase.state}'")
            seen.add(phase.state)
    if status.state not in known:
        raise ValidationError(f"ActionSet has unknown state '{status.state}'")
    if seen & {"running", "pending"} and status.state == "complete":
        raise ValidationError("ActionSet cannot be complete if any actions are not complete")


class ActionResolutionError(Exception):
    """An action of an ActionSet cannot be matched to its blueprint; `str()` is Kanister's text."""


def resolve_action(
    *, spec: resources.ActionSpec, blueprint: resources.Blueprint | None
) -> resources.BlueprintAction:
    """The blueprint action an ActionSet action names, or Kanister's error (reference 3.3 step 2).

    `blueprint` is None when the action names no blueprint; fetching it (and reporting
    "Failed to query blueprint") is the caller's business.
    """
    if not spec.blueprint or blueprint is None:
        raise ActionResolutionError("Blueprint is not specified for action")
    found = blueprint.actions.get(spec.name)
    if found is None:
        raise ActionResolutionError(
            f"Action {spec.name} for object kind {spec.object.kind} not found in blueprint "
            f"{blueprint.metadata.name}"
        )
    return found


def validate_blueprint(
    blueprint: resources.Blueprint,
    *,
    functions: Mapping[str, FunctionArgs],
    parse_template: Callable[[str], None] | None = None,
    version: str = "",
) -> list[str]:
    """Every problem Kanister's blueprint validation finds, as "action/phase.arg: message".

    `functions` maps a function name (or "Name@version") to its args; `version` is tried first
    and falls back to the plain name, as Kanister does. `parse_template`, when given, is called
    on every templated string and its exception message becomes a problem (Kanister does not
    check templates before a run; kes can).
    """
    problems: list[str] = []
    for action_name, action in blueprint.actions.items():
        for phase in blueprint.phases_of(action_name):
            where = f"{action_name}/{phase.name}"
            function = _lookup(functions, name=phase.func, version=version)
            if function is None:
                problems.append(
                    f"{where}: Requested function {{{phase.func}}} has not been registered"
                )
            else:
                problems.extend(_arg_problems(where=where, args=phase.args, function=function))
            if parse_template is not None:
                problems.extend(_template_problems(where, phase, parse_template))
        if parse_template is not None:
            for artifact_name, artifact in action.output_artifacts.items():
                where = f"{action_name}/outputArtifacts.{artifact_name}"
                texts = [*artifact.key_value.values(), artifact.kopia_snapshot]
                problems.extend(_parse_all(where, texts, parse_template))
    problems.extend(_duplicate_phase_names(blueprint))
    return problems


def _lookup(
    functions: Mapping[str, FunctionArgs], *, name: str, version: str
) -> FunctionArgs | None:
    if version and version != "v0.0.0" and f"{name}@{version}" in functions:
        return functions[f"{name}@{version}"]
    return functions.get(name)


def _arg_problems(*, where: str, args: Mapping[str, Any], function: FunctionArgs) -> list[str]:
    problems = [
        f"{where}.{arg}: Required arg missing: {arg}"
        for arg in function.required_args
        if arg not in args
    ]
    problems.extend(
        f"{where}.{arg}: argument {arg} is not supported"
        for arg in args
        if arg not in function.all_args
    )
    for arg, check_value in ((POD_LABELS_ARG, True), (POD_ANNOTATIONS_ARG, False)):
        if arg in args and arg in function.all_args:
            problems.extend(
                f"{where}.{arg}: {message}"
                for message in pod_metadata_problems(args[arg], labels=check_value)
            )
    return problems


def pod_metadata_problems(value: Any, *, labels: bool) -> list[str]:
    """Kanister's checks of podLabels (labels=True) or podAnnotations (labels=False)."""
    noun = "label" if labels else "annotation"
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [f"{noun}s must be a map of strings"]
    problems = []
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            problems.append(f"{noun}s must be a map of strings")
            continue
        key_errors = qualified_name_errors(key if labels else key.lower())
        if key_errors:
            problems.append(f"{noun} key '{key}' failed validation. {_go_list(key_errors)}")
        if labels and (value_errors := label_value_errors(item)):
            problems.append(f"label value '{item}' failed validation. {_go_list(value_errors)}")
    return problems


def _go_list(items: list[str]) -> str:
    # Go's %s of a []string: brackets, space-separated.
    return "[" + " ".join(items) + "]"


_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME_MESSAGE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


def qualified_name_errors(value: str) -> list[str]:
    """Kubernetes' IsQualifiedName: an optional DNS subdomain prefix and '/', then a name."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        errors: list[str] = []
    elif len(parts) == 2:
        prefix, name = parts
        errors = []
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {e}" for e in _dns1123_subdomain_errors(prefix))
    else:
        return [
            f"a qualified name {_QUALIFIED_NAME_MESSAGE} with an optional DNS subdomain prefix "
            "and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.fullmatch(name):
        errors.append(f"name part {_QUALIFIED_NAME_MESSAGE}")
    return errors


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        )
    return errors


def label_value_errors(value: str) -> list[str]:
    """Kubernetes' IsValidLabelValue."""
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not _LABEL_VALUE.fullmatch(value):
        errors.append(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
            "or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        )
    return errors


def _template_problems(
    where: str, phase: resources.BlueprintPhase, parse_template: Callable[[str], None]
) -> Iterator[str]:
    for arg, value in phase.args.items():
        yield from _parse_all(f"{where}.{arg}", [arg, *_strings(value)], parse_template)
    for ref_name, ref in phase.objects.items():
        texts = [ref.api_version, ref.group, ref.resource, ref.kind, ref.name, ref.namespace]
        yield from _parse_all(f"{where}.objects.{ref_name}", texts, parse_template)


def _strings(value: Any) -> Iterator[str]:
    # Kanister renders keys and values of nested maps and lists; other scalars pass through.
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _parse_all(
    where: str, texts: Sequence[str], parse_template: Callable[[str], None]
) -> Iterator[str]:
    for text in texts:
        try:
            parse_template(text)
        except Exception as error:  # any parser error is a problem to report
            yield f"{where}: {error}"


def _duplicate_phase_names(blueprint: resources.Blueprint) -> list[str]:
    seen: set[str] = set()
    problems = []
    for action_name in blueprint.actions:
        for phase in blueprint.phases_of(action_name):
            if phase.name in seen:
                problems.append(
                    f"{action_name}/{phase.name}: Duplicated phase name is not allowed. "
                    f"Violating phase '{phase.name}'"
                )
            seen.add(phase.name)
    return problems


def validate_profile(profile: resources.Profile) -> None:
    """Raise ValidationError if Kanister's profile schema check would refuse this Profile."""
    location, credential = profile.location, profile.credential
    if location.type not in ("s3Compliant", "gcs", "azure", "filestore"):
        raise ValidationError(f"unknown or unsupported location type '{location.type}'")
    if location.type == "filestore":
        # kes's directory location: the directory is the bucket; credentials are optional.
        if not location.bucket:
            raise ValidationError("Bucket not specified")
        if not credential.type:
            return
    if credential.type == "keyPair":
        key_pair = credential.key_pair
        if key_pair is None or not key_pair.secret.name:
            raise ValidationError("Secret for bucket credentials not specified")
        if not key_pair.secret_field or not key_pair.id_field:
            raise ValidationError("Secret field or id field empty")
    elif credential.type == "secret":
        if credential.secret is None or not credential.secret.name:
            raise ValidationError("Secret name is empty")
        if not credential.secret.namespace:
            raise ValidationError("Secret namespace is empty")
    else:
        raise ValidationError(f"Unsupported credential type '{credential.type}'")
    if location.type == "s3Compliant":
        if not location.bucket:
            raise ValidationError("Bucket not specified")
        # Kanister asks for a region even when an endpoint names an S3-compatible store.
        if not location.region:
            raise ValidationError("Bucket region not specified")
