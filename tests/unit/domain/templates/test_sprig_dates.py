"""Go time layouts, parsing, durations and sprig's date functions (local zone UTC)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import sprig_cases

from kes.domain import durations
from kes.domain.templates import values
from kes.domain.templates.sprig import dates, timelayout

MOMENT = values.GoTime(
    moment=datetime.datetime(2006, 1, 2, 15, 4, 5, 123456, tzinfo=datetime.UTC),
    nanosecond=123456789,
    zone="UTC",
)


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        pytest.param("2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05Z", id="rfc3339"),
        pytest.param(
            "2006-01-02T15:04:05.999999999Z07:00",
            "2006-01-02T15:04:05.123456789Z",
            id="rfc3339nano",
        ),
        pytest.param("Mon Jan _2 15:04:05 MST 2006", "Mon Jan  2 15:04:05 UTC 2006", id="unixdate"),
        pytest.param("Monday, January 2, 2006", "Monday, January 2, 2006", id="long-names"),
        pytest.param("3:04PM", "3:04PM", id="kitchen"),
        pytest.param("03:04:05 pm", "03:04:05 pm", id="twelve-hour"),
        pytest.param("15:04:05.000", "15:04:05.123", id="fixed-fraction"),
        pytest.param("15:04:05,99", "15:04:05,12", id="comma-fraction"),
        pytest.param("-0700 -07:00 -07", "+0000 +00:00 +00", id="numeric-zones"),
        pytest.param("06 002 __2", "06 002   2", id="year-day"),
        pytest.param("Janet", "Janet", id="jan-followed-by-lowercase-is-literal"),
        pytest.param("_2006", "_2006", id="underscore-year"),
    ],
)
def test_format_time_follows_go_layouts(layout: str, expected: str) -> None:
    assert timelayout.format_time(MOMENT, layout=layout) == expected


def test_zero_fraction_with_nines_drops_the_dot() -> None:
    whole = values.GoTime(moment=MOMENT.moment.replace(microsecond=0), nanosecond=0)
    assert timelayout.format_time(whole, layout="05.999") == "05"


@pytest.mark.parametrize(
    ("layout", "text", "expected"),
    [
        pytest.param(
            "2006-01-02T15:04:05Z07:00",
            "2020-01-02T03:04:05+05:30",
            "2020-01-02 03:04:05 +0530 +0530",
            id="offset-fixed-zone",
        ),
        pytest.param(
            "2006-01-02T15:04:05Z07:00",
            "2020-01-02T03:04:05.5Z",
            "2020-01-02 03:04:05.5 +0000 UTC",
            id="fraction-accepted-after-seconds",
        ),
        pytest.param("Jan _2 2006", "Feb  3 2021", "2021-02-03 00:00:00 +0000 UTC", id="names"),
        pytest.param("2006 3:04PM", "2020 11:30PM", "2020-01-01 23:30:00 +0000 UTC", id="pm"),
        pytest.param("02/01/06", "31/12/68", "2068-12-31 00:00:00 +0000 UTC", id="two-digit-year"),
    ],
)
def test_parse_time_follows_go(layout: str, text: str, expected: str) -> None:
    parsed = timelayout.parse_time(layout=layout, text=text, default_zone=datetime.UTC)
    assert sprig_cases.render("{{ .T }}", {"T": parsed}) == expected


@pytest.mark.parametrize(
    ("layout", "text"),
    [
        pytest.param("2006-01-02", "2020-1-02", id="short-month"),
        pytest.param("2006-01-02", "2020-02-30", id="day-out-of-range"),
        pytest.param("2006", "2020 extra", id="extra-text"),
        pytest.param("Jan", "Foo", id="bad-month-name"),
    ],
)
def test_parse_time_refuses_mismatches(layout: str, text: str) -> None:
    with pytest.raises(timelayout.LayoutError):
        timelayout.parse_time(layout=layout, text=text, default_zone=datetime.UTC)


@pytest.mark.parametrize(
    ("text", "nanos"),
    [
        pytest.param("1h30m", 5_400_000_000_000, id="hours-minutes"),
        pytest.param("-1.5h", -5_400_000_000_000, id="negative-fraction"),
        pytest.param("300ms", 300_000_000, id="ms"),
        pytest.param("2us", 2_000, id="us"),
        pytest.param("0", 0, id="zero"),
    ],
)
def test_parse_duration_is_go_syntax(text: str, nanos: int) -> None:
    assert durations.parse_duration(text) == nanos


@pytest.mark.parametrize("text", ["", "1", "1d", "h", "1h 2m"])
def test_parse_duration_refuses_what_go_refuses(text: str) -> None:
    refused = r'^time: (invalid|missing unit in|unknown unit "(d|h )" in) duration "'
    with pytest.raises(durations.DurationError, match=refused):
        durations.parse_duration(text)


@pytest.mark.parametrize(
    ("nanos", "text"),
    [
        pytest.param(0, "0s", id="zero"),
        pytest.param(3_723_000_000_000, "1h2m3s", id="hms"),
        pytest.param(60_000_000_000, "1m0s", id="minute"),
        pytest.param(1_500_000_000, "1.5s", id="fraction"),
        pytest.param(2_000_000, "2ms", id="ms"),
        pytest.param(-5_000_000_000, "-5s", id="negative"),
    ],
)
def test_format_duration_is_go_duration_string(nanos: int, text: str) -> None:
    assert durations.format_duration(nanos) == text


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param('{{ date "2006-01-02 15:04:05" 86400 }}', "1970-01-02 00:00:00", id="int64"),
        pytest.param('{{ date "2006" (len "abc") }}', "1970", id="go-int-seconds"),
        pytest.param('{{ dateInZone "15:04 MST" 0 "Nowhere/Zone" }}', "00:00 UTC", id="bad-zone"),
        pytest.param('{{ dateInZone "15:04 MST" 0 "Asia/Kolkata" }}', "05:30 IST", id="zone"),
        pytest.param(
            '{{ toDate "2006-01-02" "2020-01-01" | dateModify "bogus" | date "2006-01-02" }}',
            "2020-01-01",
            id="bad-duration-unchanged",
        ),
        pytest.param(
            '{{ toDate "2006-01-02" "2020-01-01" | dateModify "-24h" | unixEpoch }}',
            "1577750400",
            id="modify-then-epoch",
        ),
        pytest.param(
            '{{ htmlDate (toDate "2006-01-02" "2021-03-04") }}', "2021-03-04", id="html-date"
        ),
        pytest.param(
            '{{ toDate "2006-01-02" "2021-03-04" | toJson }}', '"2021-03-04T00:00:00Z"', id="json"
        ),
        pytest.param(
            '{{ ago (toDate "2006-01-02" "2000-01-01") | regexMatch "^[0-9]+h[0-9]+m[0-9]+s$" }}',
            "true",
            id="ago",
        ),
    ],
)
def test_date_functions(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


def test_now_is_utc_with_nanoseconds() -> None:
    before = datetime.datetime.now(datetime.UTC)
    current = dates.now_time()
    after = datetime.datetime.now(datetime.UTC)
    assert before - datetime.timedelta(seconds=1) <= current.moment <= after
    assert current.zone == "UTC"
    assert current.nanosecond // 1000 == current.moment.microsecond


def test_date_modify_adds_elapsed_time_across_a_dst_change() -> None:
    zone = zoneinfo.ZoneInfo("America/New_York")
    before = values.GoTime.from_datetime(datetime.datetime(2021, 3, 14, 1, 30, tzinfo=zone))
    after = dates.date_modify("1h", before)
    params = sprig_cases.PARAMS | {"T": after}
    assert sprig_cases.render("{{ .T }}", params) == "2021-03-14 03:30:00 -0400 EDT"
