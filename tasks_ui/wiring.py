"""Wires the engine to the Flask app: the engine context (clock + calendar) and the lane roles for the current
request, both cached per process while the database's configuration stamp is unchanged (engine/config_cache.py)."""

from __future__ import annotations

from datetime import time

from flask import Flask, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy.orm import Session

from engine.calendar import OfficeCalendar
from engine.clock import Clock, SystemClock
from engine.config_cache import StampedCache, read_stamp
from engine.context import EngineContext
from engine.repository import calendar_overrides, lane_roles

from .extensions import db


def clock() -> Clock:
    """``ALUR_CLOCK`` in tests, else the wall clock."""
    return current_app.config.get("ALUR_CLOCK") or SystemClock()


def remember_stamp(stamp: int | None) -> None:
    """Called by the user loaders, whose query reads the configuration stamp with the user."""
    if stamp is not None:
        g.alur_config_stamp = stamp


def config_stamp() -> int | None:
    """This request's configuration stamp: read with its user (auth/blueprint.py), else alone (once per request).
    Outside a request None: the cache reads it."""
    if not has_request_context():
        return None
    if "alur_config_stamp" not in g:
        current_user._get_current_object()  # loads the user (if not yet), whose query brings the stamp along
    if "alur_config_stamp" not in g:  # no user (a public page, a bad token)
        g.alur_config_stamp = read_stamp(db.session)
    return g.alur_config_stamp


def _caches(app: Flask) -> dict[str, StampedCache]:
    """The app's (so this process's and this database's) caches."""
    caches = app.extensions.get("alur_config_caches")
    if caches is None:
        config = app.config
        office_start = time.fromisoformat(config["ALUR_OFFICE_START"])
        office_end = time.fromisoformat(config["ALUR_OFFICE_END"])
        timezone = config["ALUR_TIMEZONE"]

        def load_calendar(session: Session) -> OfficeCalendar:
            return OfficeCalendar(timezone=timezone, office_start=office_start, office_end=office_end,
                                  overrides=calendar_overrides(session))

        caches = app.extensions.setdefault("alur_config_caches", {
            "calendar": StampedCache(load_calendar),
            "official_roles": StampedCache(lambda session: frozenset(lane_roles(session)) - {"pelapor"}),
        })
    return caches


def official_role_keys() -> frozenset[str]:
    """Every lane role of the role data but ``pelapor``: the roles that work steps (a new lane role needs no code)."""
    return _caches(current_app)["official_roles"].get(db.session, config_stamp())


def engine_context() -> EngineContext:
    """Clock (``ALUR_CLOCK`` in tests, else the wall clock) and the office calendar with its overrides."""
    if has_request_context() and "alur_engine_context" in g:
        return g.alur_engine_context
    ctx = EngineContext(clock=clock(), calendar=_caches(current_app)["calendar"].get(db.session, config_stamp()))
    if has_request_context():
        g.alur_engine_context = ctx
    return ctx
