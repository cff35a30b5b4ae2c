"""Methods templates can call on values: time.Time's (``{{ now.Year }}``, ``{{ $t.Format "…" }}``)
and *semver.Version's (``{{ $v.String }}``, ``{{ $v.LessThan (semver "2.0") }}``).

text/template looks a name up as a method before it tries a map key or a struct field; of the
values templates see, time.Time (from ``now``, ``toDate``, ``unixEpoch``…) and the versions
``semver`` returns (Masterminds/semver v1.5.0) have methods worth having. Each is a GoFunc whose
first argument is the receiver, so calls get the same argument checks as functions.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any, Final

from kes.domain.templates import gofmt, values
from kes.domain.templates.sprig import semver, timelayout

_MONTHS: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _utc(t: values.GoTime) -> values.GoTime:
    moment = t.moment.astimezone(datetime.UTC)
    return values.GoTime(moment=moment, nanosecond=t.nanosecond, zone="UTC")


def _unix_nano(t: values.GoTime) -> int:
    return t.unix() * 1_000_000_000 + t.nanosecond


def _int(fn: Any) -> Any:
    return lambda t: values.GoInt(fn(t))


_TIME: Final[dict[str, values.GoFunc]] = {
    name: values.GoFunc(name=name, fn=fn, params=("time.Time", *params))
    for name, fn, params in (
        ("Year", _int(lambda t: t.moment.year), ()),
        ("YearDay", _int(lambda t: t.moment.timetuple().tm_yday), ()),
        ("Day", _int(lambda t: t.moment.day), ()),
        ("Hour", _int(lambda t: t.moment.hour), ()),
        ("Minute", _int(lambda t: t.moment.minute), ()),
        ("Second", _int(lambda t: t.moment.second), ()),
        ("Nanosecond", _int(lambda t: t.nanosecond), ()),
        # time.Month and time.Weekday print as their names; kes gives those names.
        ("Month", lambda t: _MONTHS[t.moment.month - 1], ()),
        ("Weekday", lambda t: _DAYS[t.moment.weekday()], ()),
        ("Unix", lambda t: t.unix(), ()),
        ("UnixMilli", lambda t: _unix_nano(t) // 1_000_000, ()),
        ("UnixNano", _unix_nano, ()),
        ("UTC", _utc, ()),
        ("String", gofmt.format_time, ()),
        ("Format", lambda t, layout: timelayout.format_time(t, layout=layout), ("string",)),
    )
}


_VERSION_TYPE: Final = "*semver.Version"
_VALUE: Final = "semver.Version"
_VALID_SUFFIX: Final = re.compile(r"[0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*")


def _v(value: values.GoStruct) -> semver.Version:
    return semver.from_struct(value)


def _compare(left: values.GoStruct, right: values.GoStruct | None) -> int:
    if right is None:  # Go dereferences the nil *Version and text/template reports the panic
        raise values.FuncError("runtime error: invalid memory address or nil pointer dereference")
    return semver.compare(_v(left), other=_v(right))


def _next(version: semver.Version, **changes: Any) -> values.GoStruct:
    # Inc*/Set* return a Version value whose original keeps a lower-case "v" prefix.
    changed = dataclasses.replace(version, **changes)
    prefix = "v" if version.original.startswith("v") else ""
    return semver.as_struct(
        dataclasses.replace(changed, original=prefix + str(changed)), pointer=False
    )


def _inc_patch(value: values.GoStruct) -> values.GoStruct:
    v = _v(value)
    patch = v.patch if v.prerelease else v.patch + 1
    return _next(v, patch=patch, prerelease="", metadata="")


def _set(field: str, message: str) -> Any:
    def setter(value: values.GoStruct, text: str) -> values.GoStruct:
        if text and not _VALID_SUFFIX.fullmatch(text):
            raise values.FuncError(message)
        return _next(_v(value), **{field: text})

    return setter


_SEMVER: Final[dict[str, values.GoFunc]] = {
    name: values.GoFunc(name=name, fn=fn, params=(_VERSION_TYPE, *params), result=result)
    for name, fn, params, result in (
        ("String", lambda v: str(_v(v)), (), "string"),
        ("Compare", lambda v, o: values.GoInt(_compare(v, o)), (_VERSION_TYPE,), "int"),
        ("LessThan", lambda v, o: _compare(v, o) < 0, (_VERSION_TYPE,), "bool"),
        ("GreaterThan", lambda v, o: _compare(v, o) > 0, (_VERSION_TYPE,), "bool"),
        ("Equal", lambda v, o: _compare(v, o) == 0, (_VERSION_TYPE,), "bool"),
        ("IncPatch", _inc_patch, (), _VALUE),
        (
            "IncMinor",
            lambda v: _next(_v(v), minor=_v(v).minor + 1, patch=0, prerelease="", metadata=""),
            (),
            _VALUE,
        ),
        (
            "IncMajor",
            lambda v: _next(
                _v(v), major=_v(v).major + 1, minor=0, patch=0, prerelease="", metadata=""
            ),
            (),
            _VALUE,
        ),
        ("SetPrerelease", _set("prerelease", "Invalid Prerelease string"), ("string",), _VALUE),
        ("SetMetadata", _set("metadata", "Invalid Metadata string"), ("string",), _VALUE),
    )
}


def lookup(receiver: Any, name: str) -> values.GoFunc | None:
    """The method ``name`` of ``receiver``, if its Go type has one."""
    if isinstance(receiver, values.GoTime):
        return _TIME.get(name)
    if isinstance(receiver, values.GoStruct) and receiver.go_type == _VERSION_TYPE:
        return _SEMVER.get(name)
    return None
