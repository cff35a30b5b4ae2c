"""The protobuf reader for kubectl's typed `create` bodies, on hand-built envelopes."""

from __future__ import annotations

import pytest

from kes.devcluster import handlers_protobuf


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _entry(key: str, value: bytes) -> bytes:
    return _field(1, key.encode()) + _field(2, value)


def _envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _field(1, api_version.encode()) + _field(2, kind.encode())
    return handlers_protobuf.MAGIC + _field(1, type_meta) + _field(2, raw) + _field(
        4, b"application/vnd.kubernetes.protobuf")


def test_configmap_with_labels_data_and_binary_data() -> None:
    meta = _field(1, b"c1") + _field(11, _entry("app", b"x"))
    raw = _field(1, meta) + _field(2, _entry("k", b"v")) + _field(3, _entry("b", b"\x00\xff"))
    assert handlers_protobuf.decode(_envelope("v1", "ConfigMap", raw)) == {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c1", "labels": {"app": "x"}},
        "data": {"k": "v"}, "binaryData": {"b": "AP8="},
    }


def test_secret_data_is_base64_and_empty_type_is_left_out() -> None:
    raw = _field(1, _field(1, b"s1")) + _field(2, _entry("pw", b"x")) + _field(3, b"")
    assert handlers_protobuf.decode(_envelope("v1", "Secret", raw)) == {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, "data": {"pw": "eA=="},
    }


def test_namespace_and_unsupported_kinds() -> None:
    ns = handlers_protobuf.decode(_envelope("v1", "Namespace", _field(1, _field(1, b"n1"))))
    assert ns == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n1"}}
    assert handlers_protobuf.decode(_envelope("apps/v1", "Deployment", b"")) is None


@pytest.mark.parametrize("body", [
    pytest.param(b"{}", id="no-magic"),
    pytest.param(handlers_protobuf.MAGIC + b"\x0a\x05ab", id="truncated-field"),
    pytest.param(handlers_protobuf.MAGIC + b"\x0b", id="bad-wire-type"),
    pytest.param(handlers_protobuf.MAGIC + b"\x08\xff", id="truncated-varint"),
])
def test_malformed_bodies_raise(body: bytes) -> None:
    with pytest.raises(handlers_protobuf.ProtobufError):
        handlers_protobuf.decode(body)
