"""One place that maps domain errors to HTTP status and translated messages, for pages and the API."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from engine import errors as domain

from .i18n import current_language, t

STATUS = {
    domain.NotFound: 404,
    domain.InvalidProcess: 422,
    domain.InvalidData: 422,
    domain.InvalidInput: 422,
    domain.NotYourRole: 403,
    domain.TaskNotReady: 409,
    domain.TaskClaimedByOther: 409,
    domain.ConcurrentUpdate: 409,
    domain.NeedsConfirmation: 409,
    domain.DatabaseUnavailable: 503,
    domain.AuthenticationFailed: 401,
    domain.ScriptRefused: 422,
}


def status_of(error: domain.AlurError) -> int:
    """HTTP status for a domain error."""
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def wants_json() -> bool:
    """True for API requests."""
    return request.path.startswith("/api/")


def api_error(code: str, message: str, status: int, fields: dict | None = None):
    """The API's error body ``{"error": {"code", "message", "fields"}}``."""
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def domain_error_response(error: domain.AlurError):
    """JSON or HTML response for a domain error."""
    lang = current_language()
    status = status_of(error)
    fields = error.fields(lang) if hasattr(error, "fields") else None
    if wants_json():
        return api_error(error.code, error.message(lang), status, fields)
    return render_template("error.html", status=status, message=error.message(lang), fields=fields), status


def _discard_session() -> None:
    """Roll the request's session back; after a dropped connection even that may fail: then drop it."""
    from .extensions import db

    try:
        db.session.rollback()
    except DBAPIError:
        db.session.remove()


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(domain.AlurError, domain_error_response)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        if wants_json():
            return api_error("csrf", t("csrf_error"), 400)
        return render_template("error.html", status=400, message=t("csrf_error")), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        key = {403: "forbidden", 404: "not_found_page", 413: "too_large", 429: "too_many"}.get(error.code or 0)
        message = t(key) if key else (error.description or error.name)
        if wants_json():
            return api_error(error.name.lower().replace(" ", "_"), message, error.code or 400)
        return render_template("error.html", status=error.code, message=message), error.code

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError):
        """A dropped connection outside an engine operation (a read): 503, the pool reconnects next time."""
        from engine.runtime import is_disconnect

        _discard_session()
        if not is_disconnect(error):
            return _unexpected(error)
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
        response = make_response(domain_error_response(domain.DatabaseUnavailable()))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unexpected error")
        _discard_session()
        if wants_json():
            return api_error("server_error", t("server_error"), 500)
        return render_template("error.html", status=500, message=t("server_error")), 500
