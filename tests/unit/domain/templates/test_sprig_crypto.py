"""Key, certificate and AES generators as Kanister's FIPS build allows them."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
import sprig_cases
from cryptography import x509
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kes.domain.templates import errors


@pytest.mark.parametrize(
    ("kind", "header", "key_type"),
    [
        pytest.param("rsa", "RSA PRIVATE KEY", rsa.RSAPrivateKey, id="rsa"),
        pytest.param("ecdsa", "EC PRIVATE KEY", ec.EllipticCurvePrivateKey, id="ecdsa"),
    ],
)
def test_gen_private_key_produces_a_loadable_pem(kind: str, header: str, key_type: type) -> None:
    pem = sprig_cases.render(f'{{{{ genPrivateKey "{kind}" }}}}')
    assert pem.startswith(f"-----BEGIN {header}-----\n")
    assert isinstance(serialization.load_pem_private_key(pem.encode(), None), key_type)


def test_gen_private_key_ed25519_is_sprig_v2_22s_unknown_type_text() -> None:
    # Kanister's FIPS map lets ed25519 through to sprig v2.22, which has no such key type.
    assert sprig_cases.render('{{ genPrivateKey "ed25519" }}') == "Unknown type ed25519"


@pytest.mark.parametrize("kind", ["dsa", "", "RSA"])
def test_gen_private_key_refuses_other_kinds_with_kanisters_message(kind: str) -> None:
    # pkg/ksprig: NewUnsupportedSprigUsageErr(fmt.Sprintf("genPrivateKey for %s", typ))
    message = (
        f"error calling genPrivateKey: sprig usage of 'genPrivateKey for {kind}' is not allowed "
        "by kanister as it is not FIPS compatible"
    )
    with pytest.raises(errors.TemplateError) as caught:
        sprig_cases.render(f'{{{{ genPrivateKey "{kind}" }}}}')
    assert str(caught.value).endswith(message)


def test_gen_ca_and_signed_cert_form_a_verifiable_chain() -> None:
    rendered = sprig_cases.render(
        '{{ $ca := genCA "kes-ca" 7 }}'
        '{{ $c := genSignedCert "svc" (list "10.0.0.1") (list "svc.ns") 3 $ca }}'
        "{{ $ca.Cert }}|{{ $c.Cert }}|{{ $c.Key }}"
    )
    ca_pem, cert_pem, key_pem = rendered.split("|")
    ca = x509.load_pem_x509_certificate(ca_pem.encode())
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.0.0.1"]
    assert names.get_values_for_type(x509.DNSName) == ["svc.ns"]
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 3
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # type: ignore[union-attr]


def test_self_signed_cert_is_its_own_issuer() -> None:
    pem = sprig_cases.render('{{ (genSelfSignedCert "me" nil nil 1).Cert }}')
    cert = x509.load_pem_x509_certificate(pem.encode())
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)


def test_decrypt_aes_reads_sprigs_format() -> None:
    # sprig: key = password zero-padded to 32 bytes, AES-CBC, PKCS#7, base64(iv + ciphertext).
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    body = padder.update(b"top secret") + padder.finalize()
    encryptor = Cipher(algorithms.AES(b"pw".ljust(32, b"\0")), modes.CBC(iv)).encryptor()
    token = base64.b64encode(iv + encryptor.update(body) + encryptor.finalize()).decode()
    params = sprig_cases.PARAMS | {"Token": token}
    assert sprig_cases.render('{{ decryptAES "pw" .Token }}', params) == "top secret"


def test_encrypt_aes_round_trips_and_uses_a_fresh_iv() -> None:
    rendered = sprig_cases.render(
        '{{ $a := encryptAES "a-very-long-password-longer-than-32-bytes" "x" }}'
        '{{ $b := encryptAES "a-very-long-password-longer-than-32-bytes" "x" }}'
        '{{ decryptAES "a-very-long-password-longer-than-32-bytes" $a }} {{ eq $a $b }}'
    )
    assert rendered == "x false"


def test_importing_the_function_table_does_not_load_cryptography() -> None:
    code = "import sys, kes.domain.templates.sprig; print('cryptography' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
