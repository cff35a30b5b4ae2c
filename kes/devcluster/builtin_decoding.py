"""What kube-apiserver's typed decoding refuses in ConfigMaps and Secrets (pure).

A real API server decodes a built-in object into its Go struct before anything else, so a
number where a string belongs (`data: {replicas: 3}` in a ConfigMap) or a Secret value that is
not base64 is refused with 400 and encoding/json's words:
`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into
Go struct field ConfigMap.data of type string`, or `... illegal base64 data at input byte 4`.
These are the mistakes users make in the two kinds Blueprints read; other built-in kinds are
not type-checked by the stand-in (docs/devcluster.md lists that difference).
"""

from __future__ import annotations

from typing import Any

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# field → the Go type of its values, per kind.
_MAP_FIELDS = {
    "ConfigMap": {"data": "string", "binaryData": "[]uint8"},
    "Secret": {"data": "[]uint8", "stringData": "string"},
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    return "array" if isinstance(value, list) else "string"


def base64_error(text: str) -> int | None:
    """Where Go's base64.StdEncoding.DecodeString fails on `text` (CorruptInputError), or
    None when it decodes: a port of encoding/base64's decodeQuantum."""
    si = 0
    n = len(text)
    while si < n:
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return None
                return si - j
            char = text[si]
            si += 1
            if char in _ALPHABET:
                j += 1
                continue
            if char in "\r\n":
                continue
            if char != "=":
                return si - 1
            if j in (0, 1):
                return si - 1
            if j == 2:
                while si < n and text[si] in "\r\n":
                    si += 1
                if si == n:
                    return n
                if text[si] != "=":
                    return si - 1
                si += 1
            while si < n and text[si] in "\r\n":
                si += 1
            return si if si < n else None
    return None


def decode_error(*, kind: str, obj: dict[str, Any]) -> str | None:
    """The 400 message for `obj` of a built-in `kind`, or None when it decodes."""
    for field, go_type in _MAP_FIELDS.get(kind, {}).items():
        values = obj.get(field)
        if values is None:
            continue
        problem = None
        if not isinstance(values, dict):
            problem = (f"json: cannot unmarshal {_json_type(values)} into Go struct field "
                       f"{kind}.{field} of type map[string]{go_type}")
        else:
            for value in values.values():
                if value is None:
                    continue
                if not isinstance(value, str):
                    problem = (f"json: cannot unmarshal {_json_type(value)} into Go struct field "
                               f"{kind}.{field} of type {go_type}")
                    break
                at = base64_error(value) if go_type == "[]uint8" else None
                if at is not None:
                    problem = f"illegal base64 data at input byte {at}"
                    break
        if problem is not None:
            return f'{kind} in version "v1" cannot be handled as a {kind}: {problem}'
    return None
