"""The repository server's certificate fingerprint, as clients pass it to kopia.

Kanister (`pkg/kopia/utils.go`) PEM-decodes `tls.crt`, refuses anything after the first block,
parses the certificate and takes the lower-case hex SHA-256 of its DER bytes: what
`openssl x509 -noout -fingerprint -sha256` prints, without colons, lower-cased.
"""

from __future__ import annotations

import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from kes.adapters.kopia import errors

_PEM_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----\r?\n?", re.DOTALL
)


class CertificateError(errors.KopiaError):
    """tls.crt is not exactly one PEM certificate."""


def fingerprint(pem: bytes) -> str:
    """Lower-case hex SHA-256 of the certificate's DER (Kanister's fingerprint)."""
    start = pem.find(b"-----BEGIN")
    match = _PEM_BLOCK.match(pem, start) if start >= 0 else None
    if match is None or pem[match.end():].strip():
        # Go's pem.Decode leaves anything after the first block in `rest`; Kanister refuses it.
        raise CertificateError("Failed to PEM Decode Kopia API Server Certificate Secret Data")
    try:
        certificate = x509.load_pem_x509_certificate(pem[match.start():match.end()])
    except ValueError as exc:
        raise CertificateError(
            "Failed to parse X509 Kopia API Server Certificate Secret Data"
        ) from exc
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
