"""Methods templates can call on values: time.Time's (``{{ now.Year }}``, ``{{ $t.Format "…" }}``).

text/template looks a name up as a method before it tries a map key or a struct field; of the
values templates see, only time.Time (from ``now``, ``toDate``, ``unixEpoch``…) has methods worth
having. Each is a GoFunc whose first argument is the receiver, so calls get the same argument checks
as functions.
"""

from __future__ import annotations

import datetime
from typing import Any, Final

from kes.domain.templates import gofmt, values
from kes.domain.templates.sprig import timelayout

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


def lookup(receiver: Any, name: str) -> values.GoFunc | None:
    """The method ``name`` of ``receiver``, if its Go type has one."""
    if isinstance(receiver, values.GoTime):
        return _TIME.get(name)
    return None
