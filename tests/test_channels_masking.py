"""The same complaint (anonim, then rahasia) seen through every surface by every kind of viewer.

Viewers: the petugas who recorded it, another petugas, the kabid working on it, an auditor, an auditor with
``auditor_identitas``, and the public. Surfaces: the complaint card, the inbox task page, the inbox list,
the search page, the outbox page, the officials' JSON API, the audit history API, the public tracking
page, and exports (``purpose="export"``, the one shape every export goes through). Each must show exactly
the identity and content that viewer may see (docs/channels.md, "Confidentiality").
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from engine import channels, runtime, users
from engine.actors import SYSTEM_INIT, Actor
from engine.models import HumanTask, ProcessInstance
from engine.visibility import MASK, PUBLIC, complaint_view, visible_event
from tests.conftest import PASSWORDS, csrf_token

IDENTITY = ("Rina Wulandari", "0812-7777-8888", "Jl. Merdeka 9, Sekayu", "rina@example.id")
SUBJECT = "Wifi ruang baca tidak bisa dipakai"
DESCRIPTION = "Sejak Senin wifi di ruang baca umum tidak dapat tersambung sama sekali."
INTAKE = {
    "channel": "telepon", "received_at": "2026-03-12T14:30:00+07:00",
    "reporter": {"name": IDENTITY[0], "phone": IDENTITY[1], "address": IDENTITY[2], "email": IDENTITY[3]},
    "subject": SUBJECT, "description": DESCRIPTION, "category": "fasilitas",
}
EXTRA_USERS = {"petugas2": ["petugas"], "auditor_id": ["auditor", "auditor_identitas"]}
PASSWORD = "sandi-rahasia-123"


def _password(username: str) -> str:
    return PASSWORDS.get(username, PASSWORD)


@pytest.fixture
def complaint(app, request):
    """A complaint recorded by the petugas ``petugas`` by phone, moved to the kabid's step."""
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    anonymity = request.param
    with app.app_context():
        ctx = engine_context()
        for name, roles in EXTRA_USERS.items():
            users.create_user(db.session, ctx, name, PASSWORD, roles, actor=SYSTEM_INIT)
        petugas = Actor("petugas", frozenset({"petugas"}))
        sub = channels.record_complaint(db.session, ctx, "muba_pengaduan", {**INTAKE, "anonymity": anonymity},
                                        actor=petugas)
        iid = sub.instance.id

        def complete(bpmn_id, actor, data):
            row = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                             HumanTask.bpmn_id == bpmn_id,
                                                             HumanTask.state == "ready")).one()
            runtime.complete_task(db.session, ctx, row.id, data, actor=actor)
            return row.id

        verified = complete("verifikasi_formulir", petugas, {"lengkap": True, "nomor_buku_pengaduan": "7/2026"})
        complete("periksa_laporan", Actor("kasi", frozenset({"kasi"})),
                 {"hasil_pemeriksaan": "benar", "catatan_solusi": "Router diganti."})
        kabid_task = db.session.scalars(select(HumanTask.id).where(HumanTask.instance_id == iid,
                                                                   HumanTask.state == "ready")).one()
        db.session.commit()
        info = {"anonymity": anonymity, "code": sub.tracking_code, "instance_id": iid,
                "verified_task": verified, "kabid_task": kabid_task}
        db.session.remove()
    return info


