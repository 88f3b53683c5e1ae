"""Confidentiality, enforced in one place: what of a complaint each viewer may see.

Every page, API response, export, report and audit view that shows complaint data passes it through
this module (``visible_data``, ``complaint_view``, ``visible_event``, ``visible_recipient``); nothing
else decides what is masked.

- ``anonim``: the reporter's identity is hidden from every official except the petugas who recorded
  the complaint, holders of the roles configured with :func:`allow_identity_roles` (none by default)
  and auditors holding ``auditor_identitas``. A complaint the reporter submitted themselves (web, API)
  has no recording official yet: the petugas on duty (role ``petugas``) records it into the buku
  pengaduan and may see it.
- ``rahasia``: the identity is hidden as for ``anonim`` and the content (subject, description,
  attachments, answer) is hidden from public pages and exports; officials handling it (and auditors
  reading its history) still see the content.
The public never sees the identity, whatever the choice. The reporter (holding the key) sees everything.

Purposes: ``work`` (task pages, inbox, officials' API), ``audit`` (history views), ``report``
(aggregated reports), ``export`` (CSV/XLSX/JSON files leaving Alur), ``public`` (tracking page).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .actors import Actor

MASK = "•••"
IDENTITY_FIELDS = ("reporter", "reporter_name", "reporter_address", "reporter_phone", "reporter_email",
                   "recipient")
CONTENT_FIELDS = ("subject", "description", "attachments", "tambahan", "lampiran_tambahan", "answer",
                  "jawaban")
PURPOSES = ("work", "audit", "report", "export", "public")
#: A reporter's choices of confidentiality (``anonymity``).
ANONYMITY_CHOICES = ("none", "anonim", "rahasia")
#: Roles that may see a hidden identity besides the recording petugas (``ALUR_IDENTITY_ROLES``).
IDENTITY_ROLES: frozenset[str] = frozenset()
#: Role of the officials who record complaints (the petugas piket).
RECORDING_ROLE = "petugas"
#: The right (a role in processes/roles.json) of an auditor to see hidden identities in history and exports.
AUDITOR_IDENTITY_ROLE = "auditor_identitas"
PUBLIC = Actor("public", frozenset(), "public")


def allow_identity_roles(roles: Iterable[str]) -> None:
    """Configure the roles explicitly allowed to see hidden identities (the app reads ``ALUR_IDENTITY_ROLES``)."""
    global IDENTITY_ROLES
    IDENTITY_ROLES = frozenset(r.strip() for r in roles if r and r.strip())


def recorded_by(instance) -> str | None:
    """The official who recorded the complaint, or None when the reporter submitted it themselves."""
    starter = getattr(instance, "started_by", None) or ""
    if not starter or starter.startswith(("pelapor", "system:", "public")):
        return None
    return starter


def may_see_identity(anonymity: str | None, viewer: Actor, recorder: str | None = None,
                     purpose: str = "work") -> bool:
    """True when ``viewer`` may see the reporter's identity of a complaint with this anonymity choice.

    ``recorder`` is the official who recorded it (None: the reporter submitted it themselves).
    """
    if viewer.kind == "reporter":
        return True
    if viewer.kind == "public" or purpose == "public":
        return False
    if (anonymity or "none") == "none":
        return True
    if viewer.kind != "user":
        return False
    if IDENTITY_ROLES & viewer.roles or AUDITOR_IDENTITY_ROLE in viewer.roles:
        return True
    if recorder is None:
        return RECORDING_ROLE in viewer.roles
    return viewer.name == recorder


def may_see_content(anonymity: str | None, viewer: Actor, purpose: str = "work") -> bool:
    """True when ``viewer`` may see the complaint's content (``purpose``: one of ``PURPOSES``)."""
    if (anonymity or "none") != "rahasia":
        return True
    if viewer.kind == "reporter":
        return True
    return viewer.kind == "user" and purpose in ("work", "audit", "report")


def _masked_identity(value: Any) -> Any:
    return {k: MASK for k in value} if isinstance(value, dict) else MASK


