"""Fixtures for the auditor's pages: a complaint worked through a few steps inside the test app."""

from __future__ import annotations

import re

import pytest

from engine import runtime, users
from engine.actors import SYSTEM_INIT
from tests.conftest import actor
from tests.engine_helpers import MUBA_INTAKE, ready_task

#: A user holding the auditor's right to see hidden identities.
IDENTITY_AUDITOR = ("auditor_id", "sandi-auditor-id-123")


def work_complaint(session, ctx, clock, anonymity: str = "anonim") -> dict:
    """Submit a Musi Banyuasin complaint and complete its first two steps (the verification is late)."""
    sub = runtime.submit_complaint(session, ctx, "muba_pengaduan", {**MUBA_INTAKE, "anonymity": anonymity})
    instance_id = sub.instance.id
    clock.advance(minutes=25)  # the petugas's 10-minute standard is exceeded
    row = ready_task(session, instance_id, "verifikasi_formulir")
    runtime.complete_task(session, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "BP-7/2026"},
                          actor=actor("petugas", "petugas"))
    clock.advance(minutes=5)
    row = ready_task(session, instance_id, "periksa_laporan")
    runtime.complete_task(session, ctx, row.id, {"hasil_pemeriksaan": "benar", "catatan_solusi": "Dicek."},
                          actor=actor("kasi", "kasi"))
    clock.advance(minutes=1)
    return {"instance_id": instance_id, "tracking_code": sub.tracking_code}


#: The process key the migrated complaint runs under (a copy of muba_pengaduan).
MIGRATED_KEY = "muba_pengaduan_migrasi"


def _own_key(bpmn: bytes) -> bytes:
    """The process under MIGRATED_KEY, named so that no page confuses it with the shipped one."""
    renamed = bpmn.replace(b'"muba_pengaduan"', f'"{MIGRATED_KEY}"'.encode())
    return re.sub(rb'(<bpmn:process id="%s" name=")[^"]*"' % MIGRATED_KEY.encode(),
                  rb'\1Uji pindah versi (salinan pengaduan)"', renamed, count=1)


def migrate_complaint(session, ctx, clock) -> dict:
    """A Musi Banyuasin complaint moved to a v2 (answer step in the kepala_dinas lane) while it waited for
    verification, then verified on v2."""
    from engine.deploy import deploy_process
    from engine.migration import migrate_instance
    from tests.editor_fixtures import muba_variant

    owner = actor("process_owner", "pemilik")
    # its own process key: the live server's database is shared by every browser test, whose complaints
    # must keep running on the shipped Musi Banyuasin process
    deploy_process(session, ctx, _own_key(muba_variant()), actor=owner)
    sub = runtime.submit_complaint(session, ctx, MIGRATED_KEY, dict(MUBA_INTAKE))
    instance_id = sub.instance.id
    variant = _own_key(muba_variant(duration="PT15M", kabid_lane_role="kepala_dinas"))
    v2, _ = deploy_process(session, ctx, variant, actor=owner)
    clock.advance(minutes=3)
    migrate_instance(session, ctx, instance_id, v2.id, actor=owner)
    clock.advance(minutes=4)
    row = ready_task(session, instance_id, "verifikasi_formulir")
    runtime.complete_task(session, ctx, row.id, {"lengkap": True, "nomor_buku_pengaduan": "BP-8/2026"},
                          actor=actor("petugas", "petugas"))
    return {"instance_id": instance_id, "tracking_code": sub.tracking_code}


@pytest.fixture
def worked(app, clock):
    """An *anonim* complaint two steps in, plus a user ``auditor_id`` holding ``auditor_identitas``."""
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        ctx = engine_context()
        users.create_user(db.session, ctx, IDENTITY_AUDITOR[0], IDENTITY_AUDITOR[1],
                          ["auditor", "auditor_identitas"], actor=SYSTEM_INIT)
        result = work_complaint(db.session, ctx, clock)
        db.session.remove()
    return result


def login_as(client, username: str, password: str) -> None:
    """Log ``client`` in through the login form."""
    from tests.conftest import csrf_token

    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
