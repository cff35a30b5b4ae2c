"""String ``format`` checks of CRD schemas, the ones the apiserver enforces and that are cheap.

kube-openapi validates a fixed list of formats; a string that does not parse is reported as
``<path> in body must be of type <format>: "<value>"``. Unknown formats are accepted, as there.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import re
import uuid
from collections.abc import Callable

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAC = re.compile(r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}")
_DURATION = re.compile(r"[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+|0")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S*")


def _parses(parser: Callable[[str], object], value: str) -> bool:
    try:
        parser(value)
    except ValueError:
        return False
    return True


def _datetime(value: str) -> bool:
    if not _RFC3339.fullmatch(value):
        return False
    normalised = value.replace("z", "Z").replace("Z", "+00:00")
    return _parses(datetime.datetime.fromisoformat, normalised)


def _base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _uuid(version: int | None) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        if len(value) != 36:
            return False
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            return False
        return version is None or parsed.version == version

    return check


def _ip(version: int) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return ipaddress.ip_address(value).version == version
        except ValueError:
            return False

    return check


_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": _datetime,
    "datetime": _datetime,
    "date": lambda v: bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v))
    and _parses(datetime.date.fromisoformat, v),
    "byte": _base64,
    "uuid": _uuid(None),
    "uuid3": _uuid(3),
    "uuid4": _uuid(4),
    "uuid5": _uuid(5),
    "ipv4": _ip(4),
    "ipv6": _ip(6),
    "cidr": lambda v: "/" in v and _parses(lambda s: ipaddress.ip_network(s, strict=False), v),
    "hostname": lambda v: bool(_HOSTNAME.fullmatch(v)),
    "email": lambda v: bool(_EMAIL.fullmatch(v)),
    "mac": lambda v: bool(_MAC.fullmatch(v)),
    "duration": lambda v: bool(_DURATION.fullmatch(v)),
    "uri": lambda v: bool(_URI.fullmatch(v)),
}


def valid(*, value: str, fmt: str) -> bool:
    """True when ``value`` has format ``fmt`` (or ``fmt`` is not one the apiserver checks)."""
    check = _CHECKS.get(fmt)
    return True if check is None else check(value)
