"""What `kes actionset create` builds from its flags, as kanctl builds it (pkg/kanctl).

Everything here is pure: parsing `ref=ns/name`, `ns/name` and `group/version/resource/ns/name`
flags, naming the ActionSet, building its spec (one action per object) and deriving a child
from a complete parent (`--from`). The command module does the API calls (selector listing,
pre-create verification, the parent GET) and hands the results here. Messages are kanctl's,
word for word, because scripts and runbooks match on them.
"""

from __future__ import annotations

import re
import secrets as random_source
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kes.domain import validation

API_VERSION = "cr.kanister.io/v1alpha1"
KIND = "ActionSet"

DEPLOYMENT = "deployment"
STATEFULSET = "statefulset"
DEPLOYMENTCONFIG = "deploymentconfig"
PVC = "pvc"
NAMESPACE = "namespace"
# The order objects given by kind flags appear in (kanctl walks a Go map, so its order varies;
# a fixed order makes dry runs reproducible).
TYPED_KINDS = (DEPLOYMENT, STATEFULSET, DEPLOYMENTCONFIG, PVC, NAMESPACE)
SELECTOR_ALL = "all"
# What `--kind all` lists, in kanctl's fallthrough order.
SELECTOR_ALL_KINDS = (DEPLOYMENT, DEPLOYMENTCONFIG, STATEFULSET, PVC)

MISSING_ACTION_NAME = "missing action name. use the --action flag to specify the action name"
INVALID_LABELS = "invalid --labels value. make sure the value for field --labels is correct"
NO_OBJECTS = (
    "no objects found to perform action set. Please pass a valid parent action set and/or selector"
)
NO_DATA_MOVER = (
    "Neither --profile nor --repository-server flag is provided.\n"
    "Action might fail if blueprint is using these resources."
)
NOT_FOUND = "Please make sure '{kind}' with name '{name}' exists in namespace '{namespace}'"
VERIFICATION_FAILED = "resource verification failed"

# Kubernetes' rand.String alphabet: no vowels (no words) and no easily confused characters.
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# Go's \w is ASCII-only; Go's `[\w-.]` is `[\w.-]` in Python.
_WORD = r"[\w.-]"
_REFERENCE = re.compile(rf"({_WORD}+)=({_WORD}+)/({_WORD}+)", re.ASCII)
_NAMESPACED = re.compile(rf"({_WORD}+)/({_WORD}+)", re.ASCII)
_GENERIC = re.compile(
    rf"({_WORD}*/)*({_WORD}+)/({_WORD}+)/({_WORD}+)/({_WORD}+)", re.ASCII
)


class KanctlError(ValueError):
    """A flag or parent that kanctl would refuse; the message is kanctl's."""


def reference(*, name: str, namespace: str, **fields: str) -> dict[str, str]:
    """An ObjectReference with all six fields, as kanctl's YAML shows them."""
    ref = {"apiVersion": "", "group": "", "resource": "", "kind": "", "name": name,
           "namespace": namespace}
    ref.update(fields)
    return ref


