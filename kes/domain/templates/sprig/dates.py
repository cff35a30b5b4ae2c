"""sprig's date functions (v2.22.0) with Go layouts; the local zone is UTC, as kes runs.

``date`` and friends take ``interface{}``: a time.Time, or int/int64 Unix seconds; anything else
(a string!) silently formats the *current* time, as in sprig. ``toDate`` returns Go's zero time
when the value does not match the layout.
"""

from __future__ import annotations

import datetime
import time
import zoneinfo
from typing import Any, Final

from kes.domain import durations
from kes.domain.templates import values
from kes.domain.templates.sprig import registry, timelayout

TABLE = registry.Table()
define = TABLE.define
_ANY = "interface {}"
_TIME = "time.Time"
LOCAL_ZONE: Final = datetime.UTC


def now_time() -> values.GoTime:
    nanos = time.time_ns()
    moment = datetime.datetime.fromtimestamp(nanos // 1_000_000_000, tz=LOCAL_ZONE)
    moment = moment.replace(microsecond=nanos % 1_000_000_000 // 1000)
    return values.GoTime(moment=moment, nanosecond=nanos % 1_000_000_000, zone="UTC")


def _unix(seconds: int) -> values.GoTime:
    try:
        moment = datetime.datetime.fromtimestamp(seconds, tz=LOCAL_ZONE)
    except (OverflowError, OSError, ValueError):
        raise values.FuncError(f"time {seconds} is outside the range kes can represent") from None
    return values.GoTime(moment=moment, nanosecond=0, zone="UTC")


def _as_time(value: Any) -> values.GoTime:
    if isinstance(value, values.GoTime):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _unix(int(value))
    return now_time()


def _zone(name: str) -> datetime.tzinfo:
    if name in ("Local", "", "UTC"):
        return LOCAL_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # sprig falls back to UTC when the zone does not load.
        return datetime.UTC


def in_zone(moment: values.GoTime, *, zone: datetime.tzinfo) -> values.GoTime:
    converted = moment.moment.astimezone(zone)
    name = converted.tzname() or "UTC"
    return values.GoTime(moment=converted, nanosecond=moment.nanosecond, zone=name)


@define("date", params=("string", _ANY), result="string")
def date(layout: str, value: Any) -> str:
    return date_in_zone(layout, value, "Local")


@define("dateInZone", params=("string", _ANY, "string"), result="string")
def date_in_zone(layout: str, value: Any, zone: str) -> str:
    return timelayout.format_time(in_zone(_as_time(value), zone=_zone(zone)), layout=layout)


TABLE.alias("date_in_zone", existing="dateInZone")


@define("htmlDate", params=(_ANY,), result="string")
def html_date(value: Any) -> str:
    return date_in_zone("2006-01-02", value, "Local")


@define("htmlDateInZone", params=(_ANY, "string"), result="string")
def html_date_in_zone(value: Any, zone: str) -> str:
    return date_in_zone("2006-01-02", value, zone)


@define("dateModify", params=("string", _TIME), result=_TIME)
def date_modify(spec: str, moment: values.GoTime) -> values.GoTime:
    registry.expect(moment, go_type=_TIME, kind=values.GoTime)
    try:
        nanos = durations.parse_duration(spec)
    except durations.DurationError:
        return moment
    total = moment.nanosecond + nanos
    seconds, nano = divmod(total, 1_000_000_000)
    base = moment.moment.replace(microsecond=0)
    try:
        # Go adds elapsed time; Python's aware arithmetic adds wall-clock time, so go via UTC.
        instant = base.astimezone(datetime.UTC) + datetime.timedelta(seconds=seconds)
        shifted = instant.astimezone(base.tzinfo)
    except (OverflowError, ValueError):
        return moment
    shifted = shifted.replace(microsecond=nano // 1000)
    return values.GoTime(moment=shifted, nanosecond=nano, zone=shifted.tzname() or moment.zone)


TABLE.alias("date_modify", existing="dateModify")


@define("ago", params=(_ANY,), result="string")
def ago(value: Any) -> str:
    moment = _as_time(value)
    current = now_time()
    delta = current.moment.replace(microsecond=0) - moment.moment.replace(microsecond=0)
    nanos = int(delta.total_seconds()) * 1_000_000_000 + current.nanosecond - moment.nanosecond
    # Duration.Round(time.Second): halves away from zero.
    seconds = (abs(nanos) + 500_000_000) // 1_000_000_000
    return durations.format_duration((seconds if nanos >= 0 else -seconds) * 1_000_000_000)


@define("now", params=(), result=_TIME)
def now() -> values.GoTime:
    return now_time()


@define("toDate", params=("string", "string"), result=_TIME)
def to_date(layout: str, text: str) -> values.GoTime:
    try:
        return timelayout.parse_time(layout=layout, text=text, default_zone=LOCAL_ZONE)
    except timelayout.LayoutError:
        return timelayout.ZERO_TIME


@define("unixEpoch", params=(_TIME,), result="string")
def unix_epoch(moment: values.GoTime) -> str:
    registry.expect(moment, go_type=_TIME, kind=values.GoTime)
    return str(moment.unix())


FUNCS = TABLE.funcs
