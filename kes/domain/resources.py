"""Kanister's custom resources as pydantic models, and turning YAML or API objects into them.

The models live in one module per kind (`resources_*.py`); this module is the single entry point
the rest of kes uses: `resources.ActionSet`, `resources.parse_document(text)`, ... A document that
does not fit gives a `ResourceError` with one readable line per problem ("path: expectation"),
never a traceback, and never the offending value (it could be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import pydantic
import yaml

from kes.domain import resources_actionset as actionset_models
from kes.domain import resources_blueprint as blueprint_models
from kes.domain import resources_common as common
from kes.domain import resources_profile as profile_models
from kes.domain import resources_repositoryserver as repositoryserver_models

API_GROUP = common.API_GROUP
API_VERSION = common.API_VERSION
GROUP_VERSION = common.GROUP_VERSION

ObjectReference = common.ObjectReference
SecretReference = common.SecretReference
Artifact = common.Artifact
ObjectMeta = common.ObjectMeta

Blueprint = blueprint_models.Blueprint
BlueprintAction = blueprint_models.BlueprintAction
BlueprintPhase = blueprint_models.BlueprintPhase

ActionSet = actionset_models.ActionSet
ActionSetSpec = actionset_models.ActionSetSpec
ActionSpec = actionset_models.ActionSpec
ActionSetStatus = actionset_models.ActionSetStatus
ActionStatus = actionset_models.ActionStatus
Phase = actionset_models.Phase
PhaseProgress = actionset_models.PhaseProgress
ActionProgress = actionset_models.ActionProgress
ActionSetError = actionset_models.ActionSetError

Profile = profile_models.Profile
Location = profile_models.Location
Credential = profile_models.Credential
KeyPair = profile_models.KeyPair

RepositoryServer = repositoryserver_models.RepositoryServer
RepositoryServerSpec = repositoryserver_models.RepositoryServerSpec
RepositoryServerStatus = repositoryserver_models.RepositoryServerStatus

_TOO_DEEP = "the document is nested too deeply"
_OR_INSTANCE = re.compile(r" or instance of \w+")
_M = TypeVar("_M", bound=pydantic.BaseModel)

Resource = Blueprint | ActionSet | Profile | RepositoryServer

KINDS: dict[str, type[Blueprint] | type[ActionSet] | type[Profile] | type[RepositoryServer]] = {
    "Blueprint": Blueprint,
    "ActionSet": ActionSet,
    "Profile": Profile,
    "RepositoryServer": RepositoryServer,
}


class ResourceError(Exception):
    """A document that is not a valid Kanister resource; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Loader(yaml.SafeLoader):
    """YAML as kubectl reads it: timestamps stay strings, keys become strings, no duplicates."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    # kubectl turns YAML into JSON, whose keys are strings: `1:` becomes "1", `on:` "true".
    # Keys are converted before they meet, so `1:` and `true:` stay two keys.
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _json_key(loader.construct_object(key_node, deep=True))
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a scalar", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _json_key(key: Any) -> Any:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return str(key)
    return key


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_documents(text: str) -> list[Any]:
    """Every non-empty document of a YAML stream, or a ResourceError naming line and column."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = error.problem or error.context or "not valid YAML"
        raise ResourceError([f"{where}invalid YAML: {problem}"]) from None
    except yaml.YAMLError as error:
        raise ResourceError([f"invalid YAML: {type(error).__name__}"]) from None
    except RecursionError:
        raise ResourceError([_TOO_DEEP]) from None
    return [document for document in documents if document is not None]


def parse_document(text: str) -> Resource:
    """The single Kanister resource a YAML (or JSON) document describes, chosen by `kind`."""
    documents = load_yaml_documents(text)
    if not documents:
        raise ResourceError(["the document is empty"])
    if len(documents) > 1:
        raise ResourceError([f"expected one document, found {len(documents)}"])
    return parse_object(documents[0])


