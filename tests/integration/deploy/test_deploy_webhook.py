"""The Blueprint webhook as deploy/ and the chart install it: on by default, Kanister's names,
port and failurePolicy; the chart's certificate chain (tls.mode auto) is valid for the Service;
custom certificates, the ServiceMonitor option, and kustomize and Helm kept consistent."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import helmrender
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from deployfiles import one

from kes.controller import webhook

HOOK = "blueprints.cr.kanister.io"


def _hook(objects: list[dict[str, Any]]) -> dict[str, Any]:
    config = one(objects, "ValidatingWebhookConfiguration", HOOK)
    assert len(config["webhooks"]) == 1
    hook: dict[str, Any] = config["webhooks"][0]
    return hook


def _pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    pod: dict[str, Any] = one(objects, "Deployment")["spec"]["template"]["spec"]
    return pod


@pytest.mark.parametrize("source", ["kustomize", "helm"])
def test_webhook_is_on_with_kanisters_settings(
    source: str, rendered: list[dict[str, Any]]
) -> None:
    objects = rendered if source == "kustomize" else helmrender.objects()
    hook = _hook(objects)
    assert hook["name"] == HOOK
    assert hook["rules"] == [{"apiGroups": ["cr.kanister.io"], "apiVersions": ["v1alpha1"],
                              "operations": ["CREATE", "UPDATE"], "resources": ["blueprints"],
                              "scope": "Namespaced"}]
    assert hook["failurePolicy"] == "Fail" and hook["timeoutSeconds"] == 5
    assert hook["sideEffects"] == "None"
    assert hook["admissionReviewVersions"] == ["v1", "v1beta1"]
    target = hook["clientConfig"]["service"]
    assert target["path"] == "/validate/v1alpha1/blueprint" and target["port"] == 443
    # The Service the webhook names reaches the container's webhook port, the controller's 9443.
    service = one(objects, "Service", target["name"])
    assert service["metadata"]["namespace"] == target["namespace"]
    port = next(p for p in service["spec"]["ports"] if p["port"] == 443)
    pod = _pod(objects)
    container = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports[port["targetPort"]] == webhook.DEFAULT_PORT
    assert service["spec"]["selector"].items() <= one(objects, "Deployment")["spec"][
        "template"]["metadata"]["labels"].items()
    assert "--webhook-address=0.0.0.0" in container["args"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["webhook-certs"] == webhook.CERT_DIR
    volume = next(v for v in pod["volumes"] if v["name"] == "webhook-certs")
    assert volume["secret"]["secretName"].endswith("webhook-certs")


def test_chart_certificate_is_signed_by_the_ca_bundle_for_the_service() -> None:
    objects = helmrender.objects(release="backup", namespace="ops")
    secret = one(objects, "Secret", "backup-kes-webhook-certs")
    assert secret["type"] == "kubernetes.io/tls"
    data = {k: base64.b64decode(v) for k, v in secret["data"].items()}
    bundle = base64.b64decode(_hook(objects)["clientConfig"]["caBundle"])
    assert bundle == data["ca.crt"]  # a first install trusts the new CA only
    ca = x509.load_pem_x509_certificate(bundle)
    cert = x509.load_pem_x509_certificate(data["tls.crt"])
    public = ca.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert cert.signature_hash_algorithm is not None
    public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                  cert.signature_hash_algorithm)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["backup-kes.ops", "backup-kes.ops.svc"]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=364) < lifetime <= dt.timedelta(days=366)
    assert _hook(objects)["clientConfig"]["service"]["name"] == "backup-kes"
    assert _pod(objects)["volumes"][-1]["secret"]["secretName"] == "backup-kes-webhook-certs"


def test_custom_certificates_need_their_secret_and_ca_bundle() -> None:
    custom = {"bpValidatingWebhook": {"tls": {"mode": "custom", "secretName": "my-certs",
                                              "caBundle": "Q0E="}}}
    objects = helmrender.objects(custom)
    assert not [o for o in objects if o["kind"] == "Secret"]
    assert _hook(objects)["clientConfig"]["caBundle"] == "Q0E="
    assert _pod(objects)["volumes"][-1]["secret"]["secretName"] == "my-certs"
    with pytest.raises(helmrender.RenderError, match="Missing required caBundle"):
        helmrender.objects({"bpValidatingWebhook": {"tls": {"mode": "custom",
                                                            "secretName": "my-certs"}}})
    with pytest.raises(helmrender.RenderError, match="Make sure to set `bpValidatingWebhook"):
        helmrender.objects({"bpValidatingWebhook": {"tls": {"mode": "custom",
                                                            "caBundle": "Q0E="}}})


def test_webhook_off_leaves_no_trace() -> None:
    objects = helmrender.objects({"bpValidatingWebhook": {"enabled": False}})
    kinds = {o["kind"] for o in objects}
    assert not kinds & {"ValidatingWebhookConfiguration", "Secret", "Service"}
    container = _pod(objects)["containers"][0]
    assert "webhook" not in {p["name"] for p in container["ports"]}
    assert "--webhook-address=0.0.0.0" not in container["args"]
    assert "webhook-certs" not in {v["name"] for v in _pod(objects)["volumes"]}


def test_service_monitor_scrapes_the_metrics_service_only() -> None:
    assert not [o for o in helmrender.objects() if o["kind"] == "ServiceMonitor"]
    objects = helmrender.objects({"controller": {"metrics": {
        "enabled": True, "serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}}}})
    monitor = one(objects, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    selected = [s for s in objects if s["kind"] == "Service" and
                monitor["spec"]["selector"]["matchLabels"].items()
                <= s["metadata"]["labels"].items()]
    assert [s["metadata"]["name"] for s in selected] == ["kes-metrics"]
    assert monitor["spec"]["endpoints"][0]["port"] in {
        p["name"] for p in selected[0]["spec"]["ports"]}
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    with pytest.raises(helmrender.RenderError, match=r"needs controller\.metrics\.enabled"):
        helmrender.objects({"controller": {"metrics": {"serviceMonitor": {"enabled": True}}}})


def _without_names(obj: Any) -> Any:
    """An object with the parts that differ by design dropped: names (Helm prefixes the
    release), labels (Helm adds its own) and the caBundle (kustomize has none until
    `kes webhook certificates`)."""
    if isinstance(obj, dict):
        return {k: _without_names(v) for k, v in obj.items()
                if k not in ("name", "namespace", "labels", "caBundle", "claimName",
                             "secretName", "serviceAccountName", "annotations", "selector",
                             "matchLabels")}
    if isinstance(obj, list):
        # Named entries (env, ports, volumes) compare by name, whatever their order.
        if obj and all(isinstance(v, dict) and "name" in v for v in obj):
            obj = sorted(obj, key=lambda v: str(v["name"]))
        return [_without_names(v) for v in obj]
    return obj


def test_kustomize_and_helm_install_the_same_controller(rendered: list[dict[str, Any]]) -> None:
    helm = helmrender.objects()
    for kind in ("Deployment", "ClusterRole", "ValidatingWebhookConfiguration", "Service",
                 "PersistentVolumeClaim", "ClusterRoleBinding", "ServiceAccount"):
        plain = [o for o in rendered if o["kind"] == kind]
        charted = [o for o in helm if o["kind"] == kind]
        assert len(plain) == len(charted) == 1, kind
        plain_spec = {k: v for k, v in plain[0].items() if k != "metadata"}
        charted_spec = {k: v for k, v in charted[0].items() if k != "metadata"}
        assert _without_names(plain_spec) == _without_names(charted_spec), kind
    # Everything else either side installs is accounted for.
    assert {o["kind"] for o in rendered} - {o["kind"] for o in helm} == {
        "Namespace", "CustomResourceDefinition"}  # Helm: --create-namespace and crds/
    assert {o["kind"] for o in helm} - {o["kind"] for o in rendered} == {
        "Secret"}  # the chart's certificate; kustomize: `kes webhook certificates`
