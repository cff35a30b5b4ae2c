"""Credentials of one stand-in data directory: a CA, a serving certificate and a bearer token.

Both kubectl and the Python client verify the server certificate against the kubeconfig's CA and
check the SAN, so the serving certificate names 127.0.0.1 and localhost. Everything is created
once by `init` and reused, so a kubeconfig written earlier keeps working after a restart.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import ipaddress
import os
import pathlib
import secrets
import ssl

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclasses.dataclass(frozen=True)
class Credentials:
    ca_cert: pathlib.Path
    server_cert: pathlib.Path
    server_key: pathlib.Path
    token: str


def _write_private(path: pathlib.Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure(data_dir: pathlib.Path) -> Credentials:
    """Load the credentials under `data_dir`, creating whatever is missing."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pki = data_dir / "pki"
    pki.mkdir(exist_ok=True)
    creds = Credentials(
        ca_cert=pki / "ca.crt",
        server_cert=pki / "server.crt",
        server_key=pki / "server.key",
        token="",
    )
    token_file = pki / "token"
    if not token_file.exists():
        _write_private(token_file, secrets.token_urlsafe(32).encode())
    token = token_file.read_text().strip()
    if not (creds.ca_cert.exists() and creds.server_cert.exists() and creds.server_key.exists()):
        _generate(creds)
    return dataclasses.replace(creds, token=token)


def _generate(creds: Credentials) -> None:
    now = datetime.datetime.now(datetime.UTC)
    later = now + datetime.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("kes-devcluster-ca"))
        .issuer_name(_name("kes-devcluster-ca"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(later)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("kes-devcluster"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(later)
        .add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    creds.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(creds.ca_cert.with_suffix(".key"), _key_pem(ca_key))
    creds.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private(creds.server_key, _key_pem(key))


def server_ssl_context(creds: Credentials) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(creds.server_cert), str(creds.server_key))
    return ctx


def kubeconfig(*, creds: Credentials, url: str, name: str = "kes-dev") -> str:
    """A kubeconfig (YAML text) with the CA inline and the bearer token."""
    ca_data = base64.b64encode(creds.ca_cert.read_bytes()).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {
            "server": url, "certificate-authority-data": ca_data}}],
        "users": [{"name": name, "user": {"token": creds.token}}],
        "contexts": [{"name": name, "context": {
            "cluster": name, "user": name, "namespace": "default"}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_kubeconfig(*, path: pathlib.Path, creds: Credentials, url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, kubeconfig(creds=creds, url=url).encode())
