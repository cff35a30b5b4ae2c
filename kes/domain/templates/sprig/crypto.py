"""sprig's generators (v2.22.0) as Kanister allows them: keys, certificates, AES, UUIDs.

Kanister's FIPS build (pkg/ksprig) replaces ``derivePassword`` with an error and limits
``genPrivateKey`` to rsa/ecdsa/ed25519, with its message. It would replace ``bcrypt`` and
``htpasswd`` too, but only where sprig has them, and sprig v2.22 has neither: a template using
them fails to parse (``function "bcrypt" not defined``), so they are not defined here either.
Certificates are Go ``certificate`` structs with ``Cert`` and ``Key`` PEM fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define
_CERT = "sprig.certificate"


def fips_error(usage: str) -> values.FuncError:
    return values.FuncError(
        f"sprig usage of '{usage}' is not allowed by kanister as it is not FIPS compatible"
    )


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


def _pki() -> Any:
    # Loaded on first use: cryptography is the heaviest import of the template engine.
    from kes.domain.templates.sprig import pki

    return pki


@define("genPrivateKey", params=("string",), returns_error=True, result="string")
def gen_private_key(kind: str) -> str:
    if kind not in ("rsa", "ecdsa", "ed25519"):
        raise fips_error(f"genPrivateKey for {kind}")
    if kind == "ed25519":
        # Kanister lets it through to sprig v2.22, which knows only rsa, dsa and ecdsa and
        # returns this text instead of a key (no error).
        return "Unknown type ed25519"
    return str(_pki().private_key(kind))


@define("genCA", params=("string", "int"), returns_error=True, result=_CERT)
def gen_ca(cn: str, days: int) -> values.GoStruct:
    return _as_struct(_pki().ca(cn=cn, days=days))


@define(
    "genSelfSignedCert",
    params=("string", "[]interface {}", "[]interface {}", "int"),
    returns_error=True,
    result=_CERT,
)
def gen_self_signed_cert(cn: str, ips: list[Any], dns: list[Any], days: int) -> values.GoStruct:
    return _as_struct(_pki().self_signed(cn=cn, ips=ips, dns=dns, days=days))


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
    return _as_struct(_pki().signed(cn=cn, ips=ips, dns=dns, days=days, ca=ca))


@define("buildCustomCert", params=("string", "string"), returns_error=True, result=_CERT)
def build_custom_cert(b64cert: str, b64key: str) -> values.GoStruct:
    return _as_struct(_pki().custom(b64cert=b64cert, b64key=b64key))


@define("encryptAES", params=("string", "string"), returns_error=True, result="string")
def encrypt_aes(password: str, plaintext: str) -> str:
    return str(_pki().encrypt_aes(password=password, plaintext=plaintext))


@define("decryptAES", params=("string", "string"), returns_error=True, result="string")
def decrypt_aes(password: str, crypt64: str) -> str:
    return str(_pki().decrypt_aes(password=password, crypt64=crypt64))


def _as_struct(value: Any) -> values.GoStruct:
    assert isinstance(value, values.GoStruct)
    return value


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