def parse_documents(text: str) -> list[Resource]:
    """Every Kanister resource of a multi-document YAML stream; other kinds are an error."""
    problems: list[str] = []
    parsed: list[Resource] = []
    for index, document in enumerate(load_yaml_documents(text)):
        try:
            parsed.append(parse_object(document))
        except ResourceError as error:
            problems.extend(f"document {index + 1}: {problem}" for problem in error.problems)
    if problems:
        raise ResourceError(problems)
    return parsed


def parse_object(obj: Any) -> Resource:
    """The Kanister resource an API object (a decoded JSON dict) describes, chosen by `kind`."""
    if not isinstance(obj, Mapping):
        raise ResourceError([f"expected a mapping with apiVersion and kind, got {_type_name(obj)}"])
    kind = obj.get("kind")
    model = KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        expected = ", ".join(KINDS)
        found = f'"{kind}"' if isinstance(kind, str) else "nothing"
        raise ResourceError([f"kind: expected one of {expected}, got {found}"])
    api_version = obj.get("apiVersion")
    if api_version is not None and api_version != GROUP_VERSION:
        raise ResourceError([f'apiVersion: expected "{GROUP_VERSION}", got "{api_version}"'])
    return parse_as(model, obj)


def parse_as(model: type[_M], obj: Any) -> _M:
    """Validate `obj` as `model`, turning pydantic's errors into readable problems."""
    try:
        return model.model_validate(obj)
    except pydantic.ValidationError as error:
        raise ResourceError(_problems(error)) from None
    except RecursionError:
        raise ResourceError([_TOO_DEEP]) from None


def to_object(resource: pydantic.BaseModel) -> dict[str, Any]:
    """The API object of a resource: only the fields that were set, under Kanister's names."""
    obj = resource.model_dump(by_alias=True, exclude_unset=True, mode="json")
    for field in ("apiVersion", "kind"):
        value = getattr(resource, "api_version" if field == "apiVersion" else field, None)
        if value is not None and field not in obj:
            obj = {field: value, **obj}
    return obj


def unknown_fields(obj: Mapping[str, Any]) -> list[str]:
    """Paths of the fields of `obj` that Kanister's schema does not declare (they are dropped).

    kubectl warns about such fields ("unknown field"); kes's commands can do the same, since a
    typo such as `blueprnt:` would otherwise vanish silently. Raises ResourceError if `obj` does
    not parse at all.
    """
    return _dropped(obj, to_object(parse_object(obj)), "")


def _dropped(given: Any, kept: Any, path: str) -> list[str]:
    if isinstance(given, Mapping) and isinstance(kept, Mapping):
        found = []
        for key, value in given.items():
            child = f"{path}.{key}" if path else str(key)
            if value is None:
                continue  # a null is pruned as an unset field, not reported as unknown
            if key not in kept:
                found.append(child)
            else:
                found.extend(_dropped(value, kept[key], child))
        return found
    if isinstance(given, list) and isinstance(kept, list):
        return [
            problem
            for index, (item, kept_item) in enumerate(zip(given, kept, strict=False))
            for problem in _dropped(item, kept_item, f"{path}[{index}]")
        ]
    return []


def _problems(error: pydantic.ValidationError) -> list[str]:
    problems = []
    for detail in error.errors(include_url=False, include_input=True):
        loc = detail["loc"]
        message = _OR_INSTANCE.sub("", detail["msg"])
        if loc and loc[-1] == "[key]":
            # A mapping key of the wrong type: name the key, not a list index.
            loc = (*loc[:-2], str(loc[-2]))
            message = message.replace("Input", "Key", 1)
        if detail["type"] not in {"missing", "literal_error"}:
            message = f"{message} (got {_type_name(detail.get('input'))})"
        path = _path(loc)
        problems.append(f"{path}: {message}" if path else message)
    return problems


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path:
            path += f".{part}"
        else:
            path = str(part)
    return path


def _type_name(value: Any) -> str:
    names = {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }
    for kind, name in names.items():
        if type(value) is kind:
            return name
    return f"a {type(value).__name__}"
