"""Validating admission webhooks in the stand-in: called over HTTPS with the caBundle, refusals
worded as the API server words them, `failurePolicy` when the webhook cannot be reached. Each
webhook here selects only objects labelled with the test's own id, so the session's other tests
never meet it."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import tempfile
import threading
import uuid
from collections.abc import Iterator
from http import server
from pathlib import Path
from typing import Any, ClassVar

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kes.controller import certificates

# The same webhooks called by the stand-in and by kube-apiserver (a webhook on 127.0.0.1).
pytestmark = pytest.mark.engines("kes", "kubernetes")


class _Denier(server.BaseHTTPRequestHandler):
    """Refuses a ConfigMap whose data has `deny`, allows the rest; records the reviews."""

    reviews: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).reviews.append(review)
        request = review["request"]
        deny = "deny" in ((request.get("object") or {}).get("data") or {})
        response: dict[str, Any] = {"uid": request["uid"], "allowed": not deny}
        if deny:
            response["status"] = {"code": 403, "reason": "Forbidden", "message": "no, thanks"}
        body = json.dumps({**review, "response": response, "request": None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def denier() -> Iterator[tuple[int, bytes]]:
    pair = certificates.generate(common_name="denier", hosts=["127.0.0.1"])
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "c").write_bytes(pair.cert)
        (Path(tmp) / "k").write_bytes(pair.key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(Path(tmp) / "c", Path(tmp) / "k")
    httpd = server.ThreadingHTTPServer(("127.0.0.1", 0), _Denier)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1]), pair.ca_cert
    finally:
        httpd.shutdown()
        httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def labelled(devcluster: Any) -> Iterator[tuple[str, Any]]:
    """A test id for objectSelectors, and a function creating a webhook configuration."""
    test_id = uuid.uuid4().hex[:10]
    api = client.AdmissionregistrationV1Api(devcluster.api_client)
    names: list[str] = []

    def configure(*, url: str, ca: bytes, policy: str = "Fail") -> None:
        name = f"t-{test_id}-{len(names)}"
        api.create_validating_webhook_configuration({
            "metadata": {"name": name},
            "webhooks": [{
                "name": f"{name}.example.com", "sideEffects": "None",
                "admissionReviewVersions": ["v1"], "failurePolicy": policy,
                "timeoutSeconds": 5,
                "objectSelector": {"matchLabels": {"admission-test": test_id}},
                "clientConfig": {"url": url, "caBundle": base64.b64encode(ca).decode()},
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"],
                           "operations": ["CREATE", "UPDATE"], "resources": ["configmaps"]}],
            }],
        })
        names.append(name)

    yield test_id, configure
    for name in names:
        api.delete_validating_webhook_configuration(name)


def _configmap(test_id: str, name: str, **data: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"admission-test": test_id}}, "data": data}


def test_refusal_is_the_api_servers_wording(
    devcluster: Any, denier: tuple[int, bytes], labelled: tuple[str, Any]
) -> None:
    port, ca = denier
    test_id, configure = labelled
    configure(url=f"https://127.0.0.1:{port}/validate", ca=ca)
    core = client.CoreV1Api(devcluster.api_client)
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("default", _configmap(test_id, f"d-{test_id}",
                                                                deny="1"))
    status = json.loads(caught.value.body)
    assert caught.value.status == 403
    assert status["reason"] == "Forbidden"
    assert status["message"] == (
        f'admission webhook "t-{test_id}-0.example.com" denied the request: no, thanks')
    created = core.create_namespaced_config_map("default", _configmap(test_id, f"a-{test_id}"))
    review = _Denier.reviews[-1]["request"]
    assert review["operation"] == "CREATE" and review["namespace"] == "default"
    assert review["object"]["metadata"]["name"] == f"a-{test_id}"
    # An update is reviewed with the old object.
    created.data = {"deny": "now"}
    with pytest.raises(ApiException) as caught:
        core.replace_namespaced_config_map(f"a-{test_id}", "default", created)
    assert caught.value.status == 403
    assert _Denier.reviews[-1]["request"]["oldObject"]["metadata"]["name"] == f"a-{test_id}"
    # Unlabelled objects are not this webhook's business.
    core.create_namespaced_config_map("default", {"metadata": {"name": f"u-{test_id}"},
                                                  "data": {"deny": "1"}})


def test_unreachable_webhook_fails_closed_unless_ignored(
    devcluster: Any, denier: tuple[int, bytes], labelled: tuple[str, Any]
) -> None:
    _, ca = denier
    test_id, configure = labelled
    url = f"https://127.0.0.1:{_closed_port()}/validate"
    configure(url=url, ca=ca)
    core = client.CoreV1Api(devcluster.api_client)
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("default", _configmap(test_id, f"f-{test_id}"))
    assert caught.value.status == 500
    message = json.loads(caught.value.body)["message"]
    port = url.split(":")[2].split("/")[0]
    assert message == (
        f'Internal error occurred: failed calling webhook "t-{test_id}-0.example.com": '
        f'failed to call webhook: Post "{url}?timeout=5s": dial tcp 127.0.0.1:{port}: '
        "connect: connection refused")


def test_ignore_policy_fails_open(
    devcluster: Any, denier: tuple[int, bytes], labelled: tuple[str, Any]
) -> None:
    _, ca = denier
    test_id, configure = labelled
    configure(url=f"https://127.0.0.1:{_closed_port()}/validate", ca=ca, policy="Ignore")
    core = client.CoreV1Api(devcluster.api_client)
    core.create_namespaced_config_map("default", _configmap(test_id, f"i-{test_id}"))


def test_a_certificate_from_another_ca_is_a_call_failure(
    devcluster: Any, denier: tuple[int, bytes], labelled: tuple[str, Any]
) -> None:
    port, _ = denier
    test_id, configure = labelled
    stranger = certificates.generate(common_name="stranger", hosts=["127.0.0.1"])
    configure(url=f"https://127.0.0.1:{port}/validate", ca=stranger.ca_cert)
    core = client.CoreV1Api(devcluster.api_client)
    with pytest.raises(ApiException) as caught:
        core.create_namespaced_config_map("default", _configmap(test_id, f"x-{test_id}"))
    assert caught.value.status == 500
    assert json.loads(caught.value.body)["message"].endswith(
        "tls: failed to verify certificate: x509: certificate signed by unknown authority")
