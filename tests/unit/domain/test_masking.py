"""Masking: every form a secret may take is replaced, through any nesting."""

from __future__ import annotations

import base64

import pytest

from kes.domain import masking

SECRET = "p@ss/w0rd+?"


@pytest.mark.parametrize(
    "shown",
    [
        pytest.param(SECRET, id="raw"),
        pytest.param(base64.b64encode(SECRET.encode()).decode(), id="base64"),
        pytest.param(base64.urlsafe_b64encode(SECRET.encode()).decode(), id="urlsafe-base64"),
        pytest.param(base64.b64encode(SECRET.encode()).decode().rstrip("="), id="unpadded"),
        pytest.param("[" + " ".join(str(b) for b in SECRET.encode()) + "]", id="go-bytes"),
    ],
)
@pytest.mark.parametrize("given", [SECRET, SECRET.encode()], ids=["str", "bytes"])
def test_each_form_is_masked_whichever_type_the_secret_came_as(
    shown: str, given: str | bytes
) -> None:
    assert masking.mask(f"before {shown} after", secrets=[given]) == "before *** after"


def test_nested_values_and_keys_are_masked() -> None:
    value = {"args": ["--password", SECRET], SECRET: {"inner": (SECRET.encode(), 3)}}
    assert masking.mask(value, secrets=[SECRET]) == {
        "args": ["--password", "***"], "***": {"inner": ["***", 3]}
    }


def test_a_longer_secret_containing_a_shorter_one_is_masked_whole() -> None:
    assert masking.mask("key=abcdef", secrets=["abc", "abcdef"]) == "key=***"


def test_binary_secrets_are_masked_in_bytes_values() -> None:
    secret = b"\x00\xff\x10raw"
    assert masking.mask(b"x" + secret + b"y", secrets=[secret]) == "x***y"


def test_no_secrets_or_empty_secrets_change_nothing() -> None:
    assert masking.mask({"a": "b"}, secrets=[]) == {"a": "b"}
    assert masking.mask("abc", secrets=["", b""]) == "abc"
