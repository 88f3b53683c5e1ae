"""Officials' API: task list (fields, order, filters), task detail, claim/release/complete with every refusal
(401, 403 without data, 404, 409 nothing changed, 422 with fields), instances, starting processes, CSRF for
session callers, English messages."""

from __future__ import annotations

import json

from tests.api_fixtures import *  # noqa: F403 - fixtures complain, db_read, snapshot, add_user
from tests.api_fixtures import COMPLAINT, VERIFIED, bearer, ready_of
from tests.bpmn_factory import TINY_FORM, process, user_task

API_FIELDS = {"id", "instance_id", "process", "bpmn_id", "name", "role", "ready_at", "standard_seconds",
              "elapsed_seconds", "due_at", "sla_due_at", "timer_state", "claimed_by", "form"}


def test_task_list_has_the_contract_fields_oldest_due_first(client, complain, api_token, clock):
    first = complain()
    clock.advance(minutes=3)
    second = complain(process="sanggau_pengaduan", subject="Buku rusak", category="layanan_sirkulasi")
    clock.advance(minutes=5)
    tasks = client.get("/api/v1/tasks", headers=api_token("petugas")).get_json()
    assert API_FIELDS <= set(tasks[0])
    assert [t["instance_id"] for t in tasks] == [first["instance_id"], second["instance_id"]]
    deadlines = [min(d for d in (t["due_at"], t["sla_due_at"]) if d) for t in tasks]
    assert deadlines == sorted(deadlines)
    muba = tasks[0]
    assert (muba["bpmn_id"], muba["role"], muba["standard_seconds"], muba["elapsed_seconds"]) == \
        ("verifikasi_formulir", "petugas", 600.0, 480.0)
    assert muba["timer_state"] == "warning" and muba["claimed_by"] is None
    assert muba["form"] == "muba-verifikasi-formulir.schema.json" and muba["ready_at"] == "2026-03-13T02:00:00+00:00"
    clock.advance(minutes=3)
    assert client.get("/api/v1/tasks", headers=api_token("petugas")).get_json()[0]["timer_state"] == "overdue"
    assert client.get("/api/v1/tasks", headers=api_token("kasi")).get_json() == []


def test_task_list_filters_and_paging(client, complain, api_token):
    complain()
    complain(process="sanggau_pengaduan")
    petugas = api_token("petugas")

    def ids(query):
        response = client.get(f"/api/v1/tasks{query}", headers=petugas)
        assert response.status_code == 200, response.get_json()
        return [t["process"] for t in response.get_json()]

    assert ids("?process=sanggau_pengaduan") == ["sanggau_pengaduan"]
    assert ids("?limit=1") == ["muba_pengaduan"] and ids("?limit=1&offset=1") == ["sanggau_pengaduan"]
    assert ids("?timer_state=overdue") == [] and len(ids("?timer_state=on_time")) == 2
    assert ids("?role=kasi") == [] and ids("?held=me") == []
    for bad in ("?limit=0", "?limit=abc", "?limit=100000", "?offset=-1", "?timer_state=merah"):
        response = client.get(f"/api/v1/tasks{bad}", headers=petugas)
        assert response.status_code == 422, bad
        assert response.get_json()["error"]["code"] == "invalid_input"


def test_authentication_and_wrong_roles(client, complain, api_token):
    complain()
    assert client.get("/api/v1/tasks").status_code == 401
    unauthorized = client.get("/api/v1/tasks", headers={"Authorization": "Bearer not-a-token"})
    assert unauthorized.status_code == 401 and unauthorized.get_json()["error"]["code"] == "unauthorized"
    for role in ("auditor", "process_owner", "admin"):
        response = client.get("/api/v1/tasks", headers=api_token(role))
        assert response.status_code == 403 and set(response.get_json()) == {"error"}, role


def test_a_token_ends_with_its_lifetime_or_its_users_deactivation(app, client, login, add_user, clock):
    from engine import users
    from engine.actors import SYSTEM_INIT
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    headers = bearer(client, "dewi", add_user("dewi", "petugas"))
    other = bearer(client, "rina", add_user("rina", "petugas"))
    clock.advance(seconds=users.TOKEN_LIFETIME.total_seconds() - 1)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    clock.advance(seconds=1)  # expires_at > now: at its expiry the token is no longer valid
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
    headers = bearer(client, "dewi", "sandi-dewi-123")
    login("dewi", "sandi-dewi-123")
    assert client.get("/api/v1/tasks").status_code == 200  # the session's user (active_user)
    with app.app_context():
        users.set_user_active(db.session, engine_context(), "dewi", False, actor=SYSTEM_INIT)
        db.session.remove()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
    assert client.get("/api/v1/tasks").status_code == 401  # the session ends with the user too
    assert client.get("/api/v1/tasks", headers=other).status_code == 401  # rina's token expired with dewi's first
    assert client.get("/api/v1/tasks", headers=bearer(client, "rina", "sandi-rina-123")).status_code == 200


def test_task_detail_for_its_role_only(client, complain, api_token):
    receipt = complain(anonymity="anonim")
    petugas = api_token("petugas")
    task = ready_of(client, petugas, receipt["instance_id"])
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=petugas).get_json()
    assert API_FIELDS <= set(detail)
    assert detail["form_schema"]["title"] == "Verifikasi Formulir Pengaduan" and detail["sop_step"] == "4"
    assert "memverifikasi" in detail["documentation"] and detail["data"]["subject"] == COMPLAINT["subject"]
    assert detail["data"]["reporter"]["name"] == "Siti Aminah"  # the petugas on duty records it
    for role in ("kasi", "kabid"):
        refused = client.get(f"/api/v1/tasks/{task['id']}", headers=api_token(role))
        assert refused.status_code == 403 and set(refused.get_json()) == {"error"}
        assert "AC ruang" not in refused.get_data(as_text=True) and "Siti" not in refused.get_data(as_text=True)
    missing = client.get("/api/v1/tasks/999999", headers=petugas)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_anonim_identity_is_masked_for_the_kasi(client, complain, api_token):
    receipt = complain(anonymity="anonim")
    petugas, kasi = api_token("petugas"), api_token("kasi")
    task = ready_of(client, petugas, receipt["instance_id"])
    client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas, json={"data": VERIFIED})
    kasi_task = ready_of(client, kasi, receipt["instance_id"])
    text = client.get(f"/api/v1/tasks/{kasi_task['id']}", headers=kasi).get_data(as_text=True)
    assert "AC ruang" in text and not any(bit in text for bit in ("Siti", "0813", "Sudirman"))


def test_claim_release_and_conflicts(client, complain, api_token, add_user, snapshot):
    receipt = complain()
    petugas = api_token("petugas")
    other = bearer(client, "petugas2", add_user("petugas2", "petugas"))
    task = ready_of(client, petugas, receipt["instance_id"])
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=petugas)
    assert claimed.status_code == 200 and claimed.get_json()["claimed_by"] == "petugas"
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=petugas).status_code == 200  # idempotent
    assert ready_of(client, other, receipt["instance_id"])["claimed_by"] == "petugas"
    before = snapshot()
    for action, data in (("claim", None), ("release", None), ("complete", {"data": VERIFIED})):
        response = client.post(f"/api/v1/tasks/{task['id']}/{action}", headers=other, json=data)
        assert response.status_code == 409, action
        assert response.get_json()["error"] == {"code": "task_claimed",
                                                "message": "Langkah ini sedang dipegang oleh petugas."}
    english = client.post(f"/api/v1/tasks/{task['id']}/claim", headers={**other, "Accept-Language": "en"})
    assert english.get_json()["error"]["message"] == "This step is held by petugas."
    kasi = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=api_token("kasi"))
    assert kasi.status_code == 403 and kasi.get_json()["error"]["code"] == "not_your_role"
    assert snapshot() == before
    released = client.post(f"/api/v1/tasks/{task['id']}/release", headers=petugas)
    assert released.status_code == 200 and released.get_json()["claimed_by"] is None
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=other).get_json()["claimed_by"] == "petugas2"


def test_complete_moves_the_complaint_to_the_kasi(client, complain, api_token, snapshot, clock):
    receipt = complain()
    petugas = api_token("petugas")
    task = ready_of(client, petugas, receipt["instance_id"])
    before = snapshot()
    invalid = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas,
                          json={"data": {"lengkap": False}})
    assert invalid.status_code == 422
    assert invalid.get_json()["error"]["fields"] == {"nomor_buku_pengaduan": "Wajib diisi.",
                                                     "kekurangan": "Wajib diisi."}
    wrong_role = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=api_token("kasi"),
                             json={"data": VERIFIED})
    assert wrong_role.status_code == 403 and set(wrong_role.get_json()) == {"error"}
    assert snapshot() == before
    clock.advance(minutes=4)
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas, json={"data": VERIFIED})
    assert done.status_code == 200
    body = done.get_json()
    assert body["instance_id"] == receipt["instance_id"] and body["instance_status"] == "running"
    [following] = body["next_tasks"]
    assert API_FIELDS <= set(following)
    assert (following["bpmn_id"], following["role"], following["state"]) == ("periksa_laporan", "kasi", "ready")
    assert ready_of(client, api_token("kasi"), receipt["instance_id"])["id"] == following["id"]
    after = snapshot()
    again = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas, json={"data": VERIFIED})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "task_not_ready"
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=petugas).status_code == 409
    assert snapshot() == after
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=petugas).get_json()
    assert detail["state"] == "completed" and detail["completed_by"] == "petugas"
    assert detail["elapsed_seconds"] == 240.0


def test_a_step_cancelled_by_a_merge_is_409_and_unchanged(client, complain, api_token, app, snapshot):
    from engine import duplicates
    from engine.actors import Actor
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    complain(process="sanggau_pengaduan")
    second = complain(process="sanggau_pengaduan")
    petugas = api_token("petugas")
    task = ready_of(client, petugas, second["instance_id"])
    with app.app_context():
        [flag] = duplicates.open_flags(db.session)
        petugas_actor = Actor("petugas", frozenset({"petugas"}))
        duplicates.merge_duplicate(db.session, engine_context(), flag.id, actor=petugas_actor)
        db.session.remove()
    before = snapshot()
    assert task["id"] in [row[0] for row in before[0] if row[1] == "cancelled"]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas,
                           json={"data": {"nomor_buku": "1"}})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"].startswith("Langkah ini tidak lagi menunggu isian")
    assert snapshot() == before


def test_session_callers_need_the_csrf_token_token_callers_do_not(client, complain, login, api_token, snapshot):
    receipt = complain()
    login("petugas")
    task = client.get("/api/v1/tasks").get_json()[0]  # reading with the session is fine
    before = snapshot()
    refused = client.post(f"/api/v1/tasks/{task['id']}/claim")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    assert snapshot() == before
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=api_token("petugas")).status_code == 200
    assert receipt["instance_id"] == task["instance_id"]


def test_complete_body_over_the_limit_is_413(app, client, complain, api_token, snapshot):
    receipt = complain()
    petugas = api_token("petugas")
    task = ready_of(client, petugas, receipt["instance_id"])
    app.config["ALUR_API_MAX_BODY_BYTES"] = 5_000
    before = snapshot()
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=petugas,
                           json={"data": {**VERIFIED, "catatan_klarifikasi": "x" * 10_000}})
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "request_entity_too_large"
    assert snapshot() == before


