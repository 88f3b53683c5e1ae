"""Tests for engine.calendar.

Expected dates are worked out by hand from the holiday list of holidays==0.109 for Indonesia
(categories public + government), which for 2026 contains among others:

  Mon 16 Feb  Cuti Bersama Tahun Baru Imlek     Tue 17 Feb  Tahun Baru Imlek
  Wed 18 Mar  Cuti Bersama Hari Suci Nyepi      Thu 19 Mar  Hari Suci Nyepi
  Fri 20 Mar  Cuti Bersama Hari Raya Idul Fitri Sat 21 / Sun 22 Mar  Idul Fitri 1447 H
  Mon 23 Mar, Tue 24 Mar  Cuti Bersama Hari Raya Idul Fitri
  Fri 3 Apr   Wafat Yesus Kristus (Good Friday)
  Thu 24 Dec  Cuti Bersama Hari Raya Natal      Fri 25 Dec  Hari Raya Natal
  Fri 1 Jan 2027  Tahun Baru Masehi

Deadlines are never computed with the code under test; they are literal dates.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from engine.calendar import OfficeCalendar, script_functions

WIB = ZoneInfo("Asia/Jakarta")
CAL = OfficeCalendar()


def wib(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def close(y, m, d):
    """Office closing time 16:00 WIB of a day, as an independent literal (UTC+7)."""
    return datetime(y, m, d, 9, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- holiday data


def test_id_categories_offered_by_package():
    assert set(holidays.country_holidays("ID").supported_categories) == {"public", "government"}
    assert CAL.holiday_categories == ("public", "government")


@pytest.mark.parametrize(
    "day, working",
    [
        (date(2026, 3, 17), True),  # Tuesday before Nyepi
        (date(2026, 3, 18), False),  # cuti bersama Nyepi
        (date(2026, 3, 19), False),  # Nyepi
        (date(2026, 3, 20), False),  # cuti bersama Idul Fitri
        (date(2026, 3, 21), False),  # Idul Fitri (Saturday)
        (date(2026, 3, 22), False),  # Sunday
        (date(2026, 3, 23), False),  # cuti bersama Idul Fitri
        (date(2026, 3, 24), False),  # cuti bersama Idul Fitri
        (date(2026, 3, 25), True),
        (date(2026, 2, 16), False),  # cuti bersama Imlek
        (date(2026, 2, 7), False),  # plain Saturday
        (date(2026, 2, 9), True),  # plain Monday
        (date(2026, 12, 23), True),
        (date(2026, 12, 24), False),  # cuti bersama Natal
        (date(2026, 12, 25), False),  # Natal
        (date(2026, 12, 28), True),
        (date(2027, 1, 1), False),
    ],
)
def test_is_working_day(day, working):
    assert CAL.is_working_day(day) is working


def test_holiday_names_for_ui():
    assert CAL.holiday_name(date(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert CAL.holiday_name(date(2026, 3, 24)) == "Cuti Bersama Hari Raya Idul Fitri"
    assert CAL.holiday_name(date(2026, 12, 24)) == "Cuti Bersama Hari Raya Natal"
    assert CAL.holiday_name(date(2026, 12, 25)) == "Hari Raya Natal"
    assert CAL.holiday_name(date(2026, 3, 20), language="en_US") == "Eid al-Fitr Joint Holiday"
    assert CAL.holiday_name(date(2026, 3, 25)) is None
    assert CAL.holiday_name(date(2026, 2, 7)) is None  # a weekend is not a holiday


def test_date_functions_refuse_datetimes():
    with pytest.raises(TypeError):
        CAL.is_working_day(wib(2026, 3, 20, 10))


# --------------------------------------------------------------------------- working-day deadlines


def test_deadline_across_weekend():
    start = wib(2026, 2, 6, 14)  # Friday
    assert CAL.add_working_days(start, 1) == close(2026, 2, 9)  # Monday
    assert CAL.add_working_days(start, 5) == close(2026, 2, 13)  # Friday next week
    # Friday 13 Feb + 1: Mon 16 cuti bersama Imlek, Tue 17 Imlek -> Wednesday 18 Feb
    assert CAL.add_working_days(wib(2026, 2, 13, 9), 1) == close(2026, 2, 18)


def test_result_is_in_office_timezone_and_comparable():
    deadline = CAL.add_working_days(wib(2026, 2, 6, 14), 1)
    assert deadline.isoformat() == "2026-02-09T16:00:00+07:00"
    assert deadline.utcoffset() == timedelta(hours=7)
    assert deadline > datetime(2026, 2, 9, 8, 59, tzinfo=UTC)
    assert deadline < datetime(2026, 2, 9, 9, 1, tzinfo=UTC)


def test_start_day_counted_by_office_local_date_not_utc():
    # 20:00 UTC Thursday = 03:00 WIB Friday: a Friday complaint, so +1 is Monday, not Friday.
    start = datetime(2026, 2, 5, 20, 0, tzinfo=UTC)
    assert CAL.add_working_days(start, 1) == close(2026, 2, 9)


def test_start_day_not_counted_even_before_opening():
    assert CAL.add_working_days(wib(2026, 2, 9, 6), 1) == close(2026, 2, 10)


def test_deadline_across_idul_fitri_1447():
    start = wib(2026, 3, 17, 10)  # Tuesday, last working day before Nyepi/Idul Fitri
    assert CAL.add_working_days(start, 1) == close(2026, 3, 25)
    # 25, 26, 27, 30, 31 Mar, 1, 2 Apr
    assert CAL.add_working_days(start, 7) == close(2026, 4, 2)
    # Fri 3 Apr is Good Friday -> 8th working day is Monday 6 Apr
    assert CAL.add_working_days(start, 8) == close(2026, 4, 6)


def test_sanggau_friday_afternoon_before_long_holiday():
    # Complaint received Friday 13 March 2026 15:30 WIB; deadline 7 working days:
    # Mon 16 (1), Tue 17 (2), [18-24 Nyepi, Idul Fitri, cuti bersama], Wed 25 (3), Thu 26 (4),
    # Fri 27 (5), Mon 30 (6), Tue 31 (7).
    deadline = CAL.add_working_days(wib(2026, 3, 13, 15, 30), 7)
    assert deadline.isoformat() == "2026-03-31T16:00:00+07:00"


def test_received_on_a_holiday():
    # Received on cuti bersama Friday 20 March: 25, 26, 27, 30, 31 Mar, 1, 2 Apr
    assert CAL.add_working_days(wib(2026, 3, 20, 9), 7) == close(2026, 4, 2)


def test_deadline_across_christmas_2026_and_new_year():
    start = wib(2026, 12, 23, 10)  # Wednesday; Thu 24 cuti bersama, Fri 25 Natal
    assert CAL.add_working_days(start, 1) == close(2026, 12, 28)
    # 28, 29, 30, 31 Dec, [Fri 1 Jan 2027 holiday], Mon 4 Jan 2027
    assert CAL.add_working_days(start, 5) == close(2027, 1, 4)


@pytest.mark.parametrize("n", [0, -1, True, 1.5, "3"])
def test_add_working_days_rejects_bad_n(n):
    with pytest.raises(ValueError):
        CAL.add_working_days(wib(2026, 2, 6, 14), n)


def test_working_days_between_matches_deadline_counting():
    a = wib(2026, 3, 13, 15, 30)
    assert CAL.working_days_between(a, wib(2026, 3, 31, 16)) == 7
    assert CAL.working_days_between(wib(2026, 3, 31, 16), a) == -7
    assert CAL.working_days_between(a, wib(2026, 3, 13, 16)) == 0


# --------------------------------------------------------------------------- overrides


def test_override_makes_working_day_off_and_saturday_working():
    cal = OfficeCalendar(overrides={date(2026, 2, 11): False, date(2026, 2, 14): True})
    start = wib(2026, 2, 10, 10)  # Tuesday
    assert CAL.add_working_days(start, 1) == close(2026, 2, 11)  # without overrides: Wednesday
    assert cal.add_working_days(start, 1) == close(2026, 2, 12)  # Wednesday off -> Thursday
    assert cal.add_working_days(start, 3) == close(2026, 2, 14)  # Saturday is working
    # Sun 15, Mon 16 cuti bersama, Tue 17 Imlek -> Wednesday 18
    assert cal.add_working_days(start, 4) == close(2026, 2, 18)
    assert cal.holiday_name(date(2026, 2, 11)) == "Libur kantor (ditetapkan admin)"
    assert cal.holiday_name(date(2026, 2, 14)) is None


def test_override_revokes_a_cuti_bersama():
    cal = OfficeCalendar(overrides={date(2026, 12, 24): True})
    assert cal.is_working_day(date(2026, 12, 24))
    assert cal.holiday_name(date(2026, 12, 24)) is None
    assert cal.add_working_days(wib(2026, 12, 23, 10), 1) == close(2026, 12, 24)


def test_override_table_is_snapshotted():
    table = {date(2026, 2, 11): False}
    cal = OfficeCalendar(overrides=table)
    table[date(2026, 2, 11)] = True
    assert not cal.is_working_day(date(2026, 2, 11))
    assert hash(cal) == hash(OfficeCalendar(overrides={}))  # hashable despite a dict argument


def test_overrides_change_equality():
    assert OfficeCalendar() == OfficeCalendar()
    assert OfficeCalendar() != OfficeCalendar(overrides={date(2026, 2, 11): False})


# --------------------------------------------------------------------------- office time


def test_office_seconds_friday_afternoon_to_monday_morning():
    # Friday 15:00-16:00 (1 h) + Monday 07:30-08:30 (1 h)
    assert CAL.office_seconds_between(wib(2026, 2, 6, 15), wib(2026, 2, 9, 8, 30)) == 7200


def test_office_seconds_mixed_offsets():
    a = datetime(2026, 2, 6, 8, 0, tzinfo=UTC)  # = Friday 15:00 WIB
    assert CAL.office_seconds_between(a, wib(2026, 2, 9, 8, 30)) == 7200


@pytest.mark.parametrize(
    "a, b, seconds",
    [
        (wib(2026, 2, 5, 17), wib(2026, 2, 6, 7), 0),  # evening and night only
        (wib(2026, 2, 7, 9), wib(2026, 2, 8, 15), 0),  # weekend only
        (wib(2026, 2, 5, 12), wib(2026, 2, 6, 12), 4 * 3600 + 4.5 * 3600),
        (wib(2026, 2, 6, 10), wib(2026, 2, 6, 10, 45), 45 * 60),
        (wib(2026, 3, 17, 15), wib(2026, 3, 25, 8), 3600 + 1800),  # across Idul Fitri
        # February 2026: 20 weekdays - 2 (16, 17 Feb) = 18 days of 8.5 h
        (wib(2026, 2, 1), wib(2026, 3, 1), 18 * 8.5 * 3600),
        # March 2026: 22 weekdays - 5 (18, 19, 20, 23, 24 Mar) = 17 days of 8.5 h
        (wib(2026, 3, 1), wib(2026, 4, 1), 17 * 8.5 * 3600),
        (wib(2026, 2, 9, 12), wib(2026, 2, 9, 10), 0),  # b before a
    ],
)
def test_office_seconds_between(a, b, seconds):
    assert CAL.office_seconds_between(a, b) == seconds


def test_office_seconds_long_span_is_additive():
    whole = CAL.office_seconds_between(wib(2026, 1, 1), wib(2028, 1, 1))
    parts = CAL.office_seconds_between(wib(2026, 1, 1), wib(2027, 1, 1)) + CAL.office_seconds_between(
        wib(2027, 1, 1), wib(2028, 1, 1)
    )
    assert whole == parts
    assert whole % (8.5 * 3600) == 0


@pytest.mark.parametrize(
    "start, duration, expected",
    [
        (wib(2026, 2, 6, 15), timedelta(hours=2), wib(2026, 2, 9, 8, 30)),
        (wib(2026, 2, 7, 10), timedelta(hours=1), wib(2026, 2, 9, 8, 30)),  # Saturday start
        (wib(2026, 2, 6, 12), timedelta(hours=4), wib(2026, 2, 6, 16)),  # ends exactly at closing
        (wib(2026, 2, 5, 18), timedelta(hours=8, minutes=30), wib(2026, 2, 6, 16)),
        (wib(2026, 2, 9, 6), timedelta(minutes=45), wib(2026, 2, 9, 8, 15)),  # before opening
        (wib(2026, 3, 17, 15), timedelta(hours=1, minutes=30), wib(2026, 3, 25, 8)),
        (wib(2026, 2, 6, 15), timedelta(0), wib(2026, 2, 6, 15)),
    ],
)
def test_add_office_time(start, duration, expected):
    result = CAL.add_office_time(start, duration)
    assert result == expected
    assert result.tzinfo == WIB


INVERSE_STARTS = [
    wib(2026, 2, 6, 15, 17),
    wib(2026, 2, 7, 23),
    wib(2026, 3, 17, 7),
    wib(2026, 12, 23, 16, 30),
    datetime(2026, 3, 13, 3, 0, tzinfo=UTC),
]
INVERSE_DURATIONS = [
    timedelta(seconds=1),
    timedelta(minutes=45),
    timedelta(hours=8, minutes=30),
    timedelta(hours=20, seconds=7),
    timedelta(hours=200),
]


@pytest.mark.parametrize("start", INVERSE_STARTS)
@pytest.mark.parametrize("duration", INVERSE_DURATIONS)
def test_add_office_time_is_inverse_of_office_seconds(start, duration):
    end = CAL.add_office_time(start, duration)
    assert end > start
    assert CAL.is_office_time(end) or end.timetz().replace(tzinfo=None) == time(16, 0)
    assert CAL.office_seconds_between(start, end) == duration.total_seconds()


@pytest.mark.parametrize("start", INVERSE_STARTS)
def test_office_seconds_then_add_returns_the_instant(start):
    target = wib(2026, 12, 29, 10, 5)  # inside office hours
    seconds = CAL.office_seconds_between(start, target)
    assert CAL.add_office_time(start, timedelta(seconds=seconds)) == target


def test_add_office_time_rejects_negative_duration():
    with pytest.raises(ValueError):
        CAL.add_office_time(wib(2026, 2, 6, 15), timedelta(minutes=-1))


def test_next_working_day_start():
    assert CAL.next_working_day_start(wib(2026, 2, 6, 10)) == wib(2026, 2, 9, 7, 30)
    assert CAL.next_working_day_start(wib(2026, 2, 9, 6)) == wib(2026, 2, 9, 7, 30)
    assert CAL.next_working_day_start(wib(2026, 3, 17, 16, 30)) == wib(2026, 3, 25, 7, 30)


def test_other_office_timezone_wita():
    cal = OfficeCalendar(timezone="Asia/Makassar")  # UTC+8
    deadline = cal.add_working_days(datetime(2026, 2, 6, 15, tzinfo=ZoneInfo("Asia/Makassar")), 1)
    assert deadline.isoformat() == "2026-02-09T16:00:00+08:00"


# --------------------------------------------------------------------------- naive input


NAIVE = datetime(2026, 2, 6, 15, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_days(NAIVE, 1),
        lambda: CAL.office_seconds_between(NAIVE, wib(2026, 2, 9)),
        lambda: CAL.office_seconds_between(wib(2026, 2, 5), NAIVE),
        lambda: CAL.add_office_time(NAIVE, timedelta(hours=1)),
        lambda: CAL.next_working_day_start(NAIVE),
        lambda: CAL.working_days_between(NAIVE, wib(2026, 2, 9)),
        lambda: CAL.is_office_time(NAIVE),
    ],
)
def test_naive_datetime_refused(call):
    with pytest.raises(ValueError, match="naive"):
        call()


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Mars/Olympus"},
        {"office_start": time(16, 0), "office_end": time(7, 30)},
        {"weekdays": frozenset({7})},
        {"holiday_categories": ("public", "bank")},
        {"overrides": {date(2026, 2, 11): "no"}},
    ],
)
def test_bad_configuration_refused(kwargs):
    with pytest.raises(ValueError):
        OfficeCalendar(**kwargs)


def test_override_keys_must_be_dates():
    with pytest.raises(TypeError):
        OfficeCalendar(overrides={wib(2026, 2, 11): False})


# --------------------------------------------------------------------------- script functions

FN = script_functions(CAL)


def test_script_function_names():
    assert set(FN) == {"working_days_after", "office_time_after", "working_days_between", "now", "deadline_after"}


def test_script_now_reads_the_injected_clock():
    from engine.clock import FixedClock, using_clock

    with using_clock(FixedClock(datetime(2026, 12, 24, 2, 0, tzinfo=UTC))):
        assert FN["now"]() == "2026-12-24T09:00:00+07:00"
        assert FN["office_time_after"](FN["now"](), "PT10M") == "2026-12-28T07:40:00+07:00"  # Christmas skipped


def test_script_working_days_after():
    assert FN["working_days_after"]("2026-03-13T15:30:00+07:00", 7) == "2026-03-31T16:00:00+07:00"
    assert FN["working_days_after"]("2026-03-13T08:30:00Z", 7) == "2026-03-31T16:00:00+07:00"
    assert FN["working_days_after"]("2026-12-23T10:00:00+07:00", 5) == "2027-01-04T16:00:00+07:00"


def test_script_office_time_after():
    assert FN["office_time_after"]("2026-02-06T15:00:00+07:00", "PT2H") == "2026-02-09T08:30:00+07:00"
    assert FN["office_time_after"]("2026-02-06T15:30:00+07:00", "PT45M") == "2026-02-09T07:45:00+07:00"
    assert FN["office_time_after"]("2026-02-06T15:30:00+07:00", "P0DT45M") == "2026-02-09T07:45:00+07:00"


def test_script_working_days_between():
    assert FN["working_days_between"]("2026-03-13T15:30:00+07:00", "2026-03-31T16:00:00+07:00") == 7
    assert FN["working_days_between"]("2026-03-31T16:00:00+07:00", "2026-03-13T15:30:00+07:00") == -7


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("working_days_after", ("yesterday", 3), "not an ISO-8601 datetime"),
        ("working_days_after", ("2026-03-13T15:00:00", 3), "no UTC offset"),
        ("working_days_after", ("2026-03-13", 3), "no UTC offset"),
        ("working_days_after", ("2026-03-13T15:00:00+07:00", 0), ">= 1"),
        ("working_days_after", ("2026-03-13T15:00:00+07:00", "7"), "integer"),
        ("working_days_after", (None, 3), "string"),
        ("office_time_after", ("2026-03-13T15:00:00+07:00", "soon"), "not an ISO-8601 duration"),
        ("office_time_after", ("2026-03-13T15:00:00+07:00", "P1D"), "hours/minutes/seconds"),
        ("office_time_after", ("2026-03-13T15:00:00+07:00", "P1M"), "hours/minutes/seconds"),
        ("office_time_after", ("2026-03-13T15:00:00+07:00", "-PT1H"), "negative"),
        ("working_days_between", ("2026-03-13T15:00:00+07:00", "later"), "not an ISO-8601 datetime"),
    ],
)
def test_script_functions_reject_bad_input(name, args, message):
    with pytest.raises(ValueError, match=message):
        FN[name](*args)