def masking(anonymity: str | None, viewer: Actor, purpose: str = "work",
            recorder: str | None = None) -> tuple[bool, bool]:
    """(identity hidden, content hidden) of a complaint with this anonymity choice, for ``viewer``."""
    return (not may_see_identity(anonymity, viewer, recorder, purpose),
            not may_see_content(anonymity, viewer, purpose))


def apply_mask(data: dict[str, Any], hide_identity: bool, hide_content: bool) -> dict:
    """A copy of complaint ``data`` with the identity and/or content fields replaced by ``MASK``."""
    shown = dict(data)
    if hide_identity:
        for key in IDENTITY_FIELDS:
            if key in shown and shown[key] not in (None, ""):
                shown[key] = _masked_identity(shown[key])
    if hide_content:
        for key in CONTENT_FIELDS:
            if key in shown and shown[key] not in (None, ""):
                shown[key] = MASK
    return shown


def mask_data(data: dict[str, Any], anonymity: str | None, viewer: Actor, purpose: str = "work",
              recorder: str | None = None) -> dict:
    """A copy of complaint ``data`` with what ``viewer`` may not see replaced by ``MASK``."""
    return apply_mask(data, *masking(anonymity, viewer, purpose, recorder))


def visible_data(instance, data: dict[str, Any], viewer: Actor, purpose: str = "work") -> dict:
    """``mask_data`` for an instance (complaint or not)."""
    if instance.tracking_code is None:
        return dict(data)
    return mask_data(data, instance.anonymity, viewer, purpose, recorded_by(instance))


def visible_recipient(instance, recipient: str | None, viewer: Actor) -> str | None:
    """The reporter's address on an outbox message, masked like the identity."""
    if recipient is None:
        return None
    if may_see_identity(instance.anonymity, viewer, recorded_by(instance)):
        return recipient
    return MASK


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def complaint_view(instance, data: dict[str, Any] | None, viewer: Actor, purpose: str = "work",
                   **extra: Any) -> dict:
    """The one shape of a complaint shown to anyone: metadata + its data, masked for ``viewer``.

    ``purpose="public"`` keeps only what the tracking page shows (no identity, no working data).
    """
    data = dict(data or {})
    base = {
        "tracking_code": instance.tracking_code, "channel": instance.channel,
        "anonymity": instance.anonymity or "none", "received_at": _iso(instance.received_at),
        "status": instance.status, "stage": instance.stage, "started_at": _iso(instance.started_at),
        "completed_at": _iso(instance.completed_at), "subject": instance.subject,
        "answer": instance.answer, "process": instance.process_key,
    }
    if purpose == "public":
        shown = {k: base[k] for k in ("tracking_code", "channel", "received_at", "status", "stage",
                                       "started_at", "completed_at", "subject", "answer")}
        shown.update({k: v for k, v in extra.items() if k in ("lapor_id", "merged_into")})
        return mask_data(shown, instance.anonymity, viewer, "public", recorded_by(instance))
    fields = {k: data.get(k) for k in ("reporter", "description", "category", "attachments") if k in data}
    shown = {**base, **fields, **extra, "instance_id": instance.id}
    return mask_data(shown, instance.anonymity, viewer, purpose, recorded_by(instance))


def _mask_nested(value: Any, instance, viewer: Actor, purpose: str) -> Any:
    if isinstance(value, dict):
        return visible_data(instance, value, viewer, purpose)
    return value


def visible_event(instance, event: dict[str, Any], viewer: Actor, purpose: str = "audit") -> dict:
    """An audit event (as a dict) with the complaint data inside it masked for ``viewer``.

    Masks ``data_before``, ``data_after`` and the ``input``/``data`` of its payload; the hash stays as
    recorded, so a masked event is shown but cannot be re-verified by the viewer (``alur audit verify``
    checks the stored events).
    """
    if instance is None or instance.tracking_code is None:
        return dict(event)
    shown = dict(event)
    for key in ("data_before", "data_after"):
        shown[key] = _mask_nested(shown.get(key), instance, viewer, purpose)
    payload = shown.get("payload")
    if isinstance(payload, dict):
        payload = {k: _mask_nested(v, instance, viewer, purpose) if k in ("input", "data") else v
                   for k, v in payload.items()}
        shown["payload"] = mask_data(payload, instance.anonymity, viewer, purpose, recorded_by(instance))
    return shown
