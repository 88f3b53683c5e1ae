"""The administrator's calendar page and its engine operations: list a year's exceptions, add and remove
overrides (audited), bad input refused beside its field, the engine's calendar changed at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from engine import calendar_admin
from engine.errors import InvalidInput, NotFound
from engine.models import AuditEvent, CalendarOverride
from tests.conftest import actor, csrf_token

ADMIN = actor("admin")
PAGE = "/admin/kalender"


def _events(session, kind):
    return session.scalars(select(AuditEvent).where(AuditEvent.type == kind).order_by(AuditEvent.seq)).all()


# -- engine ----------------------------------------------------------------------------------------

def test_year_exceptions_merge_the_holiday_package_and_the_override_table(deployed, ctx):
    calendar_admin.add_calendar_override(deployed, ctx, date(2026, 12, 24), True, "SKB 2026: 24 Des tetap masuk",
                                         actor=ADMIN)
    calendar_admin.add_calendar_override(deployed, ctx, date(2026, 3, 16), False, "Ulang tahun kabupaten",
                                         actor=ADMIN)
    rows = {e.day: e for e in calendar_admin.year_exceptions(deployed, ctx.calendar, 2026)}
    assert rows[date(2026, 3, 20)].holiday_name == "Cuti Bersama Hari Raya Idul Fitri"
    assert (rows[date(2026, 3, 20)].source, rows[date(2026, 3, 20)].is_working_day) == ("holiday", False)
    christmas_eve = rows[date(2026, 12, 24)]
    assert (christmas_eve.source, christmas_eve.is_working_day, christmas_eve.reason) == (
        "override", True, "SKB 2026: 24 Des tetap masuk")
    assert christmas_eve.holiday_name == "Cuti Bersama Hari Raya Natal"  # what it overrides stays visible
    assert rows[date(2026, 3, 16)].is_working_day is False and rows[date(2026, 3, 16)].created_by == "admin1"
    assert date(2027, 1, 1) not in rows and list(rows) == sorted(rows)


def test_add_and_remove_are_audited_and_replace_an_existing_override(deployed, ctx):
    day = date(2026, 3, 16)
    calendar_admin.add_calendar_override(deployed, ctx, day, False, "  Ulang   tahun kabupaten ", actor=ADMIN)
    calendar_admin.add_calendar_override(deployed, ctx, day, True, "Dibatalkan, kantor buka", actor=ADMIN)
    assert deployed.scalar(select(func.count()).select_from(CalendarOverride)) == 1
    added = _events(deployed, "CALENDAR_OVERRIDE_ADDED")
    assert [e.data_after for e in added] == [
        {"day": "2026-03-16", "is_working_day": False, "reason": "Ulang tahun kabupaten"},
        {"day": "2026-03-16", "is_working_day": True, "reason": "Dibatalkan, kantor buka"}]
    assert added[1].data_before == added[0].data_after and {e.actor for e in added} == {"admin1"}
    calendar_admin.remove_calendar_override(deployed, ctx, day, actor=ADMIN)
    [removed] = _events(deployed, "CALENDAR_OVERRIDE_REMOVED")
    assert removed.data_before["is_working_day"] is True and removed.payload == {"day": "2026-03-16"}
    assert deployed.get(CalendarOverride, day) is None
    with pytest.raises(NotFound):
        calendar_admin.remove_calendar_override(deployed, ctx, day, actor=ADMIN)


@pytest.mark.parametrize("text", ["20-03-2026", "2026/03/20", "2026-3-20", "2026-02-30", "", "besok"])
def test_a_date_in_another_format_is_refused_in_indonesian(text):
    with pytest.raises(InvalidInput) as refused:
        calendar_admin.parse_override_date(text)
    assert refused.value.params["field"] == "day"
    assert "format TTTT-BB-HH" in refused.value.message("id")


@pytest.mark.parametrize(("day", "reason", "field"), [
    (date(2026, 3, 16), "   ", "reason"),
    (date(2026, 3, 16), "x" * 301, "reason"),
    (date(2062, 3, 16), "Salah ketik tahun", "day"),
])
def test_bad_override_changes_nothing(deployed, ctx, day, reason, field):
    with pytest.raises(InvalidInput) as refused:
        calendar_admin.add_calendar_override(deployed, ctx, day, False, reason, actor=ADMIN)
    assert refused.value.params["field"] == field
    assert deployed.scalar(select(func.count()).select_from(CalendarOverride)) == 0
    assert _events(deployed, "CALENDAR_OVERRIDE_ADDED") == []


# -- pages -----------------------------------------------------------------------------------------

def test_only_the_admin_opens_the_calendar(client, login):
    assert client.get(PAGE).status_code == 302  # to the login page
    login("petugas")
    assert client.get(PAGE).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kalender kerja 2026" in text and "Cuti Bersama Hari Raya Idul Fitri" in text
    assert 'data-day="2026-12-25"' in text and "Asia/Jakarta" in text and "07:30–16:00" in text
    assert 'href="/admin/kalender"' in client.get("/").get_data(as_text=True)  # in the admin's navigation


def test_adding_an_override_changes_the_engine_calendar_at_once(app, client, login):
    from tasks_ui.wiring import engine_context

    login("admin")
    with app.test_request_context():
        before = engine_context().calendar
    assert before.is_working_day(date(2026, 3, 16))
    response = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "day": "2026-03-16",
                                       "is_working_day": "0", "reason": "Hari jadi Kabupaten"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/kalender?year=2026")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pengecualian 2026-03-16 disimpan." in page and "Hari jadi Kabupaten" in page
    with app.test_request_context():
        cal = engine_context().calendar
        start = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)  # Friday before Nyepi and Idul Fitri
        assert not cal.is_working_day(date(2026, 3, 16))
        assert cal.add_working_days(start, 1).date() == date(2026, 3, 17)  # without the override: 16th
    response = client.post(f"{PAGE}/2026-03-16/hapus", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 302
    assert "Pengecualian 2026-03-16 dihapus." in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.test_request_context():
        assert engine_context().calendar.is_working_day(date(2026, 3, 16))
        from tasks_ui.extensions import db

        kinds = [e.type for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.type.like("CALENDAR_OVERRIDE_%")).order_by(AuditEvent.seq))]
        assert kinds == ["CALENDAR_OVERRIDE_ADDED", "CALENDAR_OVERRIDE_REMOVED"]


def test_a_bad_date_is_refused_beside_the_field_and_nothing_is_written(app, client, login):
    login("admin")
    response = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "day": "16/03/2026",
                                       "is_working_day": "0", "reason": "Hari jadi"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="f-day-error"' in text and "format TTTT-BB-HH" in text and 'aria-invalid="true"' in text
    assert 'value="Hari jadi"' in text  # what was typed is kept
    response = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "day": "2026-03-16",
                                       "is_working_day": "0", "reason": ""})
    assert response.status_code == 422 and 'id="f-reason-error"' in response.get_data(as_text=True)
    english = client.post(f"{PAGE}?lang=en", data={"csrf_token": csrf_token(client, PAGE), "day": "2026-13-01",
                                                   "is_working_day": "1", "reason": "x"})
    assert english.status_code == 422 and "Check the marked fields." in english.get_data(as_text=True)
    with app.app_context():
        from tasks_ui.extensions import db

        assert db.session.scalar(select(func.count()).select_from(CalendarOverride)) == 0
    assert client.post(f"{PAGE}/2026-99-01/hapus", data={"csrf_token": csrf_token(client, PAGE)}).status_code == 404


@pytest.mark.parametrize(("settings", "needle"), [
    ({"ALUR_TIMEZONE": "Asia/Sekayu"}, "unknown time zone"),
    ({"ALUR_OFFICE_START": "7.30"}, "JJ:MM"),
    ({"ALUR_OFFICE_START": "16:00", "ALUR_OFFICE_END": "07:30"}, "earlier than office_end"),
])
def test_bad_office_settings_stop_the_start_naming_the_setting(db_url, settings, needle):
    from tasks_ui import create_app

    with pytest.raises(RuntimeError, match=needle) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x", **settings})
    assert "ALUR_" in str(refused.value)


def test_another_office_time_zone_and_hours_are_used(db_url):
    from tasks_ui import create_app
    from tasks_ui.wiring import engine_context

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x",
                      "ALUR_TIMEZONE": "Asia/Makassar", "ALUR_OFFICE_START": "08:00", "ALUR_OFFICE_END": "15:30"})
    with app.test_request_context():
        from engine.db import create_schema
        from tasks_ui.extensions import db

        create_schema(db.engine)
        cal = engine_context().calendar
        assert (cal.timezone, cal.office_start.isoformat(), cal.office_end.isoformat()) == (
            "Asia/Makassar", "08:00:00", "15:30:00")
        friday = datetime(2026, 3, 13, 7, 0, tzinfo=UTC)  # 15:00 WITA
        assert cal.add_working_days(friday, 1).isoformat() == "2026-03-16T15:30:00+08:00"
        db.session.remove()
        db.engine.dispose()
