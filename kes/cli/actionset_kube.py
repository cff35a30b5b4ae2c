"""The cluster connection `kes actionset` commands share: kubeconfig flags and kanctl's `-n`.

kanctl defaults `-n` to the kubeconfig context's namespace; the kubeconfig is read as YAML here
because only the Kubernetes adapter may speak to the client library.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from kes.adapters.k8s import client, errors


def context_namespace(*, kubeconfig: str | None, context: str | None) -> str:
    """The namespace of the (current or named) kubeconfig context, else `default`."""
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    paths = [kubeconfig] if kubeconfig else listed or [str(Path.home() / ".kube" / "config")]
    for path in paths:
        try:
            config = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        wanted = context or config.get("current-context")
        for entry in config.get("contexts") or []:
            if entry.get("name") == wanted:
                return str((entry.get("context") or {}).get("namespace") or "default")
    return "default"


def connect(*, kubeconfig: str | None, context: str | None) -> client.Api:
    try:
        return client.load(kubeconfig=kubeconfig, context=context)
    except errors.ApiError as exc:
        raise click.ClickException(str(exc)) from None


def namespace_of(options: dict[str, Any]) -> str:
    return str(options["namespace"] or context_namespace(
        kubeconfig=options["kubeconfig"], context=options["context"]
    ))


def connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed([
        click.option("-n", "--namespace", default=None,
                     help="Namespace of the ActionSet [default: the context's]."),
        click.option("--kubeconfig", envvar="KUBECONFIG", help="Kubeconfig file."),
        click.option("--context", help="Kubeconfig context."),
    ]):
        func = decorator(func)
    return func
