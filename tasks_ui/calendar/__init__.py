"""The administrator's working-day calendar: the year's holidays and overrides, add and remove (role ``admin``)."""

from __future__ import annotations

from datetime import time

from engine.calendar import OfficeCalendar


def check_office_settings(config) -> OfficeCalendar:
    """The office calendar of ``ALUR_TIMEZONE`` / ``ALUR_OFFICE_START`` / ``ALUR_OFFICE_END``; a bad value stops
    the start with a message naming the setting (instead of an error on every request)."""
    try:
        start, end = time.fromisoformat(config["ALUR_OFFICE_START"]), time.fromisoformat(config["ALUR_OFFICE_END"])
    except ValueError:
        raise RuntimeError("ALUR_OFFICE_START / ALUR_OFFICE_END harus berformat JJ:MM, mis. 07:30 dan 16:00 "
                           f"(diberikan {config['ALUR_OFFICE_START']!r} dan {config['ALUR_OFFICE_END']!r})") from None
    try:
        return OfficeCalendar(timezone=config["ALUR_TIMEZONE"], office_start=start, office_end=end)
    except ValueError as error:
        raise RuntimeError(f"ALUR_TIMEZONE / ALUR_OFFICE_START / ALUR_OFFICE_END tidak valid: {error}") from None


def register(app) -> None:
    """Check the office settings and attach the calendar pages to ``app``."""
    from .blueprint import bp

    check_office_settings(app.config)
    app.register_blueprint(bp)
