"""Confidentiality, enforced in one place: what of a complaint each viewer may see.

- ``anonim``: the reporter's identity is hidden from every official except the petugas (who records
  complaints) and holders of ``IDENTITY_ROLES``.
- ``rahasia``: the identity is hidden as for ``anonim`` and the content (subject, description,
  attachments) is hidden from the public and from exports; officials handling it still see it.
The public never sees the identity, whatever the choice.
"""

from __future__ import annotations

from typing import Any

from .actors import Actor

MASK = "•••"
IDENTITY_FIELDS = ("reporter",)
CONTENT_FIELDS = ("subject", "description", "attachments", "tambahan", "lampiran_tambahan")
#: Roles that may see a hidden identity (besides the petugas who records it).
IDENTITY_ROLES = frozenset({"petugas"})
PUBLIC = Actor("public", frozenset(), "public")


def may_see_identity(anonymity: str | None, viewer: Actor) -> bool:
    """True when ``viewer`` may see the reporter's identity of a complaint with this anonymity choice."""
    if viewer.kind == "reporter":
        return True
    if viewer.kind == "public":
        return False
    if (anonymity or "none") == "none":
        return True
    return bool(IDENTITY_ROLES & viewer.roles)


def may_see_content(anonymity: str | None, viewer: Actor, purpose: str = "work") -> bool:
    """True when ``viewer`` may see the complaint's content (``purpose``: work, public or export)."""
    if (anonymity or "none") != "rahasia":
        return True
    if viewer.kind == "reporter":
        return True
    return viewer.kind == "user" and purpose == "work"


def mask_data(data: dict[str, Any], anonymity: str | None, viewer: Actor, purpose: str = "work") -> dict:
    """A copy of complaint ``data`` with what ``viewer`` may not see replaced by ``MASK``."""
    shown = dict(data)
    if not may_see_identity(anonymity, viewer):
        for key in IDENTITY_FIELDS:
            if key in shown:
                shown[key] = {k: MASK for k in shown[key]} if isinstance(shown[key], dict) else MASK
    if not may_see_content(anonymity, viewer, purpose):
        for key in CONTENT_FIELDS:
            if key in shown:
                shown[key] = MASK
    return shown


def visible_data(instance, data: dict[str, Any], viewer: Actor, purpose: str = "work") -> dict:
    """``mask_data`` for an instance (complaint or not)."""
    if instance.tracking_code is None:
        return dict(data)
    return mask_data(data, instance.anonymity, viewer, purpose)
