"""Validation of `podLabels` / `podAnnotations` args, with Kubernetes' and Kanister's messages.

Kanister's `ValidatePodLabelsAndAnnotations` (reference 5.1, 9.10) runs on the unrendered args of
pod-creating functions: label keys must be qualified names, label values valid label values,
annotation keys qualified names (annotation values are free). The message texts are apimachinery's
`IsQualifiedName` / `IsValidLabelValue`, printed as a Go string slice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME = re.compile(_NAME_FMT)
_VALUE_FMT = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
_VALUE = re.compile(_VALUE_FMT)
_DNS_FMT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_DNS = re.compile(_DNS_FMT)

_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    f"validation is '{_NAME_FMT}')"
)
_QUALIFIED_MSG = (
    f"a qualified name {_NAME_MSG} with an optional DNS subdomain prefix and '/' "
    "(e.g. 'example.com/MyName')"
)
_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    f"'my_value',  or '12345', regex used for validation is '{_VALUE_FMT}')"
)
_DNS_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    f"for validation is '{_DNS_FMT}')"
)


class PodMetaError(ValueError):
    """A label or annotation that Kubernetes would reject."""


def qualified_name_errors(value: str) -> list[str]:
    """apimachinery `IsQualifiedName`."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                errs.append("prefix part must be no more than 253 characters")
            if not _DNS.fullmatch(prefix):
                errs.append(f"prefix part {_DNS_MSG}")
    else:
        return [_QUALIFIED_MSG]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if name and not _NAME.fullmatch(name):
        errs.append(f"name part {_NAME_MSG}")
    return errs


def label_value_errors(value: str) -> list[str]:
    """apimachinery `IsValidLabelValue`."""
    errs: list[str] = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _VALUE.fullmatch(value):
        errs.append(_VALUE_MSG)
    return errs


def _as_map(args: Mapping[str, Any], name: str) -> dict[str, str]:
    value = args.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PodMetaError(f"Failed to get {name} from args: {name} must be a map")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def validate(args: Mapping[str, Any]) -> None:
    """Raise `PodMetaError` for the first invalid label key/value or annotation key."""
    for key, value in sorted(_as_map(args, "podLabels").items()):
        if errs := qualified_name_errors(key):
            raise PodMetaError(f"label key '{key}' failed validation. [{' '.join(errs)}]")
        if errs := label_value_errors(value):
            raise PodMetaError(f"label value '{value}' failed validation. [{' '.join(errs)}]")
    for key in sorted(_as_map(args, "podAnnotations")):
        if errs := qualified_name_errors(key):
            raise PodMetaError(f"annotation key '{key}' failed validation. [{' '.join(errs)}]")
