"""Parsing the values of `kes blueprint render`'s options (KEY=VALUE, REF=NS/NAME, ...).

Each parser raises click's BadParameter naming the option and the expected shape, so a typo is
a usage message (exit code 2), never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import click

from kes.domain import resources


def pairs(values: tuple[str, ...], *, option: str, separator: str) -> Iterator[tuple[str, str]]:
    for value in values:
        left, equals, right = value.partition("=")
        if not equals or not left:
            raise click.BadParameter(f"{value!r} is not {separator}", param_hint=option)
        yield left, right


def dotted(values: tuple[str, ...], *, option: str, shape: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for left, right in pairs(values, option=option, separator=shape):
        head, dot, key = left.partition(".")
        if not dot or not head or not key:
            raise click.BadParameter(f"{left!r} is not {shape}", param_hint=option)
        found.setdefault(head, {})[key] = right
    return found


def refs(values: tuple[str, ...], *, option: str) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for ref, target in pairs(values, option=option, separator="REF=NAMESPACE/NAME"):
        namespace, slash, name = target.partition("/")
        if not slash or not namespace or not name:
            raise click.BadParameter(f"{target!r} is not NAMESPACE/NAME", param_hint=option)
        found[ref] = (namespace, name)
    return found


def yaml_objects(source: IO[str], *, option: str) -> list[Any]:
    try:
        return resources.load_yaml_documents(source.read())
    except resources.ResourceError as error:
        raise click.BadParameter("; ".join(error.problems), param_hint=option) from None


def single_mapping(source: IO[str] | None, *, option: str) -> dict[str, Any] | None:
    if source is None:
        return None
    documents = yaml_objects(source, option=option)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise click.BadParameter("expected one YAML mapping", param_hint=option)
    return documents[0]


def object_ref(value: str | None) -> tuple[str, str, str] | None:
    if value is None:
        return None
    parts = value.split("/")
    if len(parts) == 2 and parts[0].lower() == "namespace":
        return (parts[0], parts[1], parts[1])
    if len(parts) != 3 or not all(parts):
        raise click.BadParameter(f"{value!r} is not KIND/NAMESPACE/NAME", param_hint="--object")
    return (parts[0], parts[1], parts[2])


def pods(values: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    pods = []
    for value in values:
        pod, _, containers = value.partition(":")
        if not pod:
            raise click.BadParameter(f"{value!r} is not POD[:CONTAINER,...]", param_hint="--pod")
        pods.append((pod, [c for c in containers.split(",") if c]))
    return pods


def pvcs(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for left, path in pairs(values, option="--pvc", separator="POD/CLAIM=MOUNTPATH"):
        pod, slash, claim = left.partition("/")
        if not slash or not pod or not claim:
            raise click.BadParameter(f"{left!r} is not POD/CLAIM", param_hint="--pvc")
        found.setdefault(pod, {})[claim] = path
    return found
