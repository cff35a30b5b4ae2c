"""Field errors and the string formats of k8s.io/apimachinery's validation, with its wording.

A `FieldError` renders as the apiserver's `field.Error` does (`spec.x: Invalid value: "v": why`);
the format checks return the apiserver's list of detail messages (empty when valid), so a value
that breaks two rules gets two causes, as on a real cluster.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

INVALID = "FieldValueInvalid"
REQUIRED = "FieldValueRequired"
DUPLICATE = "FieldValueDuplicate"
NOT_FOUND = "FieldValueNotFound"
NOT_SUPPORTED = "FieldValueNotSupported"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
_TITLES = {INVALID: "Invalid value", REQUIRED: "Required value", DUPLICATE: "Duplicate value",
           NOT_FOUND: "Not found", NOT_SUPPORTED: "Unsupported value", FORBIDDEN: "Forbidden",
           TOO_LONG: "Too long"}
_WITHOUT_VALUE = {REQUIRED, FORBIDDEN, TOO_LONG}


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One `field.Error`: its type (the Status cause's reason), path, bad value and detail."""

    reason: str
    field: str
    value: Any = None
    detail: str = ""

    def body(self) -> str:
        """`ErrorBody()`: the message without the field path."""
        text = _TITLES[self.reason]
        if self.reason not in _WITHOUT_VALUE:
            text += ": " + render(self.value)
        return f"{text}: {self.detail}" if self.detail else text

    def message(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.body(), "field": self.field}


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(INVALID, path, value, detail)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, "", detail)


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(v) for v in supported)
    return FieldError(NOT_SUPPORTED, path, value, detail)


def too_long(path: str, limit: int) -> FieldError:
    return FieldError(TOO_LONG, path, "", f"may not be more than {limit} bytes")


def invalid_all(path: str, value: Any, details: list[str]) -> list[FieldError]:
    return [invalid(path, value, detail) for detail in details]


def render(value: Any) -> str:
    """A bad value as `%v` (numbers, booleans), `%q` (strings) or JSON (anything else)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"))


def go_quote(text: str) -> str:
    """Go's `%q` for the characters a Kubernetes value holds (printable Unicode kept)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not char.isprintable() and code > 0x7F:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out) + '"'


def key(path: str, name: str) -> str:
    """`Path.Key`: `data[name]`."""
    return f"{path}[{name}]"


def index(path: str, position: int) -> str:
    return f"{path}[{position}]"


# --- formats (k8s.io/apimachinery/pkg/util/validation and .../validate/content) ---------------


def regex_error(message: str, pattern: str, *examples: str) -> str:
    """`RegexError`: the rule, examples, and the regular expression used."""
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_LABEL = re.compile(_LABEL_FMT)
_SUBDOMAIN = re.compile(_SUBDOMAIN_FMT)
_DNS1035 = re.compile(_DNS1035_FMT)
_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
              "'-', and must start and end with an alphanumeric character")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                  "characters, '-' or '.', and must start and end with an alphanumeric character")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character")


def max_len(limit: int, unit: str = "characters") -> str:
    return f"must be no more than {limit} {unit}"


def dns1123_label(value: str) -> list[str]:
    errs = [max_len(63)] if len(value) > 63 else []
    if not _LABEL.fullmatch(value):
        errs.append("must not contain dots" if _SUBDOMAIN.fullmatch(value) else
                    regex_error(_LABEL_MSG, _LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1123_subdomain(value: str, *, unit: str = "characters") -> list[str]:
    errs = [max_len(253, unit)] if len(value) > 253 else []
    if not _SUBDOMAIN.fullmatch(value):
        errs.append(regex_error(_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = [max_len(63)] if len(value) > 63 else []
    if not _DNS1035.fullmatch(value):
        errs.append(regex_error(_DNS1035_MSG, _DNS1035_FMT, "my-name", "abc-123"))
    return errs


def path_segment(value: str) -> list[str]:
    """Names that only have to be safe in a URL path (RBAC objects)."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{part}'" for part in ("/", "%") if part in value]


_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_KEY = re.compile(_KEY_FMT)
_KEY_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character")
_VALUE_FMT = "(" + _KEY_FMT + ")?"
_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
              "'-', '_' or '.', and must start and end with an alphanumeric character")


def label_key(value: str) -> list[str]:
    """`IsLabelKey` (a qualified name): an optional DNS subdomain prefix, '/', and a name."""
    parts = value.split("/")
    errs: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in dns1123_subdomain(prefix, unit="bytes"))
    else:
        return ["a valid label key " + regex_error(_KEY_MSG, _KEY_FMT, "MyName", "my.name",
                                                   "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part " + max_len(63, "bytes"))
    if not _KEY.fullmatch(name):
        errs.append("name part " + regex_error(_KEY_MSG, _KEY_FMT, "MyName", "my.name",
                                               "123-abc"))
    return errs


def label_value(value: str) -> list[str]:
    errs = [max_len(63, "bytes")] if len(value.encode()) > 63 else []
    if not re.fullmatch(_VALUE_FMT, value):
        errs.append(regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"


def config_key(value: str) -> list[str]:
    """Keys of a Secret's or ConfigMap's data (they become file names in volumes)."""
    errs = [max_len(253)] if len(value) > 253 else []
    if not re.fullmatch(_CONFIG_KEY_FMT, value):
        errs.append(regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            _CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    return errs + _chdir_prefix(value)


def _chdir_prefix(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"must not be '{value}'"]
    return ["must not start with '..'"] if value.startswith("..") else []


def env_var_name(value: str) -> list[str]:
    """Relaxed environment variable names (the default since Kubernetes 1.34)."""
    if not value:
        return ["environment variable name must be non-empty"]
    if any(ord(c) > 0x7E or ord(c) < 0x20 or c == "=" for c in value):
        return ["a valid environment variable name must consist only of printable ASCII "
                "characters other than '='"]
    return []


def port_number(value: Any) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def port_name(value: str) -> list[str]:
    errs = [max_len(15)] if len(value) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def unix_id(value: Any) -> list[str]:
    """User and group ids: 0 to 2^31-1."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**31 - 1:
        return []
    return ["must be between 0 and 2147483647, inclusive"]


def invalid_message(*, kind: str, group: str, name: str, errors: list[FieldError]) -> str:
    """The Status message: one error as is, several in brackets (identical ones once)."""
    seen: list[str] = []
    for error in errors:
        if error.message() not in seen:
            seen.append(error.message())
    qualified = f"{kind}.{group}" if group else kind
    body = seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
    return f'{qualified} "{name}" is invalid: {body}'
