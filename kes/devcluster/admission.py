"""Validating admission webhooks: the stand-in calls them as kube-apiserver does.

Before a create or an update is stored (after defaults, pruning and schema validation, as in a
real server), every `ValidatingWebhookConfiguration` whose rules match is called over HTTPS with
an AdmissionReview, its server certificate checked against the webhook's `caBundle`. A refusal
is the API server's `admission webhook "<name>" denied the request: <message>`; a webhook that
cannot be reached or answers nonsense fails the request (500, `failed calling webhook`) unless
its `failurePolicy` is `Ignore`. A `service` reference is resolved the stand-in's way: pods run
on the host network, so the Service's target port (a number, or a named container port of a pod
it selects) on 127.0.0.1, with the certificate checked for `<service>.<namespace>.svc`.
Mutating webhooks, `matchConditions` and the DELETE and CONNECT operations are not supported.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import ssl
from collections.abc import Mapping
from typing import Any

import aiohttp

from kes.devcluster import admission_rules, errors, selectors, store

logger = logging.getLogger(__name__)

CONFIGS: store.ResourceKey = (
    "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations")
USER = "kubernetes-admin"


class CallError(Exception):
    """The webhook could not be called or its answer could not be used."""


async def validate(db: store.Store, attrs: admission_rules.Attributes) -> None:
    """Raise `errors.ApiError` when a matching webhook refuses (or fails closed)."""
    if attrs.group == CONFIGS[0] and attrs.resource == CONFIGS[2]:
        return  # Kubernetes never sends webhook configurations to webhooks.
    configs, _, _ = db.list_sync(CONFIGS)
    if not configs:
        return
    namespace_labels = _namespace_labels(db, attrs.namespace) if attrs.namespaced else None
    for config in configs:
        for webhook in config.get("webhooks") or []:
            if admission_rules.webhook_matches(
                webhook, attrs, namespace_labels=namespace_labels
            ):
                await _call_one(db, webhook, attrs)


def _namespace_labels(db: store.Store, namespace: str | None) -> Mapping[str, str]:
    try:
        ns = db.get_sync(("", "v1", "namespaces"), namespace=None, name=namespace or "")
    except store.NotFoundError:
        return {}
    labels = dict((ns.get("metadata") or {}).get("labels") or {})
    labels.setdefault("kubernetes.io/metadata.name", namespace or "")
    return labels


async def _call_one(
    db: store.Store, webhook: Mapping[str, Any], attrs: admission_rules.Attributes
) -> None:
    name = str(webhook.get("name", ""))
    timeout = int(webhook.get("timeoutSeconds") or admission_rules.DEFAULT_TIMEOUT_S)
    try:
        version = admission_rules.review_version(webhook)
        if version is None:
            raise CallError(
                "webhook does not accept v1 or v1beta1 AdmissionReview"
            )
        sent = admission_rules.review(attrs, version=version, user=USER)
        answer = await _post(db, webhook.get("clientConfig") or {}, sent, timeout=timeout)
        try:
            allowed, status, _warnings = admission_rules.verdict(sent, answer)
        except admission_rules.InvalidResponseError as exc:
            raise CallError(f"received invalid webhook response: {exc}") from exc
    except CallError as exc:
        if webhook.get("failurePolicy") == "Ignore":
            logger.warning("Failed calling webhook %s, failing open: %s", name, exc)
            return
        message = f'failed calling webhook "{name}": {exc}'
        raise errors.ApiError(
            code=500, reason="InternalError", message=f"Internal error occurred: {message}",
            details={"causes": [{"message": message}]},
        ) from exc
    if not allowed:
        code, reason, message = admission_rules.denial(name, status)
        raise errors.ApiError(code=code, reason=reason or None, message=message)


async def _post(
    db: store.Store, client_config: Mapping[str, Any], sent: dict[str, Any], *, timeout: int
) -> Any:
    url, shown, server_hostname = _endpoint(db, client_config, timeout=timeout)
    context = _trust(client_config.get("caBundle"))
    try:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout)
        ) as session, session.post(
            url, params={"timeout": f"{timeout}s"}, data=json.dumps(sent),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            ssl=context, server_hostname=server_hostname,
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise CallError(
                    f'failed to call webhook: the server responded with the status code '
                    f'{response.status} but did not return more information (post {shown})'
                )
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise CallError(f'failed to call webhook: Post "{shown}": {_go_reason(exc)}') from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise CallError(f"received invalid webhook response: {exc}") from exc


def _go_reason(exc: BaseException) -> str:
    """Why a call failed, in the words of Go's net/http and crypto/tls (kube-apiserver's),
    for the failures a local webhook meets; otherwise aiohttp's own."""
    if isinstance(exc, TimeoutError):
        return "context deadline exceeded"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        error = exc.certificate_error
        if getattr(error, "verify_code", None) in (18, 19, 20, 21):  # an issuer not trusted
            return ("tls: failed to verify certificate: x509: certificate signed by unknown "
                    "authority")
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
            exc.os_error, ConnectionRefusedError):
        return f"dial tcp {exc.host}:{exc.port}: connect: connection refused"
    return str(exc) or type(exc).__name__


