"""Wires the engine to the Flask app: the engine context (clock + calendar) for the current request."""

from __future__ import annotations

from datetime import time

from flask import current_app, g, has_request_context

from engine.calendar import OfficeCalendar
from engine.clock import SystemClock
from engine.context import EngineContext
from engine.repository import calendar_overrides

from .extensions import db


def _calendar() -> OfficeCalendar:
    config = current_app.config
    overrides = calendar_overrides(db.session)
    key = tuple(sorted(overrides.items()))
    cached = current_app.extensions.get("alur_calendar")
    if cached is not None and cached[0] == key:
        return cached[1]
    calendar = OfficeCalendar(
        timezone=config["ALUR_TIMEZONE"],
        office_start=time.fromisoformat(config["ALUR_OFFICE_START"]),
        office_end=time.fromisoformat(config["ALUR_OFFICE_END"]),
        overrides=overrides,
    )
    current_app.extensions["alur_calendar"] = (key, calendar)
    return calendar


def engine_context() -> EngineContext:
    """Clock (``ALUR_CLOCK`` in tests, else the wall clock) and the office calendar with its overrides."""
    if has_request_context() and "alur_engine_context" in g:
        return g.alur_engine_context  # once per request: the calendar's overrides cost a query
    clock = current_app.config.get("ALUR_CLOCK") or SystemClock()
    ctx = EngineContext(clock=clock, calendar=_calendar())
    if has_request_context():
        g.alur_engine_context = ctx
    return ctx