def _client(app, username: str | None):
    client = app.test_client()
    if username:
        response = client.post("/login", data={"username": username, "password": _password(username),
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, (username, response.status_code)
    return client


def _pages(app, username, info) -> dict[str, str]:
    """Every surface this user can open, as text (HTML or JSON)."""
    client = _client(app, username)
    code, iid = info["code"], info["instance_id"]
    urls = {
        "card": f"/petugas/pengaduan/{code}",
        "details_api": f"/api/v1/complaints/{code}/details",
        "task_page_verified": f"/tasks/{info['verified_task']}",
        "task_page_kabid": f"/tasks/{info['kabid_task']}",
        "inbox": "/inbox",
        "search": f"/petugas/cari?q={code}",
        "outbox": "/petugas/kotak-keluar",
        "history_api": f"/api/v1/instances/{iid}/history",
        "public_status": f"/lacak/{code}",
        "public_api": f"/api/v1/complaints/{code}",
        "api_task_verified": f"/api/v1/tasks/{info['verified_task']}",
        "api_task_kabid": f"/api/v1/tasks/{info['kabid_task']}",
        "api_instance": f"/api/v1/instances/{iid}",
        "recap_json": "/api/v1/reports/recap?from=2026-03-01&to=2026-03-31",
        "recap_csv": "/reports/recap.csv?from=2026-03-01&to=2026-03-31",
        "audit_page": f"/audit/instans/{iid}",
        "audit_csv": f"/api/v1/instances/{iid}/history.csv",
        "audit_json": f"/api/v1/instances/{iid}/history.json",
        "audit_period": "/api/v1/audit/export?from=2026-03-01&to=2026-03-31&format=csv",
    }
    found = {}
    for name, url in urls.items():
        response = client.get(url)
        if response.status_code == 200:
            found[name] = response.get_data(as_text=True)
            if response.is_json:  # compare the decoded text (no \u escapes)
                found[name] = json.dumps(response.get_json(), ensure_ascii=False)
        else:
            assert response.status_code in (302, 401, 403), (username, url, response.status_code)
    return found


def _shows(text: str, needles) -> bool:
    return any(n in text for n in needles)


# who opens what: the surfaces each viewer must be able to reach (a refused page cannot leak)
PUBLIC_PAGES = {"public_status", "public_api"}
AUDIT = {"card", "details_api", "history_api", "api_instance", "recap_json", "recap_csv", "audit_page", "audit_csv",
         "audit_json", "audit_period"}
REACHES = {
    "petugas": {"card", "details_api", "task_page_verified", "api_task_verified", "api_instance", "inbox", "search",
                "outbox", *PUBLIC_PAGES},
    "petugas2": {"card", "details_api", "task_page_verified", "api_task_verified", "api_instance", "inbox", "search",
                 "outbox", *PUBLIC_PAGES},
    "kabid": {"card", "details_api", "task_page_kabid", "api_task_kabid", "api_instance", "inbox", "recap_json",
              "recap_csv", *PUBLIC_PAGES},
    "auditor": AUDIT | PUBLIC_PAGES,
    "auditor_id": AUDIT | PUBLIC_PAGES,
    None: PUBLIC_PAGES,
}
# identity visible? (anonim and rahasia hide it alike)
SEES_IDENTITY = {"petugas": True, "petugas2": False, "kabid": False, "auditor": False, "auditor_id": True,
                 None: False}


@pytest.mark.parametrize("complaint", ["anonim", "rahasia"], indirect=True)
@pytest.mark.parametrize("username", list(REACHES), ids=[str(u) for u in REACHES])
def test_every_surface_shows_exactly_what_the_viewer_may_see(app, complaint, username):
    pages = _pages(app, username, complaint)
    assert REACHES[username] <= set(pages), sorted(REACHES[username] - set(pages))
    for name, text in pages.items():
        if name in ("recap_json", "recap_csv"):  # the recap lists no identity at all
            assert not _shows(text, IDENTITY), (username, name)
            # reports show officials the subject; a file leaving Alur hides a rahasia one
            assert (SUBJECT in text) == (name == "recap_json" or complaint["anonymity"] == "anonim"), (username, name)
            continue
        if name in PUBLIC_PAGES or username is None:
            assert not _shows(text, IDENTITY), (username, name)
            # the public sees the subject of an anonim complaint, never anything of a rahasia one
            assert (SUBJECT in text) == (complaint["anonymity"] == "anonim"), (username, name)
            assert DESCRIPTION not in text, (username, name)
            continue
        full_views = ("card", "details_api", "task_page_verified", "task_page_kabid", "history_api")
        if SEES_IDENTITY[username]:
            if name in full_views:
                assert all(n in text for n in IDENTITY[:3]), (username, name)
            if name in ("audit_page", "audit_csv", "audit_json"):  # auditor_identitas: history and its files
                assert IDENTITY[0] in text, (username, name)
        else:
            assert not _shows(text, IDENTITY), (username, name, [n for n in IDENTITY if n in text])
            if name in full_views:
                assert MASK in text, (username, name)
        if name in full_views:
            # officials handling it and auditors reading its history see the content, rahasia or not
            assert SUBJECT in text and DESCRIPTION in text, (username, name)


@pytest.mark.parametrize("complaint", ["anonim", "rahasia"], indirect=True)
def test_exports_hide_rahasia_content_from_everyone_and_identity_as_at_work(app, complaint):
    """Exports leave Alur: rahasia content is masked for every official; identity as for their work."""
    from tasks_ui.extensions import db

    viewers = {"petugas": Actor("petugas", frozenset({"petugas"})),
               "petugas2": Actor("petugas2", frozenset({"petugas"})),
               "kabid": Actor("kabid", frozenset({"kabid"})),
               "auditor": Actor("auditor", frozenset({"auditor"})),
               "auditor_id": Actor("auditor_id", frozenset({"auditor", "auditor_identitas"}))}
    with app.app_context():
        instance = db.session.get(ProcessInstance, complaint["instance_id"])
        data = channels.recorded_data(db.session, instance)
        from engine.models import AuditEvent

        events = [{"type": e.type, "data_before": e.data_before, "data_after": e.data_after, "payload": e.payload}
                  for e in db.session.scalars(select(AuditEvent).where(
                      AuditEvent.instance_id == instance.id).order_by(AuditEvent.seq))]
        for name, viewer in viewers.items():
            view = json.dumps(complaint_view(instance, data, viewer, "export"), ensure_ascii=False)
            history = json.dumps([visible_event(instance, e, viewer, "export") for e in events],
                                 ensure_ascii=False)
            for text in (view, history):
                assert _shows(text, IDENTITY) == SEES_IDENTITY[name], name
                content_shown = SUBJECT in text or DESCRIPTION in text
                assert content_shown == (complaint["anonymity"] == "anonim"), name
        public = json.dumps(complaint_view(instance, data, PUBLIC, "public"), ensure_ascii=False)
        assert not _shows(public, IDENTITY) and DESCRIPTION not in public