def _endpoint(
    db: store.Store, client_config: Mapping[str, Any], *, timeout: int
) -> tuple[str, str, str | None]:
    """(URL to connect to, URL as Kubernetes shows it, TLS name to check or None)."""
    if client_config.get("url"):
        url = str(client_config["url"])
        return url, f"{url}?timeout={timeout}s", None
    service = client_config.get("service") or {}
    name, namespace = str(service.get("name", "")), str(service.get("namespace", ""))
    port = int(service.get("port") or 443)
    path = str(service.get("path") or "")
    host = f"{name}.{namespace}.svc"
    shown = f"https://{host}:{port}{path}?timeout={timeout}s"
    try:
        found = db.get_sync(("", "v1", "services"), namespace=namespace, name=name)
    except store.NotFoundError as exc:
        raise CallError(
            f'failed to call webhook: Post "{shown}": service "{name}" not found'
        ) from exc
    target = _target_port(db, found, port=port)
    if target is None:
        raise CallError(
            f'failed to call webhook: Post "{shown}": no endpoints available for service '
            f'"{name}"'
        )
    return f"https://127.0.0.1:{target}{path}", shown, host


def _target_port(db: store.Store, service: Mapping[str, Any], *, port: int) -> int | None:
    spec = service.get("spec") or {}
    for entry in spec.get("ports") or []:
        if int(entry.get("port") or 0) != port:
            continue
        target = entry.get("targetPort", port)
        if isinstance(target, int):
            return target
        if str(target).isdigit():
            return int(str(target))
        return _named_port(db, service, name=str(target))
    return None


def _named_port(db: store.Store, service: Mapping[str, Any], *, name: str) -> int | None:
    selector = selectors.label_selector_from_dict(
        {"matchLabels": (service.get("spec") or {}).get("selector") or {}})
    if not selector:
        return None
    namespace = (service.get("metadata") or {}).get("namespace")
    pods, _, _ = db.list_sync(("", "v1", "pods"), namespace=namespace)
    for pod in pods:
        if not selectors.matches_labels(
            selector=selector, labels=(pod.get("metadata") or {}).get("labels") or {}
        ):
            continue
        for container in (pod.get("spec") or {}).get("containers") or []:
            for declared in container.get("ports") or []:
                if declared.get("name") == name:
                    return int(declared["containerPort"])
    return None


def _trust(ca_bundle: Any) -> ssl.SSLContext:
    """The webhook's caBundle (base64 PEM), or the system's roots when it has none."""
    if not ca_bundle:
        return ssl.create_default_context()
    try:
        pem = base64.b64decode(str(ca_bundle), validate=True).decode()
        return ssl.create_default_context(cadata=pem)
    except (binascii.Error, UnicodeDecodeError, ssl.SSLError, ValueError) as exc:
        raise CallError(f"failed to call webhook: the caBundle is not valid: {exc}") from exc
