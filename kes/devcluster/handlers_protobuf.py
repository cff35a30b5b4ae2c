"""Decoding of the protobuf bodies `kubectl create configmap|secret|namespace` sends.

Those typed kubectl commands send `application/vnd.kubernetes.protobuf` and never retry with
JSON. The kinds they create are small, so a few lines of protobuf wire-format reading (no
generated code, no library) turn them into the JSON objects the rest of the server handles.
Other kinds (e.g. `kubectl create deployment`) keep getting 415 with the documented workaround.
"""

from __future__ import annotations

import base64
from typing import Any

MAGIC = b"k8s\x00"

Fields = list[tuple[int, int, Any]]  # (field number, wire type, int or bytes)


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def fields(data: bytes) -> Fields:
    """The top-level fields of one message, in order."""
    out: Fields = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _text(value: Any) -> str:
    return bytes(value).decode("utf-8")


def _map(entries: list[bytes], *, binary: bool) -> dict[str, str]:
    out = {}
    for entry in entries:
        parts = {n: v for n, _, v in fields(entry)}
        key = _text(parts.get(1, b""))
        raw = bytes(parts.get(2, b""))
        out[key] = base64.b64encode(raw).decode() if binary else raw.decode("utf-8")
    return out


def _repeated(parsed: Fields, number: int) -> list[bytes]:
    return [bytes(v) for n, w, v in parsed if n == number and w == 2]


def _one(parsed: Fields, number: int) -> bytes | None:
    found = _repeated(parsed, number)
    return found[-1] if found else None


def _metadata(raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        return {}
    parsed = fields(raw)
    meta: dict[str, Any] = {}
    for number, key in ((1, "name"), (2, "generateName"), (3, "namespace")):
        value = _one(parsed, number)
        if value:
            meta[key] = _text(value)
    for number, key in ((11, "labels"), (12, "annotations")):
        entries = _repeated(parsed, number)
        if entries:
            meta[key] = _map(entries, binary=False)
    finalizers = [_text(v) for v in _repeated(parsed, 14)]
    if finalizers:
        meta["finalizers"] = finalizers
    return meta


def _configmap(parsed: Fields) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": _metadata(_one(parsed, 1))}
    if _repeated(parsed, 2):
        obj["data"] = _map(_repeated(parsed, 2), binary=False)
    if _repeated(parsed, 3):
        obj["binaryData"] = _map(_repeated(parsed, 3), binary=True)
    return obj


def _secret(parsed: Fields) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": _metadata(_one(parsed, 1))}
    if _repeated(parsed, 2):
        obj["data"] = _map(_repeated(parsed, 2), binary=True)
    kind = _one(parsed, 3)
    if kind:
        obj["type"] = _text(kind)
    if _repeated(parsed, 4):
        obj["stringData"] = _map(_repeated(parsed, 4), binary=False)
    return obj


def _namespace(parsed: Fields) -> dict[str, Any]:
    return {"metadata": _metadata(_one(parsed, 1))}


_DECODERS = {("v1", "ConfigMap"): _configmap, ("v1", "Secret"): _secret,
             ("v1", "Namespace"): _namespace}


def decode(body: bytes) -> dict[str, Any] | None:
    """The JSON form of a protobuf ConfigMap, Secret or Namespace; None for other kinds.

    Raises ProtobufError when the body is not a Kubernetes protobuf envelope."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf prefix")
    envelope = fields(body[len(MAGIC):])
    type_meta = fields(_one(envelope, 1) or b"")
    api_version = _text(_one(type_meta, 1) or b"")
    kind = _text(_one(type_meta, 2) or b"")
    decoder = _DECODERS.get((api_version, kind))
    if decoder is None:
        return None
    obj = decoder(fields(_one(envelope, 2) or b""))
    return {"apiVersion": api_version, "kind": kind, **obj}