def split_list(values: Iterable[str]) -> list[str]:
    """A cobra StringSlice: the flag may repeat and each value is comma separated."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_references(values: Iterable[str], *, what: str) -> dict[str, dict[str, str]]:
    """`ref=namespace/name,...` (secrets, config maps) into named references."""
    parsed: dict[str, dict[str, str]] = {}
    for value in split_list(values):
        match = _REFERENCE.search(value)
        if match is None:
            raise KanctlError(f"failed to parse {what}: Expected ref=namespace/name. Got {value}")
        parsed[match[1]] = reference(name=match[3], namespace=match[2])
    return parsed


def parse_name(*, kind: str, value: str) -> tuple[str, str]:
    """(namespace, name) of a typed object flag; a namespace target is its own namespace."""
    if kind == NAMESPACE:
        return value, value
    match = _NAMESPACED.search(value)
    if match is None:
        raise KanctlError(f"failed to parse {kind}: Expected namespace/name. Got {value}")
    return match[1], match[2]


@dataclass
class ObjectList:
    """Objects in flag order, each (kind, namespace, name) once, as kanctl de-duplicates."""

    items: list[dict[str, str]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add_typed(self, *, kind: str, namespace: str, name: str) -> None:
        key = f"{kind}={namespace}/{name}"
        if key not in self.seen:
            self.seen.add(key)
            self.items.append(reference(kind=kind, name=name, namespace=namespace))

    def add_typed_flags(self, by_kind: Mapping[str, Iterable[str]]) -> None:
        for kind in TYPED_KINDS:
            for value in split_list(by_kind.get(kind, ())):
                namespace, name = parse_name(kind=kind, value=value)
                self.add_typed(kind=kind, namespace=namespace, name=name)

    def add_generic_flags(self, values: Iterable[str]) -> None:
        # kanctl does not de-duplicate generic objects.
        self.items.extend(parse_generic_object(value) for value in split_list(values))


def parse_generic_object(value: str) -> dict[str, str]:
    """`group/version/resource/ns/name` (core: `version/resource/ns/name`).

    As in kanctl, the parsed group keeps its trailing `/` (the API paths strip it).
    """
    match = _GENERIC.search(value)
    if match is None:
        raise KanctlError(
            "Expected group/version/resource/namespace/name or in the case of core group's "
            f"resources version/resource/namespace/name . Got {value} 0"
        )
    return reference(
        group=match[1] or "", apiVersion=match[2], resource=match[3], namespace=match[4],
        name=match[5],
    )


def selector_kinds(kind: str) -> tuple[str, ...]:
    """The kinds `--selector` lists for `--kind`."""
    if kind == SELECTOR_ALL:
        return SELECTOR_ALL_KINDS
    if kind in (DEPLOYMENT, DEPLOYMENTCONFIG, STATEFULSET, PVC, NAMESPACE):
        return (kind,)
    raise KanctlError(
        f"unsupported or unknown object kind '{kind}'. Supported deployment, statefulset and pvc"
    )


def parse_options(values: Iterable[str]) -> dict[str, str]:
    """`key=value,...` with exactly one `=` each."""
    options: dict[str, str] = {}
    for value in split_list(values):
        pair = value.split("=")
        if len(pair) != 2:
            raise KanctlError(f"Expected options as key=value pairs. Got {value}")
        options[pair[0]] = pair[1]
    return options


def parse_labels(text: str) -> dict[str, str] | None:
    """`--labels key=value,...` for the ActionSet itself (None when not given)."""
    if not text:
        return None
    parsed: dict[str, str] = {}
    for item in text.split(","):
        if "=" not in item:
            raise KanctlError(INVALID_LABELS)
        pair = item.split("=")
        parsed[pair[0].strip()] = pair[1].strip()
    return parsed


def parse_pod_metadata(values: Iterable[str], *, labels: bool) -> dict[str, str]:
    """`--podlabels` / `--podannotations` (a cobra StringToString), validated as Kanister does."""
    parsed: dict[str, str] = {}
    for item in split_list(values):
        key, equals, value = item.partition("=")
        if not equals:
            flag = "podlabels" if labels else "podannotations"
            raise KanctlError(f'invalid argument "{item}" for "--{flag}" flag: '
                              f"{item} must be formatted as key=value")
        parsed[key] = value
    problems = validation.pod_metadata_problems(parsed, labels=labels)
    if problems:
        raise KanctlError(problems[0])
    return parsed


def parse_profile(value: str, *, namespace: str) -> dict[str, str] | None:
    """`--profile [namespace/]name`; the namespace defaults to the ActionSet's."""
    if not value:
        return None
    if "/" in value:
        parts = value.split("/")
        if len(parts) != 2:
            raise KanctlError(
                f"Invalid profile name {value}, should be of the form "
                "( --profile namespace/name OR --profile name)"
            )
        namespace, value = parts
    return reference(name=value, namespace=namespace)


def parse_repository_server(value: str) -> dict[str, str] | None:
    """`--repository-server namespace/name` (0.119.0's flag; the namespace is required)."""
    if not value:
        return None
    parts = value.split("/")
    if len(parts) != 2:
        raise KanctlError(
            f"Invalid repository server name {value}, it should be of the form "
            "( --repository-server namespace/name )"
        )
    return reference(name=parts[1], namespace=parts[0])


