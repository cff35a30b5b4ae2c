"""sprig's generators (v2.22.0) as Kanister allows them: keys, certificates, AES, UUIDs.

Kanister's FIPS build replaces ``bcrypt``, ``htpasswd`` and ``derivePassword`` with an error and
limits ``genPrivateKey`` to rsa/ecdsa/ed25519; kes does the same with Kanister's message.
Certificates are Go ``certificate`` structs with ``Cert`` and ``Key`` PEM fields.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import secrets
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define
_CERT = "sprig.certificate"


def fips_error(usage: str) -> values.FuncError:
    return values.FuncError(
        f"sprig usage of '{usage}' is not allowed by kanister as it is not FIPS compatible"
    )


@define("bcrypt", params=("string",), returns_error=True, result="string")
def bcrypt(_text: str) -> str:
    raise fips_error("bcrypt")


@define("htpasswd", params=("string", "string"), returns_error=True, result="string")
def htpasswd(_user: str, _password: str) -> str:
    raise fips_error("htpasswd")


# Go's first parameter is a uint32; kes declares int (the runtime converts constants to int but
# knows no unsigned types) so that ``derivePassword 1 …`` reaches Kanister's refusal, as in Go.
@define(
    "derivePassword",
    params=("int", "string", "string", "string", "string"),
    returns_error=True,
    result="string",
)
def derive_password(_counter: int, _kind: str, _password: str, _user: str, _site: str) -> str:
    raise fips_error("derivePassword")


def _private_key_pem(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        fmt = serialization.PrivateFormat.PKCS8
    pem: bytes = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    return pem.decode("ascii")


@define("genPrivateKey", params=("string",), returns_error=True, result="string")
def gen_private_key(kind: str) -> str:
    if kind == "rsa":
        return _private_key_pem(rsa.generate_private_key(public_exponent=65537, key_size=4096))
    if kind == "ecdsa":
        return _private_key_pem(ec.generate_private_key(ec.SECP256R1()))
    if kind == "ed25519":
        return _private_key_pem(ed25519.Ed25519PrivateKey.generate())
    raise fips_error(f"genPrivateKey for {kind} key")


def _certificate(cert: x509.Certificate, key: Any) -> values.GoStruct:
    return values.GoStruct(
        _CERT,
        {
            "Cert": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "Key": _private_key_pem(key),
        },
    )


def _build(
    *,
    cn: str,
    ips: list[Any],
    dns: list[Any],
    days: int,
    is_ca: bool,
    issuer: tuple[x509.Certificate, Any] | None,
) -> values.GoStruct:
    if days > 365 * 1000:
        raise values.FuncError(f"daysValid {days} is larger than kes allows")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) if cn else x509.Name([])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(key.public_key())
        .serial_number(secrets.randbits(127) + 1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    names: list[x509.GeneralName] = []
    for ip in ips:
        text = registry.strval(ip)
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(text)))
        except ValueError:
            raise values.FuncError(f"error parsing ip: {text}") from None
    names.extend(x509.DNSName(registry.strval(d)) for d in dns)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if issuer is None:
        cert = builder.issuer_name(subject).sign(key, hashes.SHA256())
    else:
        ca_cert, ca_key = issuer
        cert = builder.issuer_name(ca_cert.subject).sign(ca_key, hashes.SHA256())
    return _certificate(cert, key)


@define("genCA", params=("string", "int"), returns_error=True, result=_CERT)
def gen_ca(cn: str, days: int) -> values.GoStruct:
    return _build(cn=cn, ips=[], dns=[], days=days, is_ca=True, issuer=None)


@define(
    "genSelfSignedCert",
    params=("string", "[]interface {}", "[]interface {}", "int"),
    returns_error=True,
    result=_CERT,
)
def gen_self_signed_cert(cn: str, ips: list[Any], dns: list[Any], days: int) -> values.GoStruct:
    return _build(cn=cn, ips=ips or [], dns=dns or [], days=days, is_ca=False, issuer=None)


@define(
    "genSignedCert",
    params=("string", "[]interface {}", "[]interface {}", "int", _CERT),
    returns_error=True,
    result=_CERT,
)
def gen_signed_cert(
    cn: str, ips: list[Any], dns: list[Any], days: int, ca: values.GoStruct
) -> values.GoStruct:
    registry.expect(ca, go_type=_CERT, kind=values.GoStruct)
    try:
        ca_cert = x509.load_pem_x509_certificate(str(ca.field("Cert")).encode("ascii"))
        ca_key = serialization.load_pem_private_key(str(ca.field("Key")).encode("ascii"), None)
    except (ValueError, KeyError, UnicodeEncodeError):
        raise values.FuncError("error parsing CA certificate or key") from None
    return _build(
        cn=cn, ips=ips or [], dns=dns or [], days=days, is_ca=False, issuer=(ca_cert, ca_key)
    )


@define("buildCustomCert", params=("string", "string"), returns_error=True, result=_CERT)
def build_custom_cert(b64cert: str, b64key: str) -> values.GoStruct:
    try:
        cert_pem = base64.b64decode(b64cert, validate=True)
    except ValueError:
        raise values.FuncError("unable to decode base64 certificate") from None
    try:
        key_pem = base64.b64decode(b64key, validate=True)
    except ValueError:
        raise values.FuncError("unable to decode base64 private key") from None
    try:
        x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise values.FuncError("unable to decode certificate") from None
    try:
        serialization.load_pem_private_key(key_pem, None)
    except (ValueError, TypeError):
        raise values.FuncError("unable to decode key") from None
    return values.GoStruct(
        _CERT, {"Cert": cert_pem.decode("ascii"), "Key": key_pem.decode("ascii")}
    )


def _aes_key(password: str) -> bytes:
    # sprig copies the password into a 32-byte key, truncating or zero-padding it.
    return password.encode("utf-8")[:32].ljust(32, b"\0")


@define("encryptAES", params=("string", "string"), returns_error=True, result="string")
def encrypt_aes(password: str, plaintext: str) -> str:
    if plaintext == "":
        return ""
    padder = padding.PKCS7(128).padder()
    content = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(content) + encryptor.finalize()).decode()


@define("decryptAES", params=("string", "string"), returns_error=True, result="string")
def decrypt_aes(password: str, crypt64: str) -> str:
    if crypt64 == "":
        return ""
    try:
        raw = base64.b64decode(crypt64, validate=True)
    except ValueError:
        raise values.FuncError("illegal base64 data at input byte 0") from None
    if len(raw) < 32 or len(raw) % 16:
        raise values.FuncError("crypto/cipher: input not full blocks")
    decryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(raw[:16])).decryptor()
    plain = decryptor.update(raw[16:]) + decryptor.finalize()
    pad = plain[-1]
    if pad == 0 or pad > len(plain):
        raise values.FuncError("runtime error: slice bounds out of range")
    return plain[:-pad].decode("utf-8", "replace")


@define("uuidv4", params=(), result="string")
def uuidv4() -> str:
    return str(uuid.uuid4())


@define("getHostByName", params=("string",), result="string")
def get_host_by_name(name: str) -> str:
    # Name resolution is I/O the template engine does not do; only the loopback name is known.
    if name == "localhost":
        return "127.0.0.1"
    raise values.FuncError(f"name resolution of {name!r} is not available to kes templates")


FUNCS = TABLE.funcs
