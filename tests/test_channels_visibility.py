"""Confidentiality in engine/visibility.py: the same complaint seen by petugas, kabid, auditor and the public."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import channels, runtime, visibility
from engine.actors import Actor, reporter
from engine.models import AuditEvent
from engine.visibility import MASK, PUBLIC, complaint_view, visible_event
from tests.channels_fixtures import INTAKE, PETUGAS, PETUGAS_2

KABID = Actor("kabid1", frozenset({"kabid"}))
AUDITOR = Actor("auditor1", frozenset({"auditor"}))
IDENTITY = {"name": "Rina Wulandari", "address": "Jl. Merdeka 9, Sekayu", "phone": "0812-7777-8888"}
HIDDEN = {"name": MASK, "address": MASK, "phone": MASK}


def _record(session, ctx, anonymity: str):
    sub = channels.record_complaint(session, ctx, "muba_pengaduan", {**INTAKE, "anonymity": anonymity},
                                    actor=PETUGAS)
    return sub.instance, {**INTAKE, "anonymity": anonymity, "reporter": IDENTITY}


def _seen(instance, data, viewer, purpose="work"):
    view = complaint_view(instance, data, viewer, purpose)
    return {k: view.get(k) for k in ("reporter", "subject", "description")}


def test_anonim_identity_only_for_the_recording_petugas(deployed, ctx):
    instance, data = _record(deployed, ctx, "anonim")
    content = {"subject": INTAKE["subject"], "description": INTAKE["description"]}
    assert _seen(instance, data, PETUGAS) == {"reporter": IDENTITY, **content}
    assert _seen(instance, data, PETUGAS_2) == {"reporter": HIDDEN, **content}
    assert _seen(instance, data, KABID) == {"reporter": HIDDEN, **content}
    assert _seen(instance, data, AUDITOR, "audit") == {"reporter": HIDDEN, **content}
    assert _seen(instance, data, KABID, "export") == {"reporter": HIDDEN, **content}
    public = complaint_view(instance, data, PUBLIC, "public")
    assert "reporter" not in public and "description" not in public and public["subject"] == INTAKE["subject"]
    assert _seen(instance, data, reporter(instance.tracking_code)) == {"reporter": IDENTITY, **content}


def test_rahasia_content_hidden_from_public_and_exports_only(deployed, ctx):
    instance, data = _record(deployed, ctx, "rahasia")
    content = {"subject": INTAKE["subject"], "description": INTAKE["description"]}
    assert _seen(instance, data, PETUGAS) == {"reporter": IDENTITY, **content}
    assert _seen(instance, data, KABID) == {"reporter": HIDDEN, **content}
    assert _seen(instance, data, AUDITOR, "audit") == {"reporter": HIDDEN, **content}
    assert _seen(instance, data, KABID, "export") == {"reporter": HIDDEN, "subject": MASK, "description": MASK}
    assert _seen(instance, data, PETUGAS, "export")["subject"] == MASK
    public = complaint_view(instance, data, PUBLIC, "public")
    assert public["subject"] == MASK and "reporter" not in public


def test_no_choice_shows_identity_to_officials_never_to_the_public(deployed, ctx):
    instance, data = _record(deployed, ctx, "none")
    for viewer in (PETUGAS, PETUGAS_2, KABID, AUDITOR):
        assert _seen(instance, data, viewer)["reporter"] == IDENTITY
    assert complaint_view(instance, data, KABID, "public").get("reporter") is None
    assert visibility.mask_data(data, "none", PUBLIC)["reporter"] == HIDDEN


def test_self_submitted_anonim_is_seen_by_the_petugas_on_duty_only(deployed, ctx):
    sub = runtime.submit_complaint(deployed, ctx, "muba_pengaduan", {**INTAKE, "channel": "website",
                                                                    "anonymity": "anonim"})
    data = {**INTAKE, "reporter": IDENTITY}
    assert _seen(sub.instance, data, PETUGAS_2)["reporter"] == IDENTITY
    assert _seen(sub.instance, data, KABID)["reporter"] == HIDDEN


def test_explicitly_allowed_roles_see_identity(deployed, ctx):
    instance, data = _record(deployed, ctx, "anonim")
    try:
        visibility.allow_identity_roles(["kabid"])
        assert _seen(instance, data, KABID)["reporter"] == IDENTITY
        assert _seen(instance, data, AUDITOR)["reporter"] == HIDDEN
    finally:
        visibility.allow_identity_roles([])


@pytest.mark.parametrize("anonymity", ["anonim", "rahasia"])
def test_audit_events_are_masked_for_the_viewer(deployed, ctx, anonymity):
    instance, _data = _record(deployed, ctx, anonymity)
    completed = deployed.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id,
                                                          AuditEvent.type == "TASK_COMPLETED")).one()
    event = {"seq": completed.seq, "type": completed.type, "data_before": completed.data_before,
             "data_after": completed.data_after, "payload": completed.payload}
    for_auditor = visible_event(instance, event, AUDITOR)
    assert for_auditor["payload"]["input"]["reporter"] == HIDDEN
    assert for_auditor["data_after"]["reporter"] == HIDDEN
    assert for_auditor["payload"]["input"]["subject"] == INTAKE["subject"]
    exported = visible_event(instance, event, AUDITOR, "export")
    expected_subject = MASK if anonymity == "rahasia" else INTAKE["subject"]
    assert exported["payload"]["input"]["subject"] == expected_subject
    for_recorder = visible_event(instance, event, PETUGAS)
    assert for_recorder["payload"]["input"]["reporter"]["name"] == "Rina Wulandari"
    assert "Rina" not in repr(visible_event(instance, event, KABID))
    assert "Rina" not in repr(visible_event(instance, event, PUBLIC, "public"))