def random_suffix(length: int = 5) -> str:
    return "".join(random_source.choice(_RAND_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Request:
    """The parsed flags of one `kes actionset create`."""

    namespace: str
    action: str = ""
    name: str = ""
    parent: str = ""
    blueprint: str = ""
    objects: tuple[dict[str, str], ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    profile: Mapping[str, str] | None = None
    repository_server: Mapping[str, str] | None = None
    secrets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    config_maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    labels: Mapping[str, str] | None = None
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    pod_annotations: Mapping[str, str] = field(default_factory=dict)


def generate_name(request: Request, *, suffix: str | None = None) -> str:
    """`--name`, else `<action>-<parent>-<rand>`, `<action>-<rand>` or `<parent>-<rand>`."""
    if request.name:
        return request.name
    suffix = suffix if suffix is not None else random_suffix()
    if request.action:
        if request.parent:
            return f"{request.action}-{request.parent}-{suffix}"
        return f"{request.action}-{suffix}"
    if request.parent:
        return f"{request.parent}-{suffix}"
    raise KanctlError(MISSING_ACTION_NAME)


def _document(request: Request, actions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": request.namespace}
    if request.labels is not None:
        metadata["labels"] = dict(request.labels)
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata,
            "spec": {"actions": actions}}


def _copy_refs(refs: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {key: dict(ref) for key, ref in refs.items()}


def _action(
    *, name: str, blueprint: str, obj: Mapping[str, str], request: Request,
    secrets: Mapping[str, Mapping[str, str]], config_maps: Mapping[str, Mapping[str, str]],
    profile: Mapping[str, str] | None, repository_server: Mapping[str, str] | None,
    options: Mapping[str, str], artifacts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {"name": name, "blueprint": blueprint, "object": dict(obj)}
    optional: dict[str, Any] = {
        "artifacts": dict(artifacts or {}),
        "secrets": _copy_refs(secrets),
        "configMaps": _copy_refs(config_maps),
        "profile": dict(profile) if profile else None,
        "repositoryServer": dict(repository_server) if repository_server else None,
        "options": dict(options),
        "podLabels": dict(request.pod_labels),
        "podAnnotations": dict(request.pod_annotations),
    }
    action.update({key: value for key, value in optional.items() if value})
    return action


def new_actionset(request: Request, *, suffix: str | None = None) -> dict[str, Any]:
    """The ActionSet for a request without `--from`: one action per object."""
    if not request.objects:
        raise KanctlError(NO_OBJECTS)
    if not request.action:
        raise KanctlError("action required to create new action set")
    if not request.blueprint:
        raise KanctlError("blueprint required to create new action set")
    actions = [
        _action(
            name=request.action, blueprint=request.blueprint, obj=obj, request=request,
            secrets=request.secrets, config_maps=request.config_maps, profile=request.profile,
            repository_server=request.repository_server, options=request.options,
        )
        for obj in request.objects
    ]
    return _document(request, actions, generate_name(request, suffix=suffix))


def child_actionset(
    parent: Mapping[str, Any], request: Request, *, suffix: str | None = None
) -> dict[str, Any]:
    """`--from PARENT`: the parent's actions again, with its output artifacts as input."""
    status = parent.get("status") or {}
    if status.get("state") != "complete":
        parent_name = (parent.get("metadata") or {}).get("name", request.parent)
        raise KanctlError(f"Request parent ActionSet {parent_name} has not been executed")
    spec_actions = (parent.get("spec") or {}).get("actions") or []
    actions: list[dict[str, Any]] = []
    for index, done in enumerate(status.get("actions") or []):
        asked = spec_actions[index] if index < len(spec_actions) else {}
        base = _action(
            name=request.action or asked.get("name", ""),
            blueprint=request.blueprint or done.get("blueprint", ""),
            obj=done.get("object") or {},
            request=request,
            secrets=request.secrets or asked.get("secrets") or {},
            config_maps=request.config_maps or asked.get("configMaps") or {},
            profile=request.profile or asked.get("profile"),
            repository_server=request.repository_server or asked.get("repositoryServer"),
            # New options win over the parent's.
            options={**(asked.get("options") or {}), **request.options},
            artifacts=done.get("artifacts") or {},
        )
        for obj in request.objects or [base["object"]]:
            actions.append({**base, "object": dict(obj)})
    return _document(request, actions, generate_name(request, suffix=suffix))


@dataclass(frozen=True)
class Check:
    """One object that must exist before the ActionSet is created."""

    label: str  # the kind as kanctl's message names it
    group: str
    version: str
    resource: str
    namespace: str
    name: str

    def message(self, error: str) -> str:
        text = NOT_FOUND.format(kind=self.label, name=self.name, namespace=self.namespace)
        return f"{text}: {error}" if error else text


_TYPED_CHECKS = {
    DEPLOYMENT: ("apps", "v1", "deployments"),
    STATEFULSET: ("apps", "v1", "statefulsets"),
    DEPLOYMENTCONFIG: ("apps.openshift.io", "v1", "deploymentconfigs"),
    PVC: ("", "v1", "persistentvolumeclaims"),
}


def object_checks(objects: Iterable[Mapping[str, str]]) -> list[Check]:
    """Existence checks for the objects (kanctl stops at the first missing one)."""
    checks = []
    for obj in objects:
        kind, name, namespace = obj.get("kind", ""), obj["name"], obj.get("namespace", "")
        if kind == NAMESPACE:
            checks.append(Check(kind, "", "v1", "namespaces", "", name))
            continue
        group, version, resource = _TYPED_CHECKS.get(
            kind, (obj.get("group", ""), obj.get("apiVersion", ""), obj.get("resource", ""))
        )
        checks.append(Check(kind, group.rstrip("/"), version, resource, namespace, name))
    return checks


def resource_checks(request: Request) -> list[Check]:
    """Blueprint, profile, repository server, config maps and secrets (kanctl checks them all)."""
    checks = []
    if request.blueprint:
        checks.append(Check("blueprint", "cr.kanister.io", "v1alpha1", "blueprints",
                            request.namespace, request.blueprint))
    if request.profile:
        checks.append(Check("profile", "cr.kanister.io", "v1alpha1", "profiles",
                            request.profile["namespace"], request.profile["name"]))
    if request.repository_server:
        checks.append(Check("repository-server", "cr.kanister.io", "v1alpha1",
                            "repositoryservers", request.repository_server["namespace"],
                            request.repository_server["name"]))
    for label, refs, resource in (("config map", request.config_maps, "configmaps"),
                                  ("secret", request.secrets, "secrets")):
        checks.extend(Check(label, "", "v1", resource, ref["namespace"], ref["name"])
                      for ref in refs.values())
    return checks
