"""The navigation bar: each feature registers its links (label key, endpoint, who sees it) at import time.

``base.html`` renders ``nav_items`` (built here per request), so features do not edit the base template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from .i18n import t


@dataclass(frozen=True)
class NavLink:
    """A link in the top bar; ``roles`` None = everyone, empty = any logged-in user, a function = its roles."""

    label_key: str
    endpoint: str
    roles: frozenset[str] | Callable[[], frozenset[str]] | None = None
    order: int = 50


_LINKS: dict[str, NavLink] = {}


def register_link(label_key: str, endpoint: str, roles=None, order: int = 50) -> None:
    """Add a top-bar link (idempotent per endpoint)."""
    roles = roles if roles is None or callable(roles) else frozenset(roles)
    _LINKS[endpoint] = NavLink(label_key, endpoint, roles, order)


def _visible(link: NavLink) -> bool:
    if link.roles is None:
        return True
    if not current_user.is_authenticated:
        return False
    if callable(link.roles):
        return bool(link.roles() & set(current_user.roles))
    return not link.roles or bool(link.roles & set(current_user.roles))


def nav_items() -> list[dict]:
    """The links the current visitor may follow, in order, marking the current page."""
    items = []
    for link in sorted(_LINKS.values(), key=lambda item: (item.order, item.endpoint)):
        if _visible(link):
            items.append(
                {
                    "url": url_for(link.endpoint),
                    "label": t(link.label_key),
                    "active": request.endpoint == link.endpoint,
                }
            )
    return items
