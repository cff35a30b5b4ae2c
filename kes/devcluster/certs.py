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


def write_private(path: pathlib.Path, data: bytes) -> None:
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
        write_private(token_file, secrets.token_urlsafe(32).encode())
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
    write_private(creds.ca_cert.with_suffix(".key"), _key_pem(ca_key))
    creds.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_private(creds.server_key, _key_pem(key))


@dataclasses.dataclass(frozen=True)
class KeyPair:
    cert: pathlib.Path
    key: pathlib.Path


def issue(
    creds: Credentials, *, name: str, common_name: str, organizations: tuple[str, ...] = (),
    server_names: tuple[str, ...] = (), client: bool = False,
) -> KeyPair:
    """A certificate signed by this data directory's CA (`pki/<name>.crt` and `.key`), made
    once: a serving certificate when `server_names` are given, a client one when `client`.

    The real control plane's components identify themselves by client certificates (the
    common name is the user, the organizations its groups), as kubeadm sets them up."""
    pair = KeyPair(cert=creds.ca_cert.parent / f"{name}.crt",
                   key=creds.ca_cert.parent / f"{name}.key")
    if pair.cert.exists() and pair.key.exists():
        return pair
    ca_key = serialization.load_pem_private_key(creds.ca_cert.with_suffix(".key").read_bytes(),
                                                password=None)
    ca_cert = x509.load_pem_x509_certificate(creds.ca_cert.read_bytes())
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    usages = ([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH] if server_names else []) + (
        [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([*subject, x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False)
    )
    if server_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            _san(n) for n in server_names]), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    write_private(pair.key, _key_pem(key))
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def signing_key(creds: Credentials, *, name: str) -> KeyPair:
    """A bare key pair (`pki/<name>.key`, public half in `.pub`), made once: the service
    account token signing key of the real control plane."""
    pair = KeyPair(cert=creds.ca_cert.parent / f"{name}.pub",
                   key=creds.ca_cert.parent / f"{name}.key")
    if not (pair.cert.exists() and pair.key.exists()):
        key = ec.generate_private_key(ec.SECP256R1())
        write_private(pair.key, _key_pem(key))
        pair.cert.write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return pair


def server_ssl_context(creds: Credentials) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(creds.server_cert), str(creds.server_key))
    return ctx


def kubeconfig(
    *, creds: Credentials, url: str, name: str = "kes-dev", client: KeyPair | None = None,
) -> str:
    """A kubeconfig (YAML text) with the CA inline and the bearer token, or the client
    certificate `client` (by path) instead of the token."""
    ca_data = base64.b64encode(creds.ca_cert.read_bytes()).decode()
    user: dict[str, str] = {"token": creds.token} if client is None else {
        "client-certificate": str(client.cert), "client-key": str(client.key)}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {
            "server": url, "certificate-authority-data": ca_data}}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {
            "cluster": name, "user": name, "namespace": "default"}}],
        "current-context": name,
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write_kubeconfig(
    *, path: pathlib.Path, creds: Credentials, url: str, client: KeyPair | None = None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, kubeconfig(creds=creds, url=url, client=client).encode())
