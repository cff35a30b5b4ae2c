"""The cryptography-backed half of sprig's generators: keys, X.509 certificates, AES.

Kept apart from the function table so that importing the template engine does not load
``cryptography`` (about 40 ms); ``crypto`` imports this module on a generator's first use.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import secrets
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

CERT_TYPE = "sprig.certificate"


def _private_key_pem(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    else:
        fmt = serialization.PrivateFormat.PKCS8
    pem: bytes = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    return pem.decode("ascii")


def private_key(kind: str) -> str:
    if kind == "rsa":
        return _private_key_pem(rsa.generate_private_key(public_exponent=65537, key_size=4096))
    if kind == "ecdsa":
        return _private_key_pem(ec.generate_private_key(ec.SECP256R1()))
    raise ValueError(kind)


def _certificate(cert: x509.Certificate, key: Any) -> values.GoStruct:
    return values.GoStruct(
        CERT_TYPE,
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


def ca(*, cn: str, days: int) -> values.GoStruct:
    return _build(cn=cn, ips=[], dns=[], days=days, is_ca=True, issuer=None)


def self_signed(*, cn: str, ips: list[Any], dns: list[Any], days: int) -> values.GoStruct:
    return _build(cn=cn, ips=ips or [], dns=dns or [], days=days, is_ca=False, issuer=None)


def signed(
    *, cn: str, ips: list[Any], dns: list[Any], days: int, ca: values.GoStruct
) -> values.GoStruct:
    try:
        ca_cert = x509.load_pem_x509_certificate(str(ca.field("Cert")).encode("ascii"))
        ca_key = serialization.load_pem_private_key(str(ca.field("Key")).encode("ascii"), None)
    except (ValueError, KeyError, UnicodeEncodeError):
        raise values.FuncError("error parsing CA certificate or key") from None
    return _build(
        cn=cn, ips=ips or [], dns=dns or [], days=days, is_ca=False, issuer=(ca_cert, ca_key)
    )


def custom(*, b64cert: str, b64key: str) -> values.GoStruct:
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
        CERT_TYPE, {"Cert": cert_pem.decode("ascii"), "Key": key_pem.decode("ascii")}
    )


def _aes_key(password: str) -> bytes:
    # sprig copies the password into a 32-byte key, truncating or zero-padding it.
    return password.encode("utf-8")[:32].ljust(32, b"\0")


def encrypt_aes(*, password: str, plaintext: str) -> str:
    if plaintext == "":
        return ""
    padder = padding.PKCS7(128).padder()
    content = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(content) + encryptor.finalize()).decode()


def decrypt_aes(*, password: str, crypt64: str) -> str:
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
