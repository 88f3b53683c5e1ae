"""Users, roles and API tokens."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .actors import SYSTEM_INIT, Actor
from .audit import PendingEvents, append_events
from .config_cache import stamp_column
from .context import EngineContext
from .errors import AuthenticationFailed, InvalidInput, NotFound
from .models import ApiToken, Role, User, UserRole
from .runtime import operation

TOKEN_LIFETIME = timedelta(hours=12)


def actor_for(user: User | SignedInUser) -> Actor:
    """The engine actor of a logged-in user."""
    return Actor(user.username, user.roles, "user")


@operation
def load_roles(session: Session, ctx: EngineContext, path: Path, *, actor: Actor = SYSTEM_INIT) -> int:
    """Create or update roles from a JSON list of {key, name_id, name_en, description, is_lane}."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    events = PendingEvents()
    for entry in entries:
        role = session.get(Role, entry["key"])
        before = _role_fields(role) if role is not None else None
        role = role or Role(key=entry["key"])
        role.name_id, role.name_en = entry["name_id"], entry["name_en"]
        role.description, role.is_lane = entry.get("description", ""), entry.get("is_lane", True)
        session.add(role)
        after = _role_fields(role)
        if before != after:
            events.add("ROLE_DEFINED" if before is None else "ROLE_CHANGED", actor=actor.name, at=ctx.clock.now(),
                       data_before=before, data_after=after, role=role.key)
    append_events(session, events)
    return len(entries)


def _role_fields(role: Role) -> dict:
    return {"key": role.key, "name_id": role.name_id, "name_en": role.name_en,
            "description": role.description, "is_lane": bool(role.is_lane)}


@operation
def create_user(session: Session, ctx: EngineContext, username: str, password: str, roles: Iterable[str], *,
                actor: Actor, display_name: str = "") -> User:
    """Create a user with hashed password and roles (each role must exist)."""
    username = (username or "").strip()
    if not username or len(username) > 80:
        raise InvalidInput(detail="nama pengguna wajib diisi (maks. 80 karakter)")
    if len(password or "") < 8:
        raise InvalidInput(detail="kata sandi minimal 8 karakter")
    roles = _known_roles(session, roles)
    if session.scalars(select(User).where(User.username == username)).first():
        raise InvalidInput(detail=f"pengguna '{username}' sudah ada")
    now = ctx.clock.now()
    user = User(username=username, display_name=display_name or username,
                password_hash=generate_password_hash(password), created_at=now,
                role_links=[UserRole(role_key=r) for r in roles])
    session.add(user)
    session.flush()
    events = PendingEvents()
    events.add("USER_CREATED", actor=actor.name, at=now, username=username, roles=roles)
    append_events(session, events)
    return user


def _known_roles(session: Session, roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise InvalidInput(detail="pengguna memerlukan sedikitnya satu peran")
    known = set(session.scalars(select(Role.key)))
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise InvalidInput(detail=f"peran tidak dikenal: {', '.join(unknown)} (dikenal: {', '.join(sorted(known))})")
    return roles


def get_user(session: Session, username: str) -> User:
    """The user with this username, or NotFound."""
    user = session.scalars(select(User).where(User.username == (username or "").strip())).first()
    if user is None:
        raise NotFound(what=f"Pengguna '{username}'")
    return user


@operation
def set_user_roles(session: Session, ctx: EngineContext, username: str, roles: Iterable[str], *,
                   actor: Actor) -> User:
    """Replace the roles a user holds (each must exist); audited as ``USER_ROLES_CHANGED``."""
    user = get_user(session, username)
    wanted = _known_roles(session, roles)
    before = sorted(user.roles)
    if wanted != before:
        user.role_links = [link for link in user.role_links if link.role_key in wanted] + [
            UserRole(role_key=r) for r in wanted if r not in before]
        events = PendingEvents()
        events.add("USER_ROLES_CHANGED", actor=actor.name, at=ctx.clock.now(), username=user.username,
                   data_before={"roles": before}, data_after={"roles": wanted})
        append_events(session, events)
    return user


@operation
def set_user_active(session: Session, ctx: EngineContext, username: str, active: bool, *, actor: Actor) -> User:
    """Deactivate (no login, tokens stop working) or reactivate a user; audited."""
    user = get_user(session, username)
    if bool(user.active) != active:
        user.active = active
        events = PendingEvents()
        events.add("USER_REACTIVATED" if active else "USER_DEACTIVATED", actor=actor.name, at=ctx.clock.now(),
                   username=user.username)
        append_events(session, events)
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this username and password, or AuthenticationFailed."""
    user = session.scalars(select(User).where(User.username == (username or "").strip())).first()
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        raise AuthenticationFailed()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@operation
def issue_token(session: Session, ctx: EngineContext, username: str, password: str) -> str:
    """A new bearer token for the API (only its hash is stored)."""
    user = authenticate(session, username, password)
    token = secrets.token_urlsafe(32)
    now = ctx.clock.now()
    session.add(ApiToken(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                         expires_at=now + TOKEN_LIFETIME))
    return token


@dataclass(frozen=True, slots=True)
class SignedInUser:
    """The user a request acts as (bearer token or web session): the columns the pages, the API and Flask-Login
    read, and the roles. A plain object, not an ORM ``User``: loading one with its roles cost more than the query.
    Only active users are loaded."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]

    # the session-user protocol Flask-Login expects, as the ORM User's
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False
    is_active: ClassVar[bool] = True

    def get_id(self) -> str:
        """Session identifier."""
        return str(self.id)


#: The request loaders' statements, built once (statements are immutable; building and caching the key of one
#: cost about as much as running it): the user's columns, the configuration stamp and one row per role held.
_SIGNED_IN = select(User.id, User.username, User.display_name, stamp_column(), UserRole.role_key).outerjoin(
    UserRole, UserRole.user_id == User.id)
_USER_FOR_TOKEN = _SIGNED_IN.join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now"), User.active.is_(True))
_ACTIVE_USER = _SIGNED_IN.where(User.id == bindparam("user_id"), User.active.is_(True))


def _signed_in(rows: list[Any]) -> tuple[SignedInUser | None, int | None]:
    if not rows:
        return None, None
    user_id, username, display_name, stamp, _role = rows[0]
    return SignedInUser(user_id, username, display_name, frozenset(row[4] for row in rows if row[4] is not None)), stamp


def user_for_token(session: Session, now: datetime, token: str) -> tuple[SignedInUser | None, int | None]:
    """The active user a token unexpired at ``now`` belongs to, and the configuration stamp (None, None if none).

    One query per API request: the token, its user, the user's roles and the stamp (engine/config_cache.py).
    """
    return _signed_in(session.connection().execute(
        _USER_FOR_TOKEN, {"token_hash": _token_hash(token or ""), "now": now}).all())


def active_user(session: Session, user_id: int) -> tuple[SignedInUser | None, int | None]:
    """The active user with this id (a session's user) and the configuration stamp, in one query."""
    return _signed_in(session.connection().execute(_ACTIVE_USER, {"user_id": user_id}).all())
