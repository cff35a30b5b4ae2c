"""The API server behind the proxy, as a kubeconfig describes it: URL, trust and credentials.

The proxy sits in front of either engine of `kes dev` (the stand-in, whose kubeconfig carries a
bearer token, or kube-apiserver, whose kubeconfig names a client certificate), so it reads the
kubeconfig's current context the way client-go does: the cluster's `server` and CA (inline or
by path), and the user's token (inline or `tokenFile`) or client certificate and key (inline or
by path). Inline key material is written to files of mode 0600 under the proxy's own directory,
because Python's ssl module loads a certificate chain only from files.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import pathlib
import ssl
from typing import Any

import yaml


class KubeconfigError(ValueError):
    """The upstream kubeconfig lacks what the proxy needs; the message says what."""


@dataclasses.dataclass(frozen=True)
class Upstream:
    url: str
    ssl_context: ssl.SSLContext
    headers: dict[str, str]


def _named(items: Any, name: str, what: str) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            return dict(item.get(what) or {})
    raise KubeconfigError(f'The kubeconfig has no {what} named "{name}".')


def _private_file(directory: pathlib.Path, name: str, data: bytes) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return str(path)


def load(path: pathlib.Path, *, scratch: pathlib.Path) -> Upstream:
    """The current context of the kubeconfig at `path`; inline keys go under `scratch`."""
    try:
        config = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise KubeconfigError(f"Cannot read the kubeconfig {path}: {exc}") from None
    if not isinstance(config, dict):
        raise KubeconfigError(f"{path} is not a kubeconfig.")
    context = _named(config.get("contexts"), str(config.get("current-context") or ""), "context")
    cluster = _named(config.get("clusters"), str(context.get("cluster") or ""), "cluster")
    user = _named(config.get("users"), str(context.get("user") or ""), "user")
    url = str(cluster.get("server") or "").rstrip("/")
    if not url.startswith("https://"):
        raise KubeconfigError(f'The cluster server "{url}" is not an https:// URL.')
    base = path.parent

    def resolve(value: str) -> str:
        return str(pathlib.Path(value) if os.path.isabs(value) else base / value)

    context_ssl = ssl.create_default_context()
    if cluster.get("insecure-skip-tls-verify"):
        context_ssl.check_hostname = False
        context_ssl.verify_mode = ssl.CERT_NONE
    elif cluster.get("certificate-authority-data"):
        context_ssl.load_verify_locations(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
    elif cluster.get("certificate-authority"):
        context_ssl.load_verify_locations(cafile=resolve(cluster["certificate-authority"]))
    headers: dict[str, str] = {}
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = pathlib.Path(resolve(user["tokenFile"])).read_text().strip()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    cert = user.get("client-certificate")
    key = user.get("client-key")
    if user.get("client-certificate-data"):
        cert = _private_file(scratch, "upstream-client.crt",
                             base64.b64decode(user["client-certificate-data"]))
    elif cert:
        cert = resolve(cert)
    if user.get("client-key-data"):
        key = _private_file(scratch, "upstream-client.key",
                            base64.b64decode(user["client-key-data"]))
    elif key:
        key = resolve(key)
    if cert and key:
        context_ssl.load_cert_chain(cert, key)
    if not headers and not (cert and key):
        raise KubeconfigError("The kubeconfig's user has neither a token nor a client "
                              "certificate and key.")
    return Upstream(url=url, ssl_context=context_ssl, headers=headers)
