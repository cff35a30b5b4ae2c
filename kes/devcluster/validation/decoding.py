"""What kube-apiserver's Go decoder refuses in a body that is valid JSON: a 400 before validation.

Typed fields are decoded by Go: `[]byte` fields (a Secret's `data`, a ConfigMap's `binaryData`)
must be standard base64, resource quantities must parse. The apiserver answers
`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4`,
with Go's own error; the first bad value in document order wins, as in Go's decoder.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from typing import Any

_B64 = frozenset((string.ascii_letters + string.digits + "+/").encode())
_NEWLINES = frozenset(b"\r\n")
_QUANTITY_FORMAT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_FORMAT_WRONG = f"quantities must match the regular expression '{_QUANTITY_FORMAT}'"
_SUFFIXES = {"", "n", "u", "m", "k", "M", "G", "T", "P", "E",
             "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
_POD_TEMPLATE_KINDS = {("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
                       ("apps", "DaemonSet"), ("batch", "Job")}


def base64_error(value: str) -> str | None:
    """Go's `base64.StdEncoding.Decode` error for `value`, or None when it decodes.

    Newlines are skipped; the offset counts bytes of the UTF-8 text, as Go's does."""
    src = value.encode()
    si = 0
    while si < len(src):
        si, error = _quantum(src, si)
        if error is not None:
            return f"illegal base64 data at input byte {error}"
    return None


def _quantum(src: bytes, si: int) -> tuple[int, int | None]:
    """One 4-character quantum of Go's decodeQuantum: (next index, bad offset or None)."""
    j = 0
    while j < 4:
        if si == len(src):
            return (si, None) if j == 0 else (si, si - j)
        char = src[si]
        si += 1
        if char in _B64:
            j += 1
            continue
        if char in _NEWLINES:
            continue
        if char != ord("=") or j in (0, 1):
            return si, si - 1
        if j == 2:
            # "==" is expected; the first "=" is consumed.
            while si < len(src) and src[si] in _NEWLINES:
                si += 1
            if si == len(src):
                return si, len(src)
            if src[si] != ord("="):
                return si, si - 1
            si += 1
        while si < len(src) and src[si] in _NEWLINES:
            si += 1
        return (si, si) if si < len(src) else (si, None)
    return si, None


def quantity_error(value: Any) -> str | None:
    """`resource.ParseQuantity`'s error for a JSON string or number, or None."""
    if value is None:
        return None  # null decodes to an empty quantity
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        text = "true" if value is True else "false" if value is False else "{"
    else:
        text = str(value).strip()
    if text == "0":
        return None
    match = re.fullmatch(r"([+-]?)0*([0-9]*)(?:\.([0-9]*))?(.*)", text)
    if not text or match is None:
        return _FORMAT_WRONG
    suffix = match.group(4)
    # Suffix letters, then an optional sign and digits (an exponent): anything else is wrong.
    shape = re.fullmatch(r"([eEinumkKMGTP]*)([-+]?[0-9]*)", suffix)
    if shape is None:
        return _FORMAT_WRONG
    if suffix in _SUFFIXES or re.fullmatch(r"[eE][-+]?[0-9]+", suffix):
        return None
    return "unable to parse quantity's suffix"


def _pod_spec_quantities(spec: Any, path: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(spec, dict):
        return
    for field in ("initContainers", "containers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield from _requirements(container.get("resources"), path)
    yield from _requirements(spec.get("resources"), path)
    overhead = spec.get("overhead")
    if isinstance(overhead, dict):
        yield from ((path, value) for value in overhead.values())


def _requirements(resources: Any, path: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(resources, dict):
        return
    for field in ("limits", "requests"):
        values = resources.get(field)
        if isinstance(values, dict):
            yield from ((path, value) for value in values.values())


def _quantities(*, group: str, kind: str, obj: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if (group, kind) == ("", "Pod"):
        yield from _pod_spec_quantities(spec, "spec")
    elif (group, kind) == ("", "PersistentVolumeClaim"):
        yield from _requirements(spec.get("resources"), "spec")
    elif (group, kind) in _POD_TEMPLATE_KINDS:
        template = spec.get("template")
        if isinstance(template, dict):
            yield from _pod_spec_quantities(template.get("spec"), "spec.template.spec")
        for claim in spec.get("volumeClaimTemplates") or []:
            if isinstance(claim, dict) and isinstance(claim.get("spec"), dict):
                yield from _requirements(claim["spec"].get("resources"), "spec")


_BYTE_FIELDS = {("", "Secret"): "data", ("", "ConfigMap"): "binaryData"}


# Maps of strings: a number or a boolean there is refused (a YAML `enabled: true` in data).
_STRING_FIELDS = {("", "ConfigMap"): "data", ("", "Secret"): "stringData"}


def _string_map_error(*, group: str, kind: str, obj: dict[str, Any]) -> str | None:
    field = _STRING_FIELDS.get((group, kind))
    values = obj.get(field) if field else None
    if field is not None and values is not None and not isinstance(values, dict):
        return (f"json: cannot unmarshal {_json_kind(values)} into Go struct field "
                f"{kind}.{field} of type map[string]string")
    for value in values.values() if isinstance(values, dict) else []:
        if value is not None and not isinstance(value, str):
            return (f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
                    f"{kind}.{field} of type string")
    return None


def error(*, group: str, version: str, kind: str, obj: dict[str, Any]) -> str | None:
    """The 400 message for a body Go cannot decode into `kind`, or None."""
    problem = _string_map_error(group=group, kind=kind, obj=obj)
    field = _BYTE_FIELDS.get((group, kind))
    values = obj.get(field) if field else None
    for value in values.values() if isinstance(values, dict) and problem is None else []:
        if value is None:
            continue
        if not isinstance(value, str):
            problem = (f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
                       f"{kind}.{field} of type []uint8")
        else:
            problem = base64_error(value)
        if problem:
            break
    if problem is None:
        for _path, value in _quantities(group=group, kind=kind, obj=obj):
            problem = quantity_error(value)
            if problem:
                break
    if problem is None:
        return None
    gv = f"{group}/{version}" if group else version
    return f'{kind} in version "{gv}" cannot be handled as a {kind}: {problem}'


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "array" if isinstance(value, list) else "object"
