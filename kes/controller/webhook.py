"""The Blueprint validating webhook's HTTPS server, with certificate rotation without a restart.

Kanister serves its webhook when `/var/run/webhook/serving-cert/tls.crt` exists (a Secret mounted
by its Helm chart), on controller-runtime's port 9443, at `/validate/v1alpha1/blueprint`
(reference 5.2). kes does the same. The certificate and key are read from the mounted files, not
through the API: the controller needs no right on Secrets, and the kubelet refreshes a mounted
Secret when it changes (an atomic swap of the `..data` symlink). A poller notices the new files
and loads them into a new TLS context; every handshake after that uses it (the SNI callback picks
the current context), while connections already open finish on the old one. A half-written pair
(a key that does not match the certificate) is not loaded: the old one keeps serving and the
next poll tries again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import socket
import ssl
import threading
from http import server
from pathlib import Path
from typing import Any

from cryptography import x509

from kes.controller import admission
from kes.projections import metrics as metrics_projection

logger = logging.getLogger(__name__)

CERT_DIR = "/var/run/webhook/serving-cert"
CERT_FILE = "tls.crt"
KEY_FILE = "tls.key"
DEFAULT_PORT = 9443
MAX_BODY = 3 * 1024 * 1024  # the API server's own request limit


class CertificateError(Exception):
    """The serving certificate or key cannot be loaded."""


@dataclasses.dataclass(frozen=True)
class Loaded:
    context: ssl.SSLContext
    not_after: dt.datetime
    fingerprint: tuple[int, ...]


def present(directory: Path) -> bool:
    """Kanister's switch: the webhook is on when the certificate file exists."""
    return (directory / CERT_FILE).is_file()


def _fingerprint(directory: Path) -> tuple[int, ...]:
    # stat follows the Secret volume's symlinks, so a swapped `..data` changes the inode.
    found: list[int] = []
    for name in (CERT_FILE, KEY_FILE):
        try:
            info = os.stat(directory / name)
        except OSError:
            return ()
        found.extend((info.st_ino, info.st_mtime_ns, info.st_size))
    return tuple(found)


def load(directory: Path) -> Loaded:
    """A server TLS context for the pair in `directory`."""
    fingerprint = _fingerprint(directory)
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_path, key_path)
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ssl.SSLError, ValueError) as exc:
        # The exception text names files and OpenSSL reasons, never key material.
        raise CertificateError(
            f"cannot load the webhook certificate from {directory}: {type(exc).__name__}: {exc}"
        ) from exc
    return Loaded(
        context=context, not_after=certificate.not_valid_after_utc, fingerprint=fingerprint
    )


class WebhookServer:
    """HTTPS for `admission.PATH`; `start()` it, `healthy()` for readiness, `shutdown()`."""

    def __init__(
        self,
        *,
        address: str,
        port: int,
        cert_dir: Path,
        metrics: metrics_projection.Metrics,
        reload_interval_s: float = 1.0,
    ) -> None:
        self.cert_dir = cert_dir
        self.metrics = metrics
        self.reload_interval_s = reload_interval_s
        self._stop = threading.Event()
        self._refused: tuple[int, ...] = ()  # files that did not load; warned about once
        self._current = load(cert_dir)
        self._note_loaded(self._current)
        self._httpd = _Server((address, port), _handler(self))
        self._httpd.select_context = lambda: self._current.context
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def not_after(self) -> dt.datetime:
        return self._current.not_after

    def start(self) -> None:
        for name, target in (("webhook", self._httpd.serve_forever), ("webhook-certs", self._poll)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info(
            "Blueprint webhook serving on %s:%d%s (certificate valid until %s).",
            self._httpd.server_address[0], self.port, admission.PATH,
            self._current.not_after.isoformat(),
        )

    def shutdown(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def healthy(self) -> bool:
        """Serving, with a certificate that is valid now."""
        now = dt.datetime.now(dt.UTC)
        return all(t.is_alive() for t in self._threads) and now < self._current.not_after

    def reload_if_changed(self) -> bool:
        """Load the files if they changed since the last load; True when a new pair serves."""
        fingerprint = _fingerprint(self.cert_dir)
        if not fingerprint or fingerprint in (self._current.fingerprint, self._refused):
            return False
        try:
            loaded = load(self.cert_dir)
        except CertificateError as exc:
            self._refused = fingerprint
            logger.warning("%s. Serving the previous certificate until the files change.", exc)
            return False
        self._current = loaded
        self._note_loaded(loaded)
        logger.info(
            "Blueprint webhook certificate reloaded (valid until %s).",
            loaded.not_after.isoformat(),
        )
        return True

    def _note_loaded(self, loaded: Loaded) -> None:
        self.metrics.webhook_certificate_loads.inc()
        self.metrics.webhook_certificate_expiry.set(loaded.not_after.timestamp())

    def _poll(self) -> None:
        while not self._stop.wait(self.reload_interval_s):
            self.reload_if_changed()

    def answer(self, body: bytes) -> dict[str, Any]:
        try:
            answer = admission.review(body)
        except admission.ReviewError as exc:
            self.metrics.webhook_reviews.labels(result="error").inc()
            return _errored(str(exc))
        response = answer["response"]
        if response["allowed"]:
            result = "allowed"
        else:
            result = "denied" if response["status"]["code"] == 403 else "error"
            logger.info(
                "Refused Blueprint %s: %s", _name_of(body), response["status"]["message"].strip()
            )
        self.metrics.webhook_reviews.labels(result=result).inc()
        return answer


def _errored(message: str) -> dict[str, Any]:
    return {
        "apiVersion": admission.REVIEW_VERSIONS[0],
        "kind": "AdmissionReview",
        "response": {
            "uid": "",
            "allowed": False,
            "status": {"metadata": {}, "message": message, "code": 400},
        },
    }


def _name_of(body: bytes) -> str:
    try:
        request = json.loads(body)["request"]
        return f"{request.get('namespace', '')}/{request.get('name', '')}"
    except (ValueError, KeyError, TypeError):
        return "?"


class _Server(server.ThreadingHTTPServer):
    """Each accepted connection gets TLS with the current context; its handshake happens on the
    request's own thread (a slow client cannot hold up accepting the next one)."""

    daemon_threads = True
    select_context: Any

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, peer = self.socket.accept()
        context: ssl.SSLContext = self.select_context()
        wrapped = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return wrapped, peer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A failed handshake (a client that does not trust the CA yet) is routine.
        logger.debug("Webhook connection from %s failed.", client_address, exc_info=True)


def _handler(webhook: WebhookServer) -> type[server.BaseHTTPRequestHandler]:
    class Handler(server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            self.request.settimeout(30)
            self.request.do_handshake()
            super().setup()

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != admission.PATH:
                self._send(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"error": "request body too large"})
                return
            body = self.rfile.read(length)
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if content_type != "application/json":
                # controller-runtime answers with an errored review, not an HTTP error.
                answer = _errored(f"contentType={content_type}, expected application/json")
            elif not body:
                answer = _errored("request body is empty")
            else:
                answer = webhook.answer(body)
            self._send(200, answer)

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler
