"""The auditor's pages: chain status and search, timeline with step times, replay page; auditors only."""

from __future__ import annotations

import json
import re

from sqlalchemy import text

from tests.audit_ui_fixtures import IDENTITY_AUDITOR, login_as, migrate_complaint, worked  # noqa: F401 - fixture
from tests.conftest import csrf_token


def finish_chain_check(app) -> None:
    """Wait for the background chain check the last request started."""
    thread = app.extensions["alur_chain_check_thread"]
    thread.join(timeout=120)
    assert not thread.is_alive()


def test_home_shows_chain_status_and_checks_it(app, client, login, worked):
    login("auditor")
    page = client.get("/audit/").get_data(as_text=True)
    assert "Rantai belum pernah diperiksa." in page and 'href="/audit/"' in page  # nav link
    response = client.post("/audit/rantai", data={"csrf_token": csrf_token(client, "/audit/")})
    assert response.status_code == 302
    finish_chain_check(app)
    page = client.get("/audit/").get_data(as_text=True)
    assert "dimulai di latar belakang" in page and "chain-ok" in page and "Utuh" in page
    assert 'id="chain-job"' not in page  # nothing under way any more
    checked = int(re.search(r'id="chain-checked">(\d+)', page).group(1))
    head = int(re.search(r'id="chain-head">(\d+)', page).group(1))
    assert head == checked + 1  # the check itself is the newest event of the chain
    assert "13-03-2026" in page


def test_home_reports_a_broken_chain(app, client, login, worked):
    from tasks_ui.extensions import db

    with app.app_context():
        db.session.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        db.session.execute(text("UPDATE audit_event SET actor = 'penyusup' WHERE seq = 3"))
        db.session.commit()
    login("auditor")
    client.post("/audit/rantai", data={"csrf_token": csrf_token(client, "/audit/")})
    finish_chain_check(app)
    page = client.get("/audit/").get_data(as_text=True)
    assert "chain-broken" in page and "RUSAK mulai catatan nomor 3: isi catatan tidak cocok dengan hash-nya" in page
    assert "content does not match" in client.get("/audit/?lang=en").get_data(as_text=True)


def test_home_shows_a_check_under_way_and_one_that_died(app, client, login, worked, clock):
    from engine.actors import Actor
    from engine.chain_checks import request_check
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():  # asked for on another worker, not started yet
        request_check(db.session, engine_context(), actor=Actor("ombudsman", frozenset({"auditor"})))
        db.session.remove()
    login("auditor")
    page = client.get("/audit/").get_data(as_text=True)
    assert 'id="chain-job"' in page and 'data-state="queued"' in page and "audit/chain.js" in page
    assert "menunggu dimulai (diminta oleh ombudsman" in page and 'id="chain-progress"' in page
    client.post("/audit/rantai", data={"csrf_token": csrf_token(client, "/audit/")})
    assert "sedang berjalan (diminta oleh ombudsman)" in client.get("/audit/").get_data(as_text=True)
    assert "alur_chain_check_thread" not in app.extensions  # no second check was started
    clock.advance(minutes=3)  # its worker never reported: the next request replaces it
    page = client.get("/audit/").get_data(as_text=True)
    assert 'id="chain-job-stale"' in page and "berhenti tanpa kabar" in page
    client.post("/audit/rantai", data={"csrf_token": csrf_token(client, "/audit/")})
    finish_chain_check(app)
    page = client.get("/audit/").get_data(as_text=True)
    assert "chain-ok" in page and 'id="chain-job' not in page


def test_search_by_code_official_status_period_and_process(client, login, worked):
    login("auditor")
    code = worked["tracking_code"]
    found = client.get(f"/audit/?kode={code.lower()}").get_data(as_text=True)
    assert f'/audit/instans/{worked["instance_id"]}' in found
    by_official = client.get("/audit/?pejabat=kasi").get_data(as_text=True)
    assert f'/audit/instans/{worked["instance_id"]}' in by_official
    nobody = client.get("/audit/?pejabat=kabid").get_data(as_text=True)
    assert "Tidak ada instans yang cocok." in nobody
    assert code in client.get("/audit/?status=running&proses=muba_pengaduan&dari=2026-03-13&sampai=2026-03-13"
                              ).get_data(as_text=True)
    assert "Tidak ada instans" in client.get("/audit/?dari=2026-03-14").get_data(as_text=True)
    assert "Tidak ada instans" in client.get("/audit/?status=completed").get_data(as_text=True)
    bad = client.get("/audit/?dari=13-03-2026")
    assert bad.status_code == 422 and "bukan tanggal" in bad.get_data(as_text=True)
    backwards = client.get("/audit/?dari=2026-03-14&sampai=2026-03-13")
    assert backwards.status_code == 422 and "sebelum tanggal awal" in backwards.get_data(as_text=True)


def test_timeline_lists_events_changes_and_step_times(client, login, worked):
    login("auditor")
    page = client.get(f"/audit/instans/{worked['instance_id']}").get_data(as_text=True)
    assert page.index("Instans dimulai") < page.index("Langkah diselesaikan")
    assert "Verifikasi Formulir Pengaduan" in page and "petugas" in page
    assert "nomor_buku_pengaduan" in page and "BP-7/2026" in page  # data change after the step
    step = re.search(r'<tr class="over" data-step="verifikasi_formulir">.*?</tr>', page, re.S).group(0)
    assert "0:25:00" in step and "10 menit" in step and "melebihi standar" in step
    assert "Budi Santoso" not in page and "•••" in page  # anonim: masked for a plain auditor
    english = client.get(f"/audit/instans/{worked['instance_id']}?lang=en").get_data(as_text=True)
    assert "Step completed" in english and "over standard" in english


def test_identity_auditor_sees_the_reporter(client, worked):
    login_as(client, *IDENTITY_AUDITOR)
    page = client.get(f"/audit/instans/{worked['instance_id']}").get_data(as_text=True)
    assert "Budi Santoso" in page


def test_replay_page_carries_the_pinned_diagram_and_states(client, login, worked):
    login("auditor")
    page = client.get(f"/audit/instans/{worked['instance_id']}/putar-ulang").get_data(as_text=True)
    assert "bpmn-navigated-viewer.production.min.js" in page and 'id="replay-slider"' in page
    config = json.loads(re.search(r'<script type="application/json" id="replay-config">(.*?)</script>', page,
                                  re.S).group(1))
    assert list(config["diagrams"]) == ["1"] and "<bpmn:definitions" in config["diagrams"]["1"]
    states = config["states"]
    assert {state["version"] for state in states} == {1}
    assert states[0]["type"] == "INSTANCE_STARTED" and states[-1]["active"] == ["beri_solusi"]
    assert "verifikasi_formulir" in states[-1]["completed"] and states[0]["at_text"].startswith("13-03-2026")
    assert states[-1]["data"]["reporter"]["name"] == "•••"
    assert config["replay_url"] == f"/api/v1/instances/{worked['instance_id']}/replay"


def test_replay_page_of_a_migrated_instance_shows_each_side_on_its_version(app, client, login, clock):
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        moved = migrate_complaint(db.session, engine_context(), clock)
        db.session.remove()
    login("auditor")
    page = client.get(f"/audit/instans/{moved['instance_id']}/putar-ulang").get_data(as_text=True)
    config = json.loads(re.search(r'<script type="application/json" id="replay-config">(.*?)</script>', page,
                                  re.S).group(1))
    assert sorted(config["diagrams"]) == ["1", "2"] and 'name="kepala_dinas"' in config["diagrams"]["2"]
    versions = [(state["type"], state["version"]) for state in config["states"]]
    moved_at = versions.index(("INSTANCE_MIGRATED", 2))
    assert {v for _, v in versions[:moved_at]} == {1} and {v for _, v in versions[moved_at:]} == {2}
    assert config["states"][-1]["active"] == ["periksa_laporan"] and config["divergence"] is None
    assert "dipindah antarversi (1 → 2)" in page and "Versi 2 · sha256" in config["version_labels"]["2"]
    assert "Versi 1 · sha256" in page  # the header names the version the instance started on
    proof = client.post(f"/api/v1/instances/{moved['instance_id']}/replay").get_json()
    assert proof["reproduced"] is True, proof


def test_pages_refuse_others_and_unknown_instances(app, client, login, worked):
    assert client.get("/audit/").status_code == 302  # not logged in: to the login page
    login("kasi")
    for path in ("/audit/", f"/audit/instans/{worked['instance_id']}",
                 f"/audit/instans/{worked['instance_id']}/putar-ulang"):
        assert client.get(path).status_code == 403
    assert 'href="/audit/"' not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login("auditor")
    assert client.get("/audit/instans/9999").status_code == 404
    assert client.get("/audit/instans/9999/putar-ulang").status_code == 404
    from tasks_ui.extensions import db

    with app.app_context():
        db.session.execute(text("UPDATE process_version SET spec_json = '' WHERE process_key = 'muba_pengaduan'"))
        db.session.commit()
    missing = client.get(f"/audit/instans/{worked['instance_id']}/putar-ulang")
    assert missing.status_code == 422 and "tidak dapat diputar ulang" in missing.get_data(as_text=True)
    assert client.get(f"/audit/instans/{worked['instance_id']}").status_code == 200  # the timeline still shows
