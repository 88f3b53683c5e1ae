"""The petugas desk: record complaints from every channel, import e-mail and SP4N-LAPOR! exports, find
complaints by LAPOR! ID, decide duplicates, and watch the reporter outbox (role ``petugas``)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from engine import attachments, duplicates, visibility
from engine.actors import Actor
from engine.notifications import SmtpConfig

from ..auth.blueprint import official_roles

#: Who may find and read a complaint (its card, details, attachments): every official — each lane role of the
#: role data but pelapor, so a new lane role needs no code — and the auditor, who reads it for audit.
COMPLAINT_READERS = (official_roles, "auditor")


def reading_purpose(actor: Actor) -> str:
    """What a reader reads a complaint for: ``audit`` for an auditor who works no step, else ``work``."""
    return "audit" if "auditor" in actor.roles and not actor.roles & official_roles() else "work"


def attachment_root() -> Path:
    """Where attachments are stored: ``ALUR_ATTACHMENT_DIR`` or ``<instance folder>/attachments``."""
    configured = current_app.config.get("ALUR_ATTACHMENT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "attachments"


def max_attachment_bytes() -> int:
    """Largest accepted attachment (``ALUR_MAX_ATTACHMENT_BYTES``, default 5 MB)."""
    return int(current_app.config.get("ALUR_MAX_ATTACHMENT_BYTES") or attachments.MAX_BYTES)


def smtp_config() -> SmtpConfig | None:
    """SMTP settings (``ALUR_SMTP`` in app config for tests, else the ``ALUR_SMTP_*`` environment)."""
    if "ALUR_SMTP" in current_app.config:
        return current_app.config["ALUR_SMTP"]
    return SmtpConfig.from_env(os.environ)


def _configure_engine(app) -> None:
    """Confidentiality and duplicate rules from the environment (documented in docs/channels.md)."""
    roles = app.config.get("ALUR_IDENTITY_ROLES", os.environ.get("ALUR_IDENTITY_ROLES", ""))
    visibility.allow_identity_roles(roles.split(",") if isinstance(roles, str) else roles)
    window = app.config.get("ALUR_DUPLICATE_WINDOW_DAYS", os.environ.get("ALUR_DUPLICATE_WINDOW_DAYS"))
    ratio = app.config.get("ALUR_DUPLICATE_TEXT_RATIO", os.environ.get("ALUR_DUPLICATE_TEXT_RATIO"))
    duplicates.configure(window_days=float(window) if window else None, text_ratio=float(ratio) if ratio else None)


def register(app) -> None:
    """Attach the petugas desk pages and the channels API to ``app``."""
    from .api import bp as api_bp
    from .blueprint import bp
    from .desk import bp as desk_bp

    _configure_engine(app)
    app.register_blueprint(bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(api_bp)
