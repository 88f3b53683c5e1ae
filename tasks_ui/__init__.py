"""Alur's Flask application: inbox, forms, public intake, editor, audit, reports, JSON API, CLI.

It stays thin: parse the request, call one engine operation, render.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from engine.db import configure_engine, default_database_url, engine_options

from .errors import register_error_handlers
from .extensions import csrf, db, limiter, login_manager
from .i18n import current_language, t
from .nav import nav_items

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: str) -> str:
    """``ALUR_SECRET_KEY``, else a random key kept in the instance folder (stable across restarts)."""
    if os.environ.get("ALUR_SECRET_KEY"):
        return os.environ["ALUR_SECRET_KEY"]
    os.makedirs(instance_path, exist_ok=True)
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; ``test_config`` overrides settings (tests inject a clock and a database)."""
    instance_path = os.environ.get("ALUR_INSTANCE_PATH", str(Path.cwd() / "instance"))
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    url = (test_config or {}).get("SQLALCHEMY_DATABASE_URI") or default_database_url(instance_path)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(url),
        MAX_CONTENT_LENGTH=int(os.environ.get("ALUR_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("ALUR_COOKIE_SECURE", "1") == "1",
        REMEMBER_COOKIE_SECURE=os.environ.get("ALUR_COOKIE_SECURE", "1") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        ALUR_TIMEZONE=os.environ.get("ALUR_TIMEZONE", "Asia/Jakarta"),
        ALUR_OFFICE_START=os.environ.get("ALUR_OFFICE_START", "07:30"),
        ALUR_OFFICE_END=os.environ.get("ALUR_OFFICE_END", "16:00"),
        ALUR_PROCESSES_DIR=str(PROJECT_ROOT / "processes"),
        ALUR_CLOCK=None,
        ALUR_TIMER_INTERVAL=float(os.environ.get("ALUR_TIMER_INTERVAL", 30)),
        # per-process counters by default; several workers or hosts share limits through e.g. redis://
        RATELIMIT_ENABLED=os.environ.get("ALUR_RATELIMIT", "1") != "0",
        RATELIMIT_STORAGE_URI=os.environ.get("ALUR_RATELIMIT_STORAGE_URI", "memory://"),
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance_path)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)
    register_error_handlers(app)
    from .serving import apply_proxy_fix

    apply_proxy_fix(app)

    from .audit import register as register_audit
    from .auth.blueprint import bp as auth_bp
    from .editor import register_editor
    from .main.blueprint import bp as main_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    register_editor(app)
    register_audit(app)
    from .intake import register as register_intake

    register_intake(app)
    from .reports import register as register_reports

    register_reports(app)
    from .calendar import register as register_calendar

    register_calendar(app)
    from .inbox.blueprint import bp as inbox_bp
    from .public.blueprint import bp as public_bp

    app.register_blueprint(inbox_bp)
    app.register_blueprint(public_bp)
    from .api import register as register_api

    register_api(app)

    @app.context_processor
    def _template_helpers():
        return {"t": t, "lang": current_language(), "nav_items": nav_items()}

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
