"""`helm template` for the kes chart, done by `gotemplate` (there is no helm binary here)."""

from __future__ import annotations

import copy
from typing import Any

import gotemplate
import yaml
from deployfiles import CHART


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Helm's values merge: maps merge key by key, anything else replaces."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def render(
    overrides: dict[str, Any] | None = None, *, release: str = "kes", namespace: str = "kes"
) -> dict[str, str]:
    """Each template file's output (NOTES.txt included), as Helm renders it."""
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    values = merged(yaml.safe_load((CHART / "values.yaml").read_text()), overrides or {})
    top = {
        "Values": values,
        "Release": {"Name": release, "Namespace": namespace, "Service": "Helm"},
        "Chart": {"Name": chart["name"], "Version": chart["version"],
                  "AppVersion": chart["appVersion"]},
    }
    defines: dict[str, list[gotemplate.Node]] = {}
    files = {p.name: gotemplate.parse(p.read_text(), defines)
             for p in sorted((CHART / "templates").iterdir())}
    renderer = gotemplate.Renderer(defines)
    return {name: renderer.render(nodes, top, {"$": top})
            for name, nodes in files.items() if not name.startswith("_")}


def objects(
    overrides: dict[str, Any] | None = None, *, release: str = "kes", namespace: str = "kes"
) -> list[dict[str, Any]]:
    """The rendered manifests, parsed (NOTES.txt is not a manifest)."""
    found: list[dict[str, Any]] = []
    for name, text in render(overrides, release=release, namespace=namespace).items():
        if name != "NOTES.txt":
            found.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return found
