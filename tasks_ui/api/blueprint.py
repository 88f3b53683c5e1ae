"""The API blueprint and what every API view shares: the body limit, CSRF for session callers, JSON bodies,
and the task-list item."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user

from engine.errors import InvalidInput
from engine.inbox import InboxEntry, timer_state
from engine.models import HumanTask

from ..auth.blueprint import official_roles
from ..extensions import csrf
from ..i18n import t
from . import texts  # noqa: F401 - registers the messages

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer-token callers carry no CSRF token; session callers are checked in _guard

#: Largest JSON body the API reads (``ALUR_API_MAX_BODY_BYTES``); larger requests get 413.
DEFAULT_MAX_BODY = 1024 * 1024
#: Roles that work steps (read from the role data, so a new lane role needs no code).
OFFICIAL_ROLES = (official_roles,)  # every lane role of the role data but pelapor
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@bp.before_request
def _guard():
    """413 over the body limit; a caller logged in by session cookie (not a token) must send the CSRF token."""
    limit = int(current_app.config.get("ALUR_API_MAX_BODY_BYTES") or DEFAULT_MAX_BODY)
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    request.max_content_length = limit
    if request.method in SAFE_METHODS or _bearer_given():
        return
    if current_user.is_authenticated and not g.get("api_token_user"):
        csrf.protect()


def _bearer_given() -> bool:
    """A request with an ``Authorization`` header was not forged by another site (browsers cannot add it
    cross-site without a CORS preflight, which this app never grants)."""
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def json_body() -> dict:
    """The request's JSON object (empty body → ``{}``); anything else is a 422."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput(detail=t("api_body_not_json"))
    return body


def data_of(body: dict) -> dict:
    """The ``data`` object of a body (missing → ``{}``)."""
    data = body.get("data", {})
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(detail=t("api_data_not_object"))
    return data


def int_arg(name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter within ``[low, high]``; anything else is a 422."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(detail=t("api_bad_parameter", name=name)) from None
    if not low <= value <= high:
        raise InvalidInput(detail=t("api_bad_parameter", name=name))
    return value


@contextmanager
def answered_from_memory(session) -> Iterator[None]:
    """Inside: an operation's commit leaves the rows it wrote loaded, so the answer built from them right
    after needs no second read (they hold exactly what was committed; the session ends with the request)."""
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


def task_item(row: HumanTask, calendar, now: datetime) -> dict:
    """The API's task-list item for a task row (the same shape as ``GET /api/v1/tasks``)."""
    end = row.completed_at or now
    item = InboxEntry(row, calendar.office_seconds_between(row.ready_at, end), timer_state(row, now)).as_dict()
    item["state"] = row.state
    return item
