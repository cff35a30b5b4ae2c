"""The cluster connection `kes actionset` commands share: kubeconfig flags and kanctl's `-n`.

kanctl defaults `-n` to the kubeconfig context's namespace (`kubecontext`, shared with
`kes history`, which resolves it offline).
"""

from __future__ import annotations

import click

from kes.adapters.k8s import client, errors
from kes.cli import kubecontext


def connect(*, kubeconfig: str | None, context: str | None) -> client.Api:
    try:
        return client.load(kubeconfig=kubeconfig, context=context)
    except errors.ApiError as exc:
        raise click.ClickException(str(exc)) from None


namespace_of = kubecontext.namespace_of
context_namespace = kubecontext.context_namespace
connection_options = kubecontext.kubeconfig_options(what="ActionSet")
