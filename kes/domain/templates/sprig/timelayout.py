"""Go's time layouts (``2006-01-02T15:04:05Z07:00``): formatting, parsing, and durations.

Blueprints format and parse times with Go reference layouts
(``toDate "2006-01-02T15:04:05.999999999Z07:00" .Time | date "2006-01-02"``), so kes splits a
layout into Go's std chunks exactly as ``time.nextStdChunk`` does and formats or parses each.
"""

from __future__ import annotations

import datetime
import re
from typing import Final

from kes.domain.templates import values

_LONG_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_LONG_DAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TZ_TOKENS: Final = (
    "Z070000",
    "Z07:00:00",
    "Z0700",
    "Z07:00",
    "Z07",
    "-070000",
    "-07:00:00",
    "-0700",
    "-07:00",
    "-07",
)

ZERO_TIME: Final = values.GoTime(
    moment=datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), nanosecond=0, zone="UTC"
)


def _starts_lower(text: str) -> bool:
    return bool(text) and "a" <= text[0] <= "z"


def split_layout(layout: str) -> list[tuple[str, str]]:
    """The layout as (kind, text) pairs: kind "lit" for literal text, else the std std."""
    out: list[tuple[str, str]] = []
    literal: list[str] = []
    i = 0
    n = len(layout)

    def emit(std: str, length: int) -> None:
        nonlocal i
        if literal:
            out.append(("lit", "".join(literal)))
            literal.clear()
        out.append((std, layout[i : i + length]))
        i += length

    while i < n:
        rest = layout[i:]
        ch = rest[0]
        if ch == "J" and rest.startswith("Jan"):
            if rest.startswith("January"):
                emit("January", 7)
                continue
            if not _starts_lower(rest[3:]):
                emit("Jan", 3)
                continue
        elif ch == "M":
            if rest.startswith("Mon"):
                if rest.startswith("Monday"):
                    emit("Monday", 6)
                    continue
                if not _starts_lower(rest[3:]):
                    emit("Mon", 3)
                    continue
            if rest.startswith("MST"):
                emit("MST", 3)
                continue
        elif ch == "0":
            if len(rest) >= 2 and "1" <= rest[1] <= "6":
                emit("0" + rest[1], 2)
                continue
            if rest.startswith("002"):
                emit("002", 3)
                continue
        elif ch == "1":
            emit("15", 2) if rest.startswith("15") else emit("1", 1)
            continue
        elif ch == "2":
            emit("2006", 4) if rest.startswith("2006") else emit("2", 1)
            continue
        elif ch == "_":
            if rest.startswith("_2"):
                if rest.startswith("_2006"):
                    literal.append("_")
                    i += 1
                    emit("2006", 4)
                    continue
                emit("_2", 2)
                continue
            if rest.startswith("__2"):
                emit("__2", 3)
                continue
        elif ch in "345":
            emit(ch, 1)
            continue
        elif ch == "P" and rest.startswith("PM"):
            emit("PM", 2)
            continue
        elif ch == "p" and rest.startswith("pm"):
            emit("pm", 2)
            continue
        elif ch in "-Z":
            std = next((t for t in _TZ_TOKENS if rest.startswith(t)), None)
            if std is not None:
                emit(std, len(std))
                continue
        elif ch in ".," and len(rest) > 1 and rest[1] in "09":
            j = 1
            while j < len(rest) and rest[j] == rest[1]:
                j += 1
            if not (j < len(rest) and rest[j].isdigit()):
                emit("frac" + rest[1], j)
                continue
        literal.append(ch)
        i += 1
    if literal:
        out.append(("lit", "".join(literal)))
    return out


def _offset_text(offset: int, std: str) -> str:
    if std.startswith("Z") and offset == 0:
        return "Z"
    sign = "-" if offset < 0 else "+"
    offset = abs(offset)
    hh, mm, ss = offset // 3600, offset % 3600 // 60, offset % 60
    body = std[1:]
    if body in ("07",):
        return f"{sign}{hh:02d}"
    if body == "0700":
        return f"{sign}{hh:02d}{mm:02d}"
    if body == "07:00":
        return f"{sign}{hh:02d}:{mm:02d}"
    if body == "070000":
        return f"{sign}{hh:02d}{mm:02d}{ss:02d}"
    return f"{sign}{hh:02d}:{mm:02d}:{ss:02d}"


def format_time(moment: values.GoTime, *, layout: str) -> str:
    """time.Time.Format(layout)."""
    t = moment.moment
    out: list[str] = []
    for std, text in split_layout(layout):
        if std == "lit":
            out.append(text)
        elif std == "January":
            out.append(_LONG_MONTHS[t.month - 1])
        elif std == "Jan":
            out.append(_LONG_MONTHS[t.month - 1][:3])
        elif std == "1":
            out.append(str(t.month))
        elif std == "01":
            out.append(f"{t.month:02d}")
        elif std == "Monday":
            out.append(_LONG_DAYS[t.weekday()])
        elif std == "Mon":
            out.append(_LONG_DAYS[t.weekday()][:3])
        elif std == "2":
            out.append(str(t.day))
        elif std == "_2":
            out.append(f"{t.day:2d}")
        elif std == "02":
            out.append(f"{t.day:02d}")
        elif std == "__2":
            out.append(f"{t.timetuple().tm_yday:3d}")
        elif std == "002":
            out.append(f"{t.timetuple().tm_yday:03d}")
        elif std == "15":
            out.append(f"{t.hour:02d}")
        elif std in ("3", "03"):
            hour = t.hour % 12 or 12
            out.append(str(hour) if std == "3" else f"{hour:02d}")
        elif std == "4":
            out.append(str(t.minute))
        elif std == "04":
            out.append(f"{t.minute:02d}")
        elif std == "5":
            out.append(str(t.second))
        elif std == "05":
            out.append(f"{t.second:02d}")
        elif std == "2006":
            out.append(f"{t.year:04d}")
        elif std == "06":
            out.append(f"{t.year % 100:02d}")
        elif std in ("PM", "pm"):
            mark = "PM" if t.hour >= 12 else "AM"
            out.append(mark if std == "PM" else mark.lower())
        elif std == "MST":
            out.append(moment.zone or _offset_text(moment.utc_offset_seconds(), "-0700"))
        elif std in _TZ_TOKENS:
            out.append(_offset_text(moment.utc_offset_seconds(), std))
        elif std.startswith("frac"):
            digits = len(text) - 1
            frac = f"{moment.nanosecond:09d}"[:digits]
            if std == "frac9":
                frac = frac.rstrip("0")
                out.append(text[0] + frac if frac else "")
            else:
                out.append(text[0] + frac)
    return "".join(out)


