"""`helm template` and `helm lint` of the kes chart by Helm's own engine: the `helm-python-sdk`
wheel (test extra) bundles Helm 4's Go library, so no helm binary is needed."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import yaml
from deployfiles import CHART

RenderError = helm.HelmError


def render(
    overrides: dict[str, Any] | None = None, *, release: str = "kes", namespace: str = "kes"
) -> dict[str, str]:
    """Each template file's output (NOTES.txt included) by file name, as Helm renders it;
    values are checked against values.schema.json first, as `helm install` does."""
    with helm.Chart.load(str(CHART)) as chart:
        manifests = chart.render(overrides or {}, name=release, namespace=namespace,
                                 is_install=True)
    prefix = f"{CHART.name}/templates/"
    return {path.removeprefix(prefix): text for path, text in manifests.items()}


def objects(
    overrides: dict[str, Any] | None = None, *, release: str = "kes", namespace: str = "kes"
) -> list[dict[str, Any]]:
    """The rendered manifests, parsed (NOTES.txt is not a manifest)."""
    found: list[dict[str, Any]] = []
    for name, text in sorted(render(overrides, release=release, namespace=namespace).items()):
        if name != "NOTES.txt":
            found.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return found


def lint(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """`helm lint --strict` (warnings count as errors) of the chart directory."""
    report: dict[str, Any] = helm.lint(str(CHART), overrides, strict=True)
    return report
