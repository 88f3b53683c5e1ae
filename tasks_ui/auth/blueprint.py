"""Login, logout, API tokens, and the ``roles_required`` decorator."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from engine import users
from engine.actors import Actor
from engine.errors import AuthenticationFailed

from ..errors import api_error
from ..extensions import csrf, db, limiter, login_manager
from ..i18n import current_language, t
from ..wiring import clock, engine_context, official_role_keys, remember_stamp

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])


@login_manager.user_loader
def _load_user(user_id: str):
    user, stamp = users.active_user(db.session, int(user_id))  # with its roles and the configuration stamp
    remember_stamp(stamp)
    return user


@login_manager.request_loader
def _load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        # the clock only: the calendar waits for the stamp this query brings (wiring.config_stamp)
        user, stamp = users.user_for_token(db.session, clock().now(), header[7:].strip())
        remember_stamp(stamp)
        if user is not None:
            g.api_token_user = True
        return user
    return None


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        return api_error("unauthorized", t("login_required"), 401)
    flash(t("login_required"))
    return redirect(url_for("auth.login", next=request.full_path))


def current_actor() -> Actor:
    """The engine actor of the logged-in user."""
    return users.actor_for(current_user)


def official_roles() -> frozenset[str]:
    """Roles that work steps: every lane role of the role data but ``pelapor`` (a new lane role needs no code)."""
    if "alur_official_roles" not in g:
        g.alur_official_roles = official_role_keys()
    return g.alur_official_roles


def allowed_roles(roles) -> set[str]:
    """Role keys from ``roles``, where an entry may also be a function returning role keys (e.g. official_roles)."""
    allowed: set[str] = set()
    for role in roles:
        allowed |= set(role()) if callable(role) else {role}
    return allowed


def roles_required(*roles):
    """Allow the view only to users holding one of ``roles`` (403 otherwise); see :func:`allowed_roles`."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not allowed_roles(roles) & set(current_user.roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    """Session login form."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = users.authenticate(db.session, form.username.data, form.password.data)
        except AuthenticationFailed as failure:
            error = failure.message(current_language())
        else:
            login_user(user)
            target = request.args.get("next") or ""
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("main.index")
            return redirect(target)
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session."""
    logout_user()
    flash(t("logged_out"))
    return redirect(url_for("main.index"))


@bp.route("/api/v1/tokens", methods=["POST"])
@csrf.exempt
@limiter.limit("30/minute")
def create_token():
    """``POST {"username","password"}`` → ``201 {"token"}``."""
    body = request.get_json(silent=True) or {}
    token = users.issue_token(db.session, engine_context(), str(body.get("username", "")),
                              str(body.get("password", "")))
    return {"token": token, "token_type": "Bearer"}, 201