def test_instance_for_auditor_and_officials(client, complain, api_token):
    receipt = complain(anonymity="anonim")
    for role in ("auditor", "kasi", "petugas"):
        response = client.get(f"/api/v1/instances/{receipt['instance_id']}", headers=api_token(role))
        body = response.get_json()
        assert response.status_code == 200, role
        assert (body["status"], body["version"], body["process"]) == ("running", 1, "muba_pengaduan")
        assert [t["bpmn_id"] for t in body["current_tasks"]] == ["verifikasi_formulir"]
        assert body["complaint"]["tracking_code"] == receipt["tracking_code"] and "Siti" not in json.dumps(body)
    assert client.get(f"/api/v1/instances/{receipt['instance_id']}",
                      headers=api_token("process_owner")).status_code == 403
    assert client.get(f"/api/v1/instances/{receipt['instance_id']}").status_code == 401
    assert client.get("/api/v1/instances/424242", headers=api_token("auditor")).status_code == 404


def _deploy_tiny(app, lane: str, key: str, name: str = "Tugas") -> None:
    from engine import deploy
    from engine.actors import SYSTEM_INIT
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    with app.app_context():
        deploy.deploy_process(db.session, engine_context(), process(user_task(name=name), lane=lane, key=key),
                              {"tiny.schema.json": TINY_FORM}, actor=SYSTEM_INIT, filename=f"{key}.bpmn")
        db.session.remove()


def test_start_a_process_needs_the_start_lanes_role(app, client, api_token, snapshot):
    _deploy_tiny(app, "kasi", "layanan_uji")
    before = snapshot()
    for role in ("petugas", "kabid"):
        refused = client.post("/api/v1/processes/layanan_uji/instances", headers=api_token(role), json={})
        assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_your_role", role
    assert client.post("/api/v1/processes/layanan_uji/instances", json={}).status_code == 401
    complaint = client.post("/api/v1/processes/muba_pengaduan/instances", headers=api_token("petugas"), json={})
    assert complaint.status_code == 422 and "/api/v1/complaints" in complaint.get_json()["error"]["message"]
    unknown = client.post("/api/v1/processes/tidak_ada/instances", headers=api_token("kasi"), json={})
    assert unknown.status_code == 404
    bad = client.post("/api/v1/processes/layanan_uji/instances", headers=api_token("kasi"), json={"data": "x"})
    assert bad.status_code == 422
    assert snapshot() == before
    kasi = api_token("kasi")
    started = client.post("/api/v1/processes/layanan_uji/instances", headers=kasi, json={"data": {"bulan": "2026-03"}})
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["instance_id"]
    assert [t["instance_id"] for t in client.get("/api/v1/tasks?process=layanan_uji", headers=kasi).get_json()] \
        == [instance_id]


def test_anyone_starts_a_process_whose_start_lane_is_pelapor(app, client, api_token):
    _deploy_tiny(app, "pelapor", "permohonan_uji", "Ajukan permohonan")
    response = client.post("/api/v1/processes/permohonan_uji/instances", json={"data": {"nama": "Andi"}})
    assert response.status_code == 201 and response.get_json()["stage"] == "Ajukan permohonan"
    tasks = client.get("/api/v1/tasks", headers=api_token("petugas")).get_json()
    assert [(t["instance_id"], t["role"]) for t in tasks] == [(response.get_json()["instance_id"], "pelapor")]


def test_clock_moves_elapsed_only_in_office_hours(client, complain, api_token, clock):
    receipt = complain()
    clock.advance(hours=8)  # Friday 17:00 WIB: the office closed at 16:00
    petugas = api_token("petugas")
    task = ready_of(client, petugas, receipt["instance_id"])
    assert task["elapsed_seconds"] == 7 * 3600.0 and task["timer_state"] == "overdue"
    clock.advance(days=1)  # Saturday: no office time passes (a new token: they last 12 hours)
    assert ready_of(client, api_token("petugas"), receipt["instance_id"])["elapsed_seconds"] == 7 * 3600.0