class LayoutError(ValueError):
    """The value does not match the layout (time.Parse's error)."""


_NUM: Final = re.compile(r"\d+")


def parse_time(*, layout: str, text: str, default_zone: datetime.tzinfo) -> values.GoTime:
    """time.ParseInLocation(layout, text, loc) for the std chunks blueprints use."""
    year, month, day, hour, minute, second, nano = 1, 1, 1, 0, 0, 0, 0
    pm: bool | None = None
    offset: int | None = None
    zone_name: str | None = None
    rest = text
    chunks = split_layout(layout)
    for index, (std, chunk) in enumerate(chunks):
        if std == "lit":
            if not rest.startswith(chunk):
                raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
            rest = rest[len(chunk) :]
            continue
        if std in ("January", "Jan", "Monday", "Mon"):
            names = _LONG_MONTHS if std in ("January", "Jan") else _LONG_DAYS
            matched = None
            for pos, name in enumerate(names):
                candidate = name if len(std) > 3 else name[:3]
                if rest.lower().startswith(candidate.lower()):
                    matched = (pos, candidate)
                    break
            if matched is None:
                raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
            if std in ("January", "Jan"):
                month = matched[0] + 1
            rest = rest[len(matched[1]) :]
            continue
        if std in ("PM", "pm"):
            mark = rest[:2].upper()
            if mark not in ("AM", "PM"):
                raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
            pm = mark == "PM"
            rest = rest[2:]
            continue
        if std == "MST":
            match = re.match(r"[A-Z]{3,5}|UTC|GMT", rest)
            if match is None:
                raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
            zone_name = match.group(0)
            rest = rest[len(zone_name) :]
            continue
        if std in _TZ_TOKENS:
            if std.startswith("Z") and rest.startswith("Z"):
                offset, rest = 0, rest[1:]
                continue
            match = re.match(r"([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?", rest)
            if match is None:
                raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
            sign = -1 if match.group(1) == "-" else 1
            offset = sign * (
                int(match.group(2)) * 3600
                + int(match.group(3) or 0) * 60
                + int(match.group(4) or 0)
            )
            rest = rest[match.end() :]
            continue
        if std.startswith("frac"):
            match = (
                re.match(r"[.,](\d+)", rest)
                if std == "frac9"
                else re.match(r"[.,](\d{" + str(len(chunk) - 1) + "})", rest)
            )
            if match is None:
                if std == "frac9":
                    continue
                raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
            nano = int(match.group(1)[:9].ljust(9, "0"))
            rest = rest[match.end() :]
            continue
        width = {"2006": 4, "002": 3, "__2": 3}.get(std, 2)
        if std in ("_2", "__2"):
            rest = rest.lstrip(" ")
        fixed = std in ("01", "02", "03", "04", "05", "06", "15", "2006", "002")
        pattern = r"\d{" + (str(width) if fixed else "1," + str(width)) + "}"
        match = re.match(pattern, rest)
        if match is None:
            raise LayoutError(f"cannot parse {rest!r} as {chunk!r}")
        number = int(match.group(0))
        rest = rest[match.end() :]
        if std in ("2006",):
            year = number
        elif std == "06":
            year = number + (1900 if number >= 69 else 2000)
        elif std in ("1", "01"):
            month = number
        elif std in ("2", "_2", "02"):
            day = number
        elif std in ("15", "3", "03"):
            hour = number
        elif std in ("4", "04"):
            minute = number
        elif std in ("5", "05"):
            second = number
            # Go accepts a fraction after seconds even when the layout has none.
            nxt = chunks[index + 1][0] if index + 1 < len(chunks) else ""
            frac = re.match(r"[.,](\d+)", rest)
            if frac is not None and not nxt.startswith("frac"):
                nano = int(frac.group(1)[:9].ljust(9, "0"))
                rest = rest[frac.end() :]
    if rest:
        raise LayoutError(f"extra text: {rest!r}")
    if pm is not None:
        hour = hour % 12 + (12 if pm else 0)
    if offset is not None:
        tz: datetime.tzinfo = datetime.timezone(datetime.timedelta(seconds=offset))
    else:
        tz = default_zone
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, nano // 1000, tzinfo=tz)
    except ValueError as exc:
        raise LayoutError(str(exc)) from None
    if offset is None:
        name = zone_name or moment.tzname() or "UTC"
    else:
        is_utc = offset == 0 and default_zone.utcoffset(moment) == datetime.timedelta(0)
        name = "UTC" if is_utc else ""
    return values.GoTime(moment=moment, nanosecond=nano, zone=name)
