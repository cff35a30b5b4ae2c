"""The handle every Kubernetes call goes through: an `ApiClient` from kubeconfig or in-cluster.

`Api` is what upper layers pass around (PhaseContext.api); they never see `kubernetes` types. One
`Api` is shared by threads: the official client's REST calls are thread-safe, but its websocket
helper (exec) temporarily swaps the client's `request` method, so exec uses `Api.fresh_client()`.
Every request has a timeout (`timeout_s`, `--api-timeout`): an API server that never answers
fails the call, which is then retried where that is safe, instead of blocking its thread forever.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import kubernetes.client
import kubernetes.config

from kes.adapters.k8s import errors

# Seconds a request may take to connect, and to answer (read timeout), unless told otherwise.
DEFAULT_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Api:
    """A configured connection to one API server."""

    client: kubernetes.client.ApiClient
    # Told the HTTP verb of every generic request that fails (other than a 404), for metrics.
    on_error: Callable[[str], None] | None = field(default=None, compare=False)
    timeout_s: float = DEFAULT_TIMEOUT_S

    def request_timeout(self, read_s: float | None = None) -> tuple[float, float]:
        """The (connect, read) timeout of one request; `read_s` for longer reads (streams)."""
        read = self.timeout_s if read_s is None else read_s
        return (min(CONNECT_TIMEOUT_S, read), read)

    @property
    def configuration(self) -> kubernetes.client.Configuration:
        return self.client.configuration

    @property
    def host(self) -> str:
        return str(self.configuration.host)

    def core(self) -> kubernetes.client.CoreV1Api:
        return kubernetes.client.CoreV1Api(self.client)

    def apps(self) -> kubernetes.client.AppsV1Api:
        return kubernetes.client.AppsV1Api(self.client)

    def fresh_client(self) -> kubernetes.client.ApiClient:
        """A separate `ApiClient` on the same configuration (for exec websockets); close it."""
        return kubernetes.client.ApiClient(configuration=self.configuration)

    def without_retries(self) -> Api:
        """A separate client on a copy of this configuration that never retries a request:
        a call given a deadline must fail by it (urllib3 retries a timed-out read 3 times).
        Close it when done."""
        configuration = copy.deepcopy(self.configuration)
        configuration.retries = False
        return Api(
            client=kubernetes.client.ApiClient(configuration=configuration),
            on_error=self.on_error,
        )

    def close(self) -> None:
        """Release the client's threads and its pooled keep-alive connections."""
        self.client.close()
        pool_manager = getattr(self.client.rest_client, "pool_manager", None)
        if pool_manager is not None:
            pool_manager.clear()


def from_configuration(
    configuration: kubernetes.client.Configuration, *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Api:
    return Api(client=kubernetes.client.ApiClient(configuration=configuration),
               timeout_s=timeout_s)


def from_kubeconfig(
    *, path: str | None = None, context: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S
) -> Api:
    """Load a kubeconfig file (default: $KUBECONFIG or ~/.kube/config), optionally one context."""
    configuration = kubernetes.client.Configuration()
    with errors.translated():
        kubernetes.config.load_kube_config(
            config_file=path, context=context, client_configuration=configuration
        )
    return from_configuration(configuration, timeout_s=timeout_s)


def in_cluster(*, timeout_s: float = DEFAULT_TIMEOUT_S) -> Api:
    """Use the pod's service account token and the KUBERNETES_SERVICE_* environment."""
    configuration = kubernetes.client.Configuration()
    with errors.translated():
        kubernetes.config.load_incluster_config(client_configuration=configuration)
    return from_configuration(configuration, timeout_s=timeout_s)


def load(
    *, kubeconfig: str | None = None, context: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Api:
    """An explicit kubeconfig wins; else a kubeconfig if one exists; else in-cluster config."""
    if kubeconfig or context:
        return from_kubeconfig(path=kubeconfig, context=context, timeout_s=timeout_s)
    # Read KUBECONFIG now (the library reads it once at import); it may list several files.
    candidates = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    candidates = candidates or [str(Path.home() / ".kube" / "config")]
    existing = [p for p in candidates if Path(p).is_file()]
    if existing:
        return from_kubeconfig(path=os.pathsep.join(existing), timeout_s=timeout_s)
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return in_cluster(timeout_s=timeout_s)
    raise errors.ApiConfigError(
        "No Kubernetes configuration found: set KUBECONFIG, pass a kubeconfig, or run in a pod."
    )


# Where Kubernetes mounts a pod's service account namespace.
_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def controller_namespace(*, default: str = "default") -> str:
    """Kanister's rule: `POD_NAMESPACE`, else the service account's namespace file, else default."""
    from_env = os.environ.get("POD_NAMESPACE", "").strip()
    if from_env:
        return from_env
    try:
        return _SA_NAMESPACE.read_text().strip() or default
    except OSError:
        return default
