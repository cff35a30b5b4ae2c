"""A CA and a serving certificate for the Blueprint webhook, as Kanister's chart makes them.

Kanister's Helm chart (`tls.mode: auto`) calls `genCA "<fullname>-ca" 365` and
`genSignedCert "<fullname>" nil (list "<svc>.<ns>" "<svc>.<ns>.svc") 365 $ca`: a CA valid for a
year and a certificate for the Service's DNS names signed by it. `kes webhook certificates`
makes the same pair for installs without Helm (kustomize), and tests make theirs here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_DAYS = 365


@dataclasses.dataclass(frozen=True)
class Pair:
    """PEM bytes: the CA certificate (the webhook's caBundle) and the serving pair."""

    ca_cert: bytes
    cert: bytes
    key: bytes


def service_names(*, service: str, namespace: str) -> list[str]:
    """The names Kanister's chart puts in the certificate (the API server checks the last)."""
    return [f"{service}.{namespace}", f"{service}.{namespace}.svc"]


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key() -> rsa.RSAPrivateKey:
    # RSA 2048, as Helm's genCA/genSignedCert.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate(
    *,
    common_name: str,
    hosts: list[str],
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> Pair:
    """A new CA named `<common_name>-ca` and a certificate for `hosts` (DNS names or IPs)."""
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    end = start + dt.timedelta(days=days)
    ca_key = _key()
    ca_name = _name(f"{common_name}-ca")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_encipherment=True, key_cert_sign=True,
                content_commitment=False, data_encipherment=False, key_agreement=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = _key()
    alt_names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt_names.append(x509.DNSName(host))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return Pair(
        ca_cert=ca.public_bytes(serialization.Encoding.PEM),
        cert=cert.public_bytes(serialization.Encoding.PEM),
        key=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
    )
