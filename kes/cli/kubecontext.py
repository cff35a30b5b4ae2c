"""The namespace a command works in when `-n` is not given: the kubeconfig context's, as kubectl.

kubectl's rule: `-n` (here also `KES_NAMESPACE`) wins; else the namespace of the current (or
`--context`) context, found in the kubeconfig files `--kubeconfig` or `KUBECONFIG` name (merged:
the first file that sets a value wins) or `~/.kube/config`; else `default`. The files are read as
YAML, with no API server and no Kubernetes client, so `kes history` resolves it offline.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml


def _kubeconfig_paths(kubeconfig: str | None) -> list[Path]:
    if kubeconfig:
        return [Path(kubeconfig)]
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return [Path(p) for p in listed] or [Path.home() / ".kube" / "config"]


def context_namespace(*, kubeconfig: str | None, context: str | None) -> str:
    """The namespace of the (current or named) kubeconfig context, else `default`."""
    current = ""
    contexts: dict[str, Any] = {}
    for path in _kubeconfig_paths(kubeconfig):
        try:
            config = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(config, dict):
            continue
        current = current or str(config.get("current-context") or "")
        for entry in config.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name") not in contexts:
                contexts[str(entry.get("name"))] = entry.get("context") or {}
    wanted = context or current
    found = contexts.get(wanted) if wanted else None
    namespace = found.get("namespace") if isinstance(found, dict) else None
    return str(namespace or "default")


def namespace_of(options: dict[str, Any]) -> str:
    """`-n` if given, else the context's namespace."""
    return str(
        options.get("namespace")
        or context_namespace(kubeconfig=options.get("kubeconfig"), context=options.get("context"))
    )


def kubeconfig_options(*, what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`-n/--namespace`, `--kubeconfig` and `--context`, shared by every command group."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed([
            click.option("-n", "--namespace", default=None, envvar="KES_NAMESPACE",
                          help=f"Namespace of the {what} [default: the kubeconfig context's]."),
            click.option("--kubeconfig", envvar="KUBECONFIG",
                         help="Kubeconfig file (for the context's namespace)."),
            click.option("--context", help="Kubeconfig context."),
        ]):
            func = decorator(func)
        return func

    return decorate
